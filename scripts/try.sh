#!/usr/bin/env bash
# try.sh walks the whole Stowage flow without a cloud account: it starts MinIO
# (S3 + STS over HTTPS) and Azurite on loopback from .tools/, makes the MinIO
# IAM user the "platform identity" whose keys assume roles, builds the binary
# into .tools/bin/stowage, prints what to type in the wizard and opens it on a
# throw-away locations file.
#
#   bash scripts/try.sh [--keep-servers] [stowage arguments…]
#
# Without --keep-servers the servers stop when the wizard exits. With it they
# keep running, so an export started from the wizard can be resumed with the
# command it printed, after `source .tools/try/env.sh` in that shell.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

keep=false
args=()
for a in "$@"; do
  case "$a" in
    --keep-servers) keep=true ;;
    *) args+=("$a") ;;
  esac
done

bash scripts/install-tools.sh
bin="$root/.tools/bin/stowage"
echo "try: building $bin" >&2
go build -o "$bin" ./cmd/stowage

bash scripts/servers.sh start
if [ "$keep" = false ]; then
  trap 'bash scripts/servers.sh stop' EXIT
fi
# shellcheck disable=SC1090
eval "$(bash scripts/servers.sh env)"

try="$root/.tools/try"
mkdir -p "$try/nas"
# env.sh holds what a later shell needs to use the same servers and file:
# the locations file and the platform identity (base credentials that call
# sts:AssumeRole; MinIO's STS hands back credentials carrying this user's
# bucket-limited policy). It holds keys, so it is private.
(
  umask 077
  {
    bash scripts/servers.sh env
    printf 'export STOWAGE_CONFIG=%q\n' "$try/config.yaml"
    printf 'export AWS_ACCESS_KEY_ID=%q\n' "$STOWAGE_S3_ACCESS_KEY_ID"
    printf 'export AWS_SECRET_ACCESS_KEY=%q\n' "$STOWAGE_S3_SECRET_ACCESS_KEY"
    printf 'export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null\n'
    printf 'unset AWS_PROFILE\n'
    printf 'export PATH=%q:"$PATH"\n' "$root/.tools/bin"
  } >"$try/env.sh"
)
# shellcheck disable=SC1091
. "$try/env.sh"
"$bin" platform --principal-arn arn:aws:iam::111122223333:root >/dev/null

if [ "$keep" = true ]; then
  servers_line="local servers are running and stay running (--keep-servers)"
else
  servers_line="local servers are running (stopped when the wizard exits)"
fi
cat <<INFO

  Stowage try-out — $servers_line

  S3 by role (MinIO):  type "Amazon S3 — IAM role"
    bucket        $STOWAGE_S3_BUCKET          region  us-east-1
    advanced:     endpoint $STOWAGE_S3_ENDPOINT
                  CA bundle $STOWAGE_S3_CA_FILE
                  checksum mode when_required
    role ARN      arn:aws:iam::123456789012:role/stowage-try
                  (MinIO accepts any role ARN and ignores the external ID)

  Azure Blob (Azurite): container $STOWAGE_AZURE_CONTAINER
    connection string: printed by  scripts/servers.sh env | grep AZURE_CONNECTION

  Local folder: $try/nas

  Locations file: $STOWAGE_CONFIG

INFO
if (exec </dev/tty) 2>/dev/null; then
  read -r -p "Press Enter to open the wizard… " _ </dev/tty || true
fi
status=0
"$bin" ${args[@]+"${args[@]}"} || status=$?

echo >&2
if [ "$keep" = true ]; then
  cat >&2 <<DONE
try: the servers are still running. In any shell, to use them (and to run a
     resume command the wizard printed):
       source $try/env.sh
       stowage list
     Stop them with:  bash scripts/servers.sh stop
DONE
else
  cat >&2 <<DONE
try: stopping the servers. To resume an export the wizard started, run
       bash scripts/try.sh --keep-servers list
     (servers and data come back as they were), then in that shell or any other:
       source $try/env.sh
     and the resume command the wizard printed.
DONE
fi
exit "$status"
