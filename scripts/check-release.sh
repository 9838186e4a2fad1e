#!/usr/bin/env bash
# check-release.sh builds the linux/amd64 release the way scripts/release.sh
# does for a real one and checks what a user would get: the checksums match,
# the archive holds binary, man pages and completions, and the deb, unpacked
# with dpkg-deb -x into a temporary folder (nothing is installed on this
# machine), holds a binary that runs and reports the stamped version and commit.
set -euo pipefail
cd "$(dirname "$0")/.."

version=v0.0.0-ci
pkgversion=${version#v}
out=dist/$version
fail() { echo "check-release: $*" >&2; exit 1; }

RELEASE_TARGETS=linux/amd64 RELEASE_ALLOW_DIRTY=1 bash scripts/release.sh "$version"

(cd "$out" && sha256sum --quiet -c "stowage_${pkgversion}_checksums.txt") || fail "checksums do not match"
# Packages write a pre-release as 0.0.0~ci (deb) and 0.0.0~ci-1 (rpm).
deb=$(cd "$out" && ls stowage_*_amd64.deb) || fail "no deb"
rpm=$(cd "$out" && ls stowage-*.x86_64.rpm) || fail "no rpm"
for f in "stowage_${pkgversion}_linux_amd64.tar.gz" "$deb" "$rpm"; do
  grep -q "  $f\$" "$out/stowage_${pkgversion}_checksums.txt" || fail "$f missing from the checksums file"
done

listing=$(tar tzf "$out/stowage_${pkgversion}_linux_amd64.tar.gz")
for f in stowage man/stowage.1.gz man/stowage-export.1.gz completions/stowage.bash completions/_stowage completions/stowage.fish README.md CHANGELOG.md; do
  grep -qx "stowage_${pkgversion}_linux_amd64/$f" <<<"$listing" || fail "the archive has no $f"
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dpkg-deb -x "$out/$deb" "$tmp"
for f in usr/bin/stowage usr/share/man/man1/stowage.1.gz usr/share/man/man1/stowage-export.1.gz \
  usr/share/bash-completion/completions/stowage usr/share/zsh/vendor-completions/_stowage \
  usr/share/fish/vendor_completions.d/stowage.fish; do
  [ -s "$tmp/$f" ] || fail "the deb has no $f"
done
[ "$(dpkg-deb -f "$out/$deb" Version)" = "${pkgversion/-/\~}" ] || fail "the deb's Version is not ${pkgversion/-/\~}"

json=$("$tmp/usr/bin/stowage" version --json) || fail "the packaged binary does not run"
commit=$(git rev-parse HEAD)
grep -q "\"version\": \"$version\"" <<<"$json" || fail "packaged binary reports another version: $json"
grep -q "\"commit\": \"$commit" <<<"$json" || fail "packaged binary reports another commit than $commit: $json"
grep -q '"source": "release"' <<<"$json" || fail "packaged binary is not release-stamped: $json"
grep -q '"date_kind": "built"' <<<"$json" || fail "packaged binary has no build date: $json"
zcat "$tmp/usr/share/man/man1/stowage-export.1.gz" | grep -q '^\.TH "STOWAGE" "1"' || fail "stowage-export.1.gz is not a man page"
"$tmp/usr/bin/stowage" --help >/dev/null || fail "the packaged binary's --help failed"
rm -rf "$out"
echo "check-release: ok: $version linux/amd64 archive, deb (unpacked with dpkg-deb -x and run: $("$tmp/usr/bin/stowage" version | head -n1)), rpm and checksums" >&2
