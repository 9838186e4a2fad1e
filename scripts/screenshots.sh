#!/usr/bin/env bash
# screenshots.sh renders the README's pictures (docs/screenshots/*.svg) from the
# real program: it builds ./cmd/stowage, starts a MinIO (S3 + STS over TLS) and
# an Azurite of its own on random loopback ports through scripts/servers.sh,
# drives the wizard and an export in tmux at 80×24 with send-keys, waits for
# each screen's text (never a bare sleep), captures it with
# `tmux capture-pane -e -p` (the text with its colours) and renders it with the
# pinned freeze (.tools/bin/freeze: bash scripts/install-gotools.sh freeze).
#
#   bash scripts/screenshots.sh [--keep] [--out DIR]
#
# Rerun it whenever a screen changes and commit the pictures with the change.
# The values are fake (customer account 123456789012, platform account
# 111122223333); the external ID is generated afresh and the ports are random,
# so those differ from run to run. --keep leaves the work folder (each capture
# as .ansi and .txt, the servers' logs) and prints where it is; --out writes the
# pictures somewhere else than docs/screenshots.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

keep=false
out="$root/docs/screenshots"
while [ $# -gt 0 ]; do
  case "$1" in
    --keep) keep=true ;;
    --out) out=$(mkdir -p "$2" && cd "$2" && pwd); shift ;;
    *) echo "usage: scripts/screenshots.sh [--keep] [--out DIR]" >&2; exit 2 ;;
  esac
  shift
done

say() { echo "screenshots: $*" >&2; }
die() { say "$*"; exit 1; }

bin_dir="${STOWAGE_TOOLS_DIR:-$root/.tools/bin}"
freeze="${FREEZE:-$bin_dir/freeze}"
command -v tmux >/dev/null || die "tmux is needed (apt-get install tmux)"
[ -x "$freeze" ] || die "freeze not found at $freeze; run: bash scripts/install-gotools.sh freeze"
[ -x "$bin_dir/minio" ] && [ -x "$bin_dir/azurite-blob" ] ||
  die "MinIO or Azurite not found in $bin_dir; run: bash scripts/install-tools.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/stowage-shots.XXXXXX")
chmod 700 "$work"
sock="$work/tmux.sock"
session=shots

# free_port: a random loopback port nothing listens on.
free_port() {
  local p
  for _ in $(seq 1 50); do
    p=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
  die "no free loopback port found"
}

export STOWAGE_SERVERS_DIR="$work/servers"
export STOWAGE_TRY_BUCKET=acme-call-recordings
STOWAGE_MINIO_PORT=$(free_port)
STOWAGE_MINIO_CONSOLE_PORT=$(free_port)
STOWAGE_AZURITE_PORT=$(free_port)
export STOWAGE_MINIO_PORT STOWAGE_MINIO_CONSOLE_PORT STOWAGE_AZURITE_PORT

