#!/usr/bin/env bash
# release.sh VERSION cross-builds Stowage and packages it into dist/VERSION/:
#
#   stowage_<v>_<os>_<arch>.tar.gz (.zip for windows)  binary, man pages, completions, README, CHANGELOG
#   stowage_<v>_amd64.deb, stowage-<v>-1.x86_64.rpm ...  the same, installed under /usr
#   stowage_<v>_checksums.txt                            SHA-256 of every file above (sha256sum -c)
#
# for linux, darwin and windows on amd64 and arm64 (RELEASE_TARGETS="linux/amd64"
# narrows it, as CI does). The binaries carry VERSION, the commit and the
# build date (SOURCE_DATE_EPOCH when set, for a reproducible build; else now),
# printed by `stowage version`. Packages are built by the pinned nfpm
# (scripts/install-gotools.sh); GoReleaser is not used.
set -euo pipefail
cd "$(dirname "$0")/.."

usage="usage: scripts/release.sh VERSION   (semantic version, e.g. v1.2.0 or 1.2.0-rc.1)"
[ $# -eq 1 ] || { echo "$usage" >&2; exit 2; }
version=$1
if ! [[ $version =~ ^v?[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
  echo "release: VERSION \"$version\" is not a semantic version; $usage" >&2
  exit 2
fi
version=v${version#v}  # the tag form, v1.2.0
pkgversion=${version#v} # file names and packages, 1.2.0
targets=${RELEASE_TARGETS:-linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64}

commit=$(git rev-parse HEAD)
if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
  if [ "${RELEASE_ALLOW_DIRTY:-}" != 1 ]; then
    echo "release: the work tree has uncommitted changes; commit them (or set RELEASE_ALLOW_DIRTY=1 for a test build)" >&2
    exit 1
  fi
  commit="$commit-dirty"
fi
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(date +%s)}
date=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)

bash scripts/install-gotools.sh nfpm
nfpm=$PWD/.tools/bin/nfpm

out=dist/$version
rm -rf "$out"
mkdir -p "$out/build"
pkg=github.com/stowage-dev/stowage/internal/buildinfo
ldflags="-s -w -X $pkg.version=$version -X $pkg.commit=$commit -X $pkg.date=$date"
build() { # GOOS GOARCH OUTPUT
  CGO_ENABLED=0 GOOS=$1 GOARCH=$2 go build -trimpath -ldflags "$ldflags" -o "$3" ./cmd/stowage
}

# The man pages and completion scripts are the same for every target: make
# them once with a binary for this machine.
echo "release: $version ($commit, $date)" >&2
host=$out/build/host
build "$(go env GOHOSTOS)" "$(go env GOHOSTARCH)" "$host/stowage"
"$host/stowage" man "$host/man" >/dev/null
gzip -9 -n "$host"/man/*.1
mkdir -p "$host/completions"
"$host/stowage" completion bash >"$host/completions/stowage.bash"
"$host/stowage" completion zsh >"$host/completions/_stowage"
"$host/stowage" completion fish >"$host/completions/stowage.fish"
"$host/stowage" completion powershell >"$host/completions/stowage.ps1"

# Archive entries get the build date, owner root, a fixed order.
stamp() { find "$1" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +; }

for target in $targets; do
  os=${target%/*} arch=${target#*/}
  case $os/$arch in
    linux/amd64 | linux/arm64 | darwin/amd64 | darwin/arm64 | windows/amd64 | windows/arm64) ;;
    *) echo "release: unsupported target $target in RELEASE_TARGETS" >&2; exit 2 ;;
  esac
  name=stowage_${pkgversion}_${os}_${arch}
  stage=$out/build/$name
  exe=stowage
  [ "$os" = windows ] && exe=stowage.exe
  echo "release: building $target" >&2
  build "$os" "$arch" "$stage/$exe"
  cp -r "$host/man" "$host/completions" "$stage/"
  cp README.md CHANGELOG.md "$stage/"
  stamp "$stage"
  if [ "$os" = windows ]; then
    (cd "$out/build" && TZ=UTC zip -q -X -r "../$name.zip" "$name")
  else
    tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" \
      -C "$out/build" -czf "$out/$name.tar.gz" "$name"
  fi
  if [ "$os" = linux ]; then
    for packager in deb rpm; do
      STOWAGE_ARCH=$arch STOWAGE_VERSION=$pkgversion STOWAGE_STAGE=$PWD/$stage \
        "$nfpm" package --config packaging/nfpm.yaml --packager "$packager" --target "$out/" >&2
    done
  fi
done

(cd "$out" && find . -maxdepth 1 -type f \( -name '*.tar.gz' -o -name '*.zip' -o -name '*.deb' -o -name '*.rpm' \) -printf '%f\n' |
  sort | xargs sha256sum >"stowage_${pkgversion}_checksums.txt")
rm -rf "$out/build"
echo "release: wrote $out:" >&2
ls -l "$out" >&2
