#!/usr/bin/env bash
# scan-iac.sh runs an independent IaC scanner, trivy (pinned, built into
# .tools/ by install-trivy.sh), with its embedded AWS checks over the
# CloudFormation and Terraform Stowage generates for every hardening choice
# (internal/iacmatrix), fully offline. It fails when any finding is not
# suppressed with a reason, when a suppression matches no finding, or when a
# document was not scanned. See internal/iacscan for the details.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-trivy.sh
trivy="$PWD/.tools/bin/trivy"

out=$(mktemp -d "${TMPDIR:-/tmp}/stowage-iac.XXXXXX")
trap 'rm -rf "$out"' EXIT
go run ./internal/iacscan generate "$out"

# Offline: --skip-check-update uses the checks embedded in the binary instead
# of downloading the bundle; --skip-version-check and --disable-telemetry
# together stop the call to trivy's update API (either alone still sends
# it); the cache lives in the temporary folder. On top of that, trivy runs in
# a network namespace with no interface but loopback where the kernel allows
# one, so any attempt to reach the network fails instead of succeeding.
offline=(--skip-check-update --skip-version-check --disable-telemetry --cache-dir "$out/cache")
netless=()
if unshare -rn true 2>/dev/null; then
  netless=(unshare -rn)
else
  echo "scan-iac: no network namespace available; relying on trivy's offline flags and a dead proxy" >&2
  export HTTP_PROXY=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9 NO_PROXY=
fi
scan() { # scan NAME DIR [flags...]: trivy's JSON report to $out/NAME.json
  local name=$1 dir=$2
  shift 2
  if ! "${netless[@]}" "$trivy" config "${offline[@]}" --format json --include-non-failures \
    --output "$out/$name.json" "$@" "$dir" 2>"$out/$name.log"; then
    echo "scan-iac: trivy failed on $dir:" >&2
    cat "$out/$name.log" >&2
    exit 1
  fi
}
# raw: no suppression at all, to see every finding; scan: the documents as
# users get them (Terraform's inline ignore comments) with the
# CloudFormation ignore file.
scan raw "$out/raw"
scan scan "$out/scan" --ignorefile "$out/trivyignore.yaml"
echo "scan-iac: trivy $(cat .tools/trivy.version), $(grep -c 'Ignore finding' "$out/scan.log" || true) inline suppressions applied" >&2
go run ./internal/iacscan check "$out"
