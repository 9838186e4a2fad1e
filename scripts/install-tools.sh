#!/usr/bin/env bash
# install-tools.sh installs the pinned test servers (MinIO, Azurite) into the
# git-ignored .tools/ folder. It is idempotent: a tool already at the pinned
# version is left alone, so CI reruns and developer machines pay the build once.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
tools="$root/.tools"
mkdir -p "$tools/bin"

MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
AZURITE_VERSION=3.37.0

stamp() { cat "$tools/$1.version" 2>/dev/null || true; }

if [ "$(stamp minio)" != "$MINIO_VERSION" ] || [ ! -x "$tools/bin/minio" ]; then
  echo "install-tools: building MinIO $MINIO_VERSION (about 4 minutes on 2 cores)..." >&2
  GOBIN="$tools/bin" GOFLAGS=-mod=mod go install "github.com/minio/minio@$MINIO_VERSION"
  echo "$MINIO_VERSION" >"$tools/minio.version"
fi

if [ "$(stamp azurite)" != "$AZURITE_VERSION" ] || [ ! -x "$tools/azurite/node_modules/.bin/azurite-blob" ]; then
  if ! command -v npm >/dev/null; then
    echo "install-tools: npm not found; Azurite needs Node.js (apt-get install nodejs npm)" >&2
    exit 1
  fi
  echo "install-tools: installing Azurite $AZURITE_VERSION..." >&2
  mkdir -p "$tools/azurite"
  npm install --silent --no-audit --no-fund --prefix "$tools/azurite" "azurite@$AZURITE_VERSION" >&2
  echo "$AZURITE_VERSION" >"$tools/azurite.version"
fi
# Relative, so the link survives when .tools is shared through a symlink from
# a clone or worktree that is later removed.
ln -sfn ../azurite/node_modules/.bin/azurite-blob "$tools/bin/azurite-blob"
echo "install-tools: MinIO $(stamp minio), Azurite $(stamp azurite) in $tools/bin" >&2
