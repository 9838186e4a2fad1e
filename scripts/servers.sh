#!/usr/bin/env bash
# servers.sh starts local MinIO (HTTPS, self-signed) and Azurite servers from
# .tools/bin on loopback so Stowage can be tried without a cloud account.
#
#   scripts/servers.sh start    start both (idempotent), provision a bucket, an
#                               IAM user, a container and a SAS, write .tools/servers.env
#   scripts/servers.sh env      print the export lines (eval "$(scripts/servers.sh env)")
#   scripts/servers.sh status   say what is running
#   scripts/servers.sh stop     stop both; data stays in .tools/run for the next start
#
# Ports: STOWAGE_MINIO_PORT (default 9900), STOWAGE_MINIO_CONSOLE_PORT (9901),
# STOWAGE_AZURITE_PORT (10000). STOWAGE_SERVERS_DIR puts the data, pid files and
# servers.env in another folder (default .tools/run and .tools/servers.env), so a
# second set of servers (scripts/screenshots.sh) does not touch the first;
# STOWAGE_TRY_BUCKET names the bucket (default stowage-try).
# Install the servers first: scripts/install-tools.sh
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
tools="$root/.tools"
bin="${STOWAGE_TOOLS_DIR:-$tools/bin}"
run="${STOWAGE_SERVERS_DIR:-$tools/run}"
envfile="$tools/servers.env"
[ -z "${STOWAGE_SERVERS_DIR:-}" ] || envfile="$STOWAGE_SERVERS_DIR/servers.env"

minio_port=${STOWAGE_MINIO_PORT:-9900}
console_port=${STOWAGE_MINIO_CONSOLE_PORT:-9901}
azurite_port=${STOWAGE_AZURITE_PORT:-10000}
bucket=${STOWAGE_TRY_BUCKET:-stowage-try}
container=stowage-try

say() { echo "servers: $*" >&2; }
die() { say "$*"; exit 1; }

