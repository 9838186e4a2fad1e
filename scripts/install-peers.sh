#!/usr/bin/env bash
# install-peers.sh installs the optional peer clients that the client-settings
# tests feed generated configuration to (rclone, pinned) into the git-ignored
# .tools/bin folder. Tests that need a peer skip with a message when it is
# absent; peers are never required, not even in CI.
#
# The AWS CLI and s3cmd come from the system: apt-get install awscli s3cmd.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
tools="$root/.tools"
mkdir -p "$tools/bin"

RCLONE_VERSION=v1.76.0

stamp() { cat "$tools/$1.version" 2>/dev/null || true; }

if [ "$(stamp rclone)" != "$RCLONE_VERSION" ] || [ ! -x "$tools/bin/rclone" ]; then
  echo "install-peers: building rclone $RCLONE_VERSION (a few minutes on 2 cores)..." >&2
  GOBIN="$tools/bin" GOFLAGS=-mod=mod go install "github.com/rclone/rclone@$RCLONE_VERSION"
  echo "$RCLONE_VERSION" >"$tools/rclone.version"
fi
for p in aws s3cmd; do
  command -v "$p" >/dev/null || echo "install-peers: $p not found (optional; apt-get install ${p/aws/awscli})" >&2
done
echo "install-peers: rclone $(stamp rclone) in $tools/bin" >&2