cleanup() {
  status=$?
  tmux -S "$sock" kill-server 2>/dev/null || true
  bash scripts/servers.sh stop 2>/dev/null || true
  if [ "$keep" = true ] || [ "$status" -ne 0 ]; then
    say "work folder kept: $work"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT

bin="$work/stowage"
say "building $bin"
go build -o "$bin" ./cmd/stowage

bash scripts/servers.sh start
# shellcheck disable=SC1090
eval "$(bash scripts/servers.sh env)"
config="$work/config.yaml"
# The CA bundle under a short name: the review screen shows the path.
ca="$work/minio-ca.pem"
cp "$STOWAGE_S3_CA_FILE" "$ca"
# The programs in tmux get exactly this environment (env -i): the platform
# identity's keys (MinIO's STS hands out credentials with this user's
# bucket-limited policy) and a colour terminal.
run_env=(
  "PATH=$PATH" "HOME=$work" "TERM=xterm-256color" "COLORTERM=truecolor" "LANG=C.UTF-8"
  "AWS_ACCESS_KEY_ID=$STOWAGE_S3_ACCESS_KEY_ID" "AWS_SECRET_ACCESS_KEY=$STOWAGE_S3_SECRET_ACCESS_KEY"
  "AWS_CONFIG_FILE=/dev/null" "AWS_SHARED_CREDENTIALS_FILE=/dev/null"
)
env -i "${run_env[@]}" "$bin" --config "$config" platform \
  --principal-arn arn:aws:iam::111122223333:root >/dev/null

tm() { tmux -S "$sock" "$@"; }
screen() { tm capture-pane -p -t "$session"; }
# shows REGEX: a line of the screen matches (grep -E).
shows() { local s; s=$(screen) && grep -qE -- "$1" <<<"$s"; }

# start ARGS...: run stowage ARGS in a fresh 80×24 tmux session (no status
# line, so the program has all 24 rows; no escape delay, so Escape is a key).
start() {
  tm kill-server 2>/dev/null || true
  local conf="$work/tmux.conf" runner="$work/run.sh" a
  printf 'set -g status off\nset -g remain-on-exit on\nset -s escape-time 0\n' >"$conf"
  {
    printf '#!/bin/sh\nexec env -i'
    for a in "${run_env[@]}" "$bin" --config "$config" "$@"; do printf ' %q' "$a"; done
    printf '\n'
  } >"$runner"
  chmod 700 "$runner"
  tm -f "$conf" new-session -d -x 80 -y 24 -s "$session" "$runner"
}

# wait_for REGEX [SECONDS]: poll the screen until a line matches (grep -E).
wait_for() {
  local want=$1 limit=${2:-30} i
  for ((i = 0; i < limit * 10; i++)); do
    shows "$want" && return 0
    sleep 0.1
  done
  screen >&2 || true
  die "the screen above never showed /$want/ within ${limit}s"
}

keys() { tm send-keys -t "$session" "$@"; }
type_text() { tm send-keys -t "$session" -l -- "$1"; }

# press_until KEY REGEX [N]: press KEY until a line matches, at most N times.
press_until() {
  local key=$1 want=$2 n=${3:-20} i j
  for ((i = 0; i <= n; i++)); do
    for ((j = 0; j < 10; j++)); do
      shows "$want" && return 0
      sleep 0.05
    done
    [ "$i" -lt "$n" ] && keys "$key"
  done
  screen >&2 || true
  die "pressed $key $n times and the screen above never showed /$want/"
}

# focus LABEL: move the field focus (the row marked "› ") to LABEL with tab.
focus() { press_until Tab "^› .*$1" 25; }

# shot NAME TITLE: capture the screen with its colours and render it.
shot() {
  local name=$1 title=$2
  sleep 0.3 # let the frame that matched settle (cursor blink, spinner)
  tm capture-pane -e -p -t "$session" >"$work/$name.ansi"
  screen >"$work/$name.txt"
  "$freeze" --config "$root/docs/screenshots/freeze.json" --language ansi \
    --output "$out/$name.svg" <"$work/$name.ansi" >/dev/null
  say "$out/$name.svg — $title"
}

mkdir -p "$out"

# The wizard: a role location on MinIO, with a bucket name that fails twice.
start
wait_for 'Stowage · Name'
type_text acme-recordings
keys Enter
wait_for 'Storage type'
wait_for 'Amazon S3 — IAM role'
shot 01-type "step 2, the storage type"

keys Enter
wait_for 'Where recordings go'
type_text Acme_Recordings
keys Enter
wait_for 'Fix the highlighted field to continue'
shot 02-where-error "step 3, a bucket name refused as typed"

# A typo the rules cannot see (acme-call-recording, not -recordings): the
# connection test finds it.
keys C-u
type_text acme-call-recording
focus 'Region'
type_text us-east-1
keys Enter
wait_for 'us-east-1 — US East'
focus 'Advanced settings'
if shows '▸ Advanced settings'; then keys Space; fi
wait_for '▾ Advanced settings'
focus 'Endpoint'
type_text "$STOWAGE_S3_ENDPOINT"
focus 'Path-style addressing'
keys Space
wait_for '\[x\] Path-style addressing'
focus 'CA bundle'
type_text "$ca"
press_until Enter 'Stowage · Access'
type_text arn:aws:iam::123456789012:role/StowageExport
press_until Enter 'Policies to apply' 3
press_until Right 'sts:ExternalId' 3
shot 03-policy-trust "step 5, the trust policy with the external ID"

keys Enter
wait_for 'checks? failed' 90
press_until Up '^› ✓ Credentials' 5
shot 04-test-failure "step 6, the connection test: a failure and its hint"

# Fix the bucket, test again, review.
press_until Escape 'Where recordings go' 4
focus 'Bucket'
keys End
type_text s
press_until Enter 'Test connection' 30
wait_for 'All [0-9]+ checks passed' 90
keys Enter
wait_for 'Check the settings, then save'
shot 05-review "step 7, review"
keys Enter
wait_for 'is saved'
keys Enter

# An export, captured while it runs: 240 recordings (1.1–2.6 MiB each, about
# 400 MiB) in four day folders.
rec="$work/recordings"
for d in 2026-11-30 2026-12-01 2026-12-02 2026-12-03; do
  mkdir -p "$rec/$d"
  for i in $(seq -w 1 60); do
    head -c $(((10#$i * 389 % 1500 + 1100) * 1024)) /dev/zero >"$rec/$d/call-$d-$i.wav"
  done
done
start export acme-recordings "$rec"
got=false
for ((i = 0; i < 1200; i++)); do
  s=$(screen)
  pct=$(grep -oE '[0-9]+\.[0-9]%' <<<"$s" | head -1 | cut -d. -f1 || true)
  if [ -n "$pct" ] && [ "$pct" -ge 25 ] && [ "$pct" -lt 90 ] && grep -q 'In flight ([1-9]' <<<"$s"; then
    tm capture-pane -e -p -t "$session" >"$work/06-export.ansi"
    printf '%s\n' "$s" >"$work/06-export.txt"
    got=true
    break
  fi
  if grep -q 'exported ' <<<"$s"; then break; fi
  sleep 0.05
done
[ "$got" = true ] || { screen >&2; die "the export ended before a mid-run frame was captured"; }
"$freeze" --config "$root/docs/screenshots/freeze.json" --language ansi \
  --output "$out/06-export.svg" <"$work/06-export.ansi" >/dev/null
say "$out/06-export.svg — the export progress screen"
wait_for 'exported +[0-9]+ files' 300
say "done; look at them, then commit $out"
