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
# shellcheck source=scripts/lib/stack.sh
source "$ROOT/scripts/lib/stack.sh"
stack_init profile "${1:-$ROOT/build}"
BIN=$STACK_BIN
RATE=${2:-1000}
SECONDS_=${3:-15}
OUT=${4:-/tmp/genauth-profile}
mkdir -p "$OUT"

start_receiver --stdout /dev/null
start_emulator --stdout /dev/null --webhook "wh-bench=$RECEIVER_URL/hooks/bench" --threads 128 \
  --max-records 1000 --keep-alive-max-requests 1000
STACK_SIDECAR_BIN=${SIDECAR_BIN:-} start_sidecar SIDECAR_ADMIN_LISTEN=off
SIDECAR=$SIDECAR_PID
PORT=$SIDECAR_PORT
"$BIN/genauth-cli" --target "127.0.0.1:$PORT" --timeout 10s --wait health >/dev/null

# Warm-up is not profiled: perf attaches once the load generator's warm-up (2 s) is over.
"$BIN/genauth-loadgen" --mode sidecar --target "127.0.0.1:$PORT" --rpc trigger --rate "$RATE" \
  --warmup 2s --duration "${SECONDS_}s" --sample-pid "sidecar=$SIDECAR" \
  --json-out "$OUT/loadgen.json" &
LOADGEN=$!
stack_track "$LOADGEN"
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
