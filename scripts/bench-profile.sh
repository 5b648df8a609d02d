#!/usr/bin/env bash
# Profiles the sidecar's hot path: the loopback benchmark's load (TriggerWebhook, 1 KiB body,
# open loop) while `perf record` samples the sidecar with call graphs.
#   scripts/bench-profile.sh [BUILD_DIR] [RATE] [SECONDS] [OUT_DIR]
# Writes OUT_DIR/perf.data (default /tmp/genauth-profile), a flat report (perf-flat.txt: self
# time by symbol), a caller report (perf-children.txt: time including callees) and the load
# generator's JSON (loadgen.json, with the sidecar's CPU over the window). Bounded: RATE × SECONDS
# requests (defaults 1000 and 15); every process it starts is stopped on exit. SIDECAR_BIN picks
# another sidecar binary (e.g. one built before a change, for a before/after comparison).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=$(cd "${1:-$ROOT/build}" && pwd)
RATE=${2:-1000}
SECONDS_=${3:-15}
OUT=${4:-/tmp/genauth-profile}
mkdir -p "$OUT"
WORK=$(mktemp -d /tmp/genauth-profile.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

await_file() {
  for _ in $(seq 1 200); do
    if [ -s "$1" ]; then tr -d '[:space:]' <"$1"; return 0; fi
    sleep 0.05
  done
  echo "profile: timed out waiting for $1" >&2
  exit 1
}

printf 'profile-secret\n' >"$WORK/secret"
"$BIN/webhook-receiver" --port-file "$WORK/receiver.port" >/dev/null 2>&1 &
PIDS+=($!)
RECEIVER="http://127.0.0.1:$(await_file "$WORK/receiver.port")/hooks/bench"
"$BIN/genauth-emulator" --port-file "$WORK/emulator.port" --access-key-id profile-key \
  --access-key-secret profile-secret --webhook "wh-bench=$RECEIVER" --threads 128 \
  --max-records 1000 --keep-alive-max-requests 1000 >/dev/null 2>&1 &
EMULATOR=$!
PIDS+=("$EMULATOR")
EMULATOR_URL="http://127.0.0.1:$(await_file "$WORK/emulator.port")"

GENAUTH_HOST="$EMULATOR_URL" GENAUTH_ACCESS_KEY_ID=profile-key \
GENAUTH_ACCESS_KEY_SECRET_FILE="$WORK/secret" SIDECAR_GRPC_LISTEN=127.0.0.1:0 \
SIDECAR_ADMIN_LISTEN=off "${SIDECAR_BIN:-$BIN/genauth-sidecar}" >"$WORK/sidecar.log" 2>&1 &
SIDECAR=$!
PIDS+=("$SIDECAR")
PORT=""
for _ in $(seq 1 200); do
  PORT=$(grep -o '"msg":"sidecar started".*' "$WORK/sidecar.log" 2>/dev/null |
         grep -o '"port":[0-9]*' | head -1 | cut -d: -f2 || true)
  [ -n "$PORT" ] && break
  sleep 0.05
done
[ -n "$PORT" ] || { cat "$WORK/sidecar.log" >&2; exit 1; }
"$BIN/genauth-cli" --target "127.0.0.1:$PORT" --timeout 10s --wait health >/dev/null

# Warm-up is not profiled: perf attaches once the load generator's warm-up (2 s) is over.
"$BIN/genauth-loadgen" --mode sidecar --target "127.0.0.1:$PORT" --rpc trigger --rate "$RATE" \
  --warmup 2s --duration "${SECONDS_}s" --sample-pid "sidecar=$SIDECAR" \
  --json-out "$OUT/loadgen.json" &
LOADGEN=$!
PIDS+=("$LOADGEN")
sleep 2.2
perf record -F 1999 -g --call-graph dwarf,16384 -p "$SIDECAR" -o "$OUT/perf.data" \
  -- sleep "$((SECONDS_ - 1))" >/dev/null 2>&1
wait "$LOADGEN"
perf report -i "$OUT/perf.data" --no-children --sort symbol --percent-limit 0.7 --stdio \
  -g none 2>/dev/null | grep -v '^#' | grep -v '^$' >"$OUT/perf-flat.txt" || true
perf report -i "$OUT/perf.data" --children --sort symbol --percent-limit 3 --stdio -g none \
  2>/dev/null | grep -v '^#' | grep -v '^$' >"$OUT/perf-children.txt" || true
echo "profile: $OUT/perf-flat.txt (self), $OUT/perf-children.txt (with callees)"
head -40 "$OUT/perf-flat.txt"
