#!/usr/bin/env bash
# install-peers.sh installs the optional peer clients that the client-settings
# tests feed generated configuration to, and that the export benchmark
# (bench/) compares Stowage with: rclone, pinned, into the git-ignored
# .tools/bin folder, and the AWS CLI from the system. Tests that need a peer
# skip with a message when it is absent; peers are never required, not even
# in CI.
#
# s3cmd comes from the system: apt-get install s3cmd. Idempotent: rerunning
# it changes nothing once the pinned versions are in place.
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
# The AWS CLI is a peer of the export benchmark (go run ./bench) too. Use the
# one on PATH (any version; the benchmark prints it); when there is none and
# we are root, install the distribution's package, and say so.
if ! command -v aws >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "install-peers: aws not found; running apt-get install -y awscli (as root)..." >&2
    if ! { apt-get install -y awscli >&2 || { apt-get update >&2 && apt-get install -y awscli >&2; }; }; then
      echo "install-peers: apt-get install awscli failed; the benchmark will run without the AWS CLI" >&2
    fi
  else
    echo "install-peers: aws not found (optional; as root: apt-get install -y awscli)" >&2
  fi
fi
command -v aws >/dev/null && echo "install-peers: using $(aws --version 2>&1 | head -n1) from $(command -v aws)" >&2
if ! command -v s3cmd >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "install-peers: s3cmd not found; running apt-get install -y s3cmd (as root)..." >&2
    if ! { apt-get install -y s3cmd >&2 || { apt-get update >&2 && apt-get install -y s3cmd >&2; }; }; then
      echo "install-peers: apt-get install s3cmd failed; its client-settings test will skip" >&2
    fi
  else
    echo "install-peers: s3cmd not found (optional; as root: apt-get install s3cmd)" >&2
  fi
fi
echo "install-peers: rclone $(stamp rclone) in $tools/bin" >&2