# alive NAME: true when NAME's pid file names a live process running our binary
# (checking the command line guards against a recycled pid).
alive() {
  local pid
  pid=$(cat "$run/$1.pid" 2>/dev/null) || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$2" || [ ! -d /proc ]
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_http NAME URL [curl args...]: poll until URL answers (any status for
# Azurite, 200 for MinIO's readiness probe via --fail), 60 s at most.
wait_http() {
  local name=$1 url=$2; shift 2
  for _ in $(seq 1 600); do
    if curl -s -o /dev/null "$@" "$url"; then return 0; fi
    alive "$name" "$name" || { cat "$run/$name.log" >&2; die "$name exited; its log is above"; }
    sleep 0.1
  done
  cat "$run/$name.log" >&2
  die "$name not ready after 60s; its log is above"
}

start_minio() {
  if alive minio minio; then say "MinIO already running (pid $(cat "$run/minio.pid"))"; return; fi
  [ -x "$bin/minio" ] || die "MinIO not found in $bin; run scripts/install-tools.sh"
  port_busy "$minio_port" && die "port $minio_port is in use; set STOWAGE_MINIO_PORT"
  if [ ! -f "$run/minio.creds" ]; then
    # Root credentials persist with the data folder they protect.
    (umask 077; printf 'MINIO_ROOT_USER=%s\nMINIO_ROOT_PASSWORD=%s\nS3_ACCESS_KEY_ID=%s\nS3_SECRET_ACCESS_KEY=%s\n' \
      "root$(rand 12)" "$(rand 32)" "STOWAGETRY$(rand 10 | tr a-z A-Z)" "$(rand 40)" >"$run/minio.creds")
  fi
  [ -f "$run/certs/public.crt" ] || (cd "$root" && go run ./internal/testenv/cmd/testenv-setup certs "$run/certs")
  mkdir -p "$run/minio-data" "$run/home"
  # shellcheck disable=SC1091
  . "$run/minio.creds"
  say "starting MinIO on https://127.0.0.1:$minio_port"
  env -i PATH="$PATH" HOME="$run/home" MINIO_ROOT_USER="$MINIO_ROOT_USER" MINIO_ROOT_PASSWORD="$MINIO_ROOT_PASSWORD" \
    MINIO_BROWSER=off MINIO_CI_CD=1 MINIO_UPDATE=off \
    setsid "$bin/minio" server "$run/minio-data" --quiet --certs-dir "$run/certs" \
      --address "127.0.0.1:$minio_port" --console-address "127.0.0.1:$console_port" \
      </dev/null >"$run/minio.log" 2>&1 &
  echo $! >"$run/minio.pid"
  wait_http minio "https://127.0.0.1:$minio_port/minio/health/ready" --fail --cacert "$run/certs/CAs/ca.crt"
}

start_azurite() {
  if alive azurite azurite; then say "Azurite already running (pid $(cat "$run/azurite.pid"))"; return; fi
  [ -x "$bin/azurite-blob" ] || die "Azurite not found in $bin; run scripts/install-tools.sh"
  port_busy "$azurite_port" && die "port $azurite_port is in use; set STOWAGE_AZURITE_PORT"
  mkdir -p "$run/azurite-data" "$run/home"
  say "starting Azurite on http://127.0.0.1:$azurite_port/devstoreaccount1"
  env -i PATH="$PATH" HOME="$run/home" \
    setsid "$bin/azurite-blob" --silent --location "$run/azurite-data" --blobHost 127.0.0.1 \
      --blobPort "$azurite_port" --skipApiVersionCheck --loose \
      </dev/null >"$run/azurite.log" 2>&1 &
  echo $! >"$run/azurite.pid"
  wait_http azurite "http://127.0.0.1:$azurite_port/devstoreaccount1?comp=list"
}

rand() { LC_ALL=C tr -dc 'a-z0-9' </dev/urandom | head -c "$1" || true; }

start() {
  mkdir -p "$run"
  chmod 700 "$run"
  start_minio
  start_azurite
  # shellcheck disable=SC1091
  . "$run/minio.creds"
  local minio_endpoint="https://127.0.0.1:$minio_port" azurite_endpoint="http://127.0.0.1:$azurite_port/devstoreaccount1"
  local ca="$run/certs/CAs/ca.crt" azure_lines
  azure_lines=$(cd "$root" && MINIO_ENDPOINT="$minio_endpoint" MINIO_ROOT_USER="$MINIO_ROOT_USER" \
    MINIO_ROOT_PASSWORD="$MINIO_ROOT_PASSWORD" MINIO_CA_FILE="$ca" S3_BUCKET="$bucket" \
    S3_ACCESS_KEY_ID="$S3_ACCESS_KEY_ID" S3_SECRET_ACCESS_KEY="$S3_SECRET_ACCESS_KEY" \
    AZURITE_ENDPOINT="$azurite_endpoint" AZURE_CONTAINER="$container" \
    go run ./internal/testenv/cmd/testenv-setup provision)
  (
    umask 077
    cat >"$envfile" <<EOF
# Written by scripts/servers.sh start; holds secrets, keep it private (mode 0600).
export STOWAGE_S3_ENDPOINT='$minio_endpoint'
export STOWAGE_S3_REGION='us-east-1'
export STOWAGE_S3_BUCKET='$bucket'
export STOWAGE_S3_ACCESS_KEY_ID='$S3_ACCESS_KEY_ID'
export STOWAGE_S3_SECRET_ACCESS_KEY='$S3_SECRET_ACCESS_KEY'
export STOWAGE_S3_CA_FILE='$ca'
export AWS_CA_BUNDLE='$ca'
export MINIO_ROOT_USER='$MINIO_ROOT_USER'
export MINIO_ROOT_PASSWORD='$MINIO_ROOT_PASSWORD'
export STOWAGE_AZURE_ENDPOINT='$azurite_endpoint'
export STOWAGE_AZURE_CONTAINER='$container'
$azure_lines
EOF
  )
  chmod 600 "$envfile"
  say "ready: S3 $minio_endpoint bucket $bucket, Azure $azurite_endpoint container $container"
  say "settings (with secrets) are in $envfile; load them with: eval \"\$(scripts/servers.sh env)\""
}

stop_one() {
  local name=$1 pid
  if ! alive "$name" "$name"; then rm -f "$run/$name.pid"; say "$name not running"; return; fi
  pid=$(cat "$run/$name.pid")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  # Azurite waits for idle keep-alive clients on SIGTERM; do not wait forever.
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  rm -f "$run/$name.pid"
  say "$name stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop_one minio; stop_one azurite ;;
  env) [ -f "$envfile" ] || die "no $envfile; run: scripts/servers.sh start"; grep '^export ' "$envfile" ;;
  status)
    for n in minio azurite; do
      if alive "$n" "$n"; then say "$n running (pid $(cat "$run/$n.pid"))"; else say "$n not running"; fi
    done ;;
  *) die "usage: scripts/servers.sh start|stop|env|status" ;;
esac
