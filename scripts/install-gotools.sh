#!/usr/bin/env bash
# install-gotools.sh installs the pinned Go tools that build releases and
# gate CI into the git-ignored .tools/bin folder: nfpm (deb and rpm packages),
# staticcheck (lint) and freeze (README screenshots). Name the ones you need:
#
#   bash scripts/install-gotools.sh nfpm staticcheck
#
# Idempotent: a tool already at its pinned version is left alone.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
tools="$root/.tools"
mkdir -p "$tools/bin"

# Pins. staticcheck 0.8.x (2026.2) is the line that understands Go 1.26.
declare -A module=(
  [nfpm]=github.com/goreleaser/nfpm/v2/cmd/nfpm@v2.48.0
  [staticcheck]=honnef.co/go/tools/cmd/staticcheck@v0.8.2
  [freeze]=github.com/charmbracelet/freeze@v0.2.2
)

[ $# -gt 0 ] || set -- nfpm staticcheck freeze
for tool in "$@"; do
  pin=${module[$tool]:-}
  if [ -z "$pin" ]; then
    echo "install-gotools: unknown tool $tool (known: ${!module[*]})" >&2
    exit 2
  fi
  if [ "$(cat "$tools/$tool.version" 2>/dev/null)" != "$pin" ] || [ ! -x "$tools/bin/$tool" ]; then
    echo "install-gotools: building $pin (about a minute on 2 cores)..." >&2
    GOBIN="$tools/bin" GOFLAGS=-mod=mod go install "$pin"
    echo "$pin" >"$tools/$tool.version"
  fi
done
