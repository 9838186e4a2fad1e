#!/usr/bin/env bash
# try.sh walks the whole Stowage flow without a cloud account: it starts MinIO
# (S3 + STS over HTTPS) and Azurite on loopback from .tools/, makes the MinIO
# IAM user the "platform identity" whose keys assume roles, prints what to type
# in the wizard, opens it on a throw-away locations file, and stops the
# servers when the wizard exits.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

bash scripts/install-tools.sh
bash scripts/servers.sh start
trap 'bash scripts/servers.sh stop' EXIT
# shellcheck disable=SC1090
eval "$(bash scripts/servers.sh env)"

export STOWAGE_CONFIG="$root/.tools/try/config.yaml"
mkdir -p "$(dirname "$STOWAGE_CONFIG")" "$root/.tools/try/nas"
# The platform identity: base credentials that call sts:AssumeRole. MinIO's
# STS hands back credentials carrying this user's bucket-limited policy.
export AWS_ACCESS_KEY_ID="$STOWAGE_S3_ACCESS_KEY_ID"
export AWS_SECRET_ACCESS_KEY="$STOWAGE_S3_SECRET_ACCESS_KEY"
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
unset AWS_PROFILE
go run ./cmd/stowage platform --principal-arn arn:aws:iam::111122223333:root >/dev/null

cat <<INFO

  Stowage try-out — local servers are running (stopped when the wizard exits)

  S3 by role (MinIO):  type "Amazon S3 — IAM role"
    bucket        $STOWAGE_S3_BUCKET          region  us-east-1
    advanced:     endpoint $STOWAGE_S3_ENDPOINT
                  CA bundle $STOWAGE_S3_CA_FILE
                  checksum mode when_required
    role ARN      arn:aws:iam::123456789012:role/stowage-try
                  (MinIO accepts any role ARN and ignores the external ID)

  Azure Blob (Azurite): container $STOWAGE_AZURE_CONTAINER
    connection string: printed by  scripts/servers.sh env | grep AZURE_CONNECTION

  Local folder: $root/.tools/try/nas

  Locations file: $STOWAGE_CONFIG

INFO
read -r -p "Press Enter to open the wizard… " _ </dev/tty || true
go run ./cmd/stowage "$@"
