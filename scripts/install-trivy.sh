#!/usr/bin/env bash
# install-trivy.sh builds the pinned trivy (the independent IaC scanner that
# scripts/scan-iac.sh runs over the generated CloudFormation and Terraform)
# into the git-ignored .tools/bin folder. Idempotent: a binary already at the
# pinned version is left alone, so only the first run pays the ~12-minute build.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
tools="$root/.tools"
mkdir -p "$tools/bin"

TRIVY_VERSION=v0.74.0

stamp() { cat "$tools/$1.version" 2>/dev/null || true; }

if [ "$(stamp trivy)" != "$TRIVY_VERSION" ] || [ ! -x "$tools/bin/trivy" ]; then
  echo "install-trivy: building trivy $TRIVY_VERSION (about 12 minutes on 2 cores)..." >&2
  # trivy v0.74 needs encoding/json/v2, still behind GOEXPERIMENT in Go 1.26.
  GOEXPERIMENT=jsonv2 GOBIN="$tools/bin" GOFLAGS=-mod=mod \
    go install "github.com/aquasecurity/trivy/cmd/trivy@$TRIVY_VERSION"
  echo "$TRIVY_VERSION" >"$tools/trivy.version"
fi
echo "install-trivy: trivy $(stamp trivy) in $tools/bin" >&2
