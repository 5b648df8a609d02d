#!/usr/bin/env bash
# make bench-metadata: what idempotency keys and trace context cost a call, and whether a stream
# of unique keys keeps the sidecar's memory flat.
#   scripts/bench-metadata.sh [BUILD_DIR] [OUT_DIR]   (OUT_DIR defaults to bench/results/metadata)
#
# 1. Overhead, in BENCH_META_ROUNDS (5) interleaved rounds. Each round starts a fresh emulator and
#    runs these variants, each against a fresh sidecar with default settings, in an order rotated
#    from round to round (so that no variant always runs first or last):
#      plain     TriggerWebhook without metadata (what every call did before keys existed)
#      key       a new idempotency-key on every call (fingerprint, store, answer kept)
#      trace     a W3C traceparent on every call (parsed, continued to GenAuth, logged)
#      baseline  only when BENCH_BASELINE_SIDECAR names another genauth-sidecar binary (e.g. one
#                built from the commit before keys existed): `plain` with that binary
#    each at BENCH_META_RATE (1000/s), BENCH_META_WARMUP (3 s) of warm-up, BENCH_META_DURATION
#    (15 s) measured, 1 KiB bodies. The sidecar's CPU and RSS come from /proc (genauth-loadgen).
# 2. Soak: one sidecar with the default idempotency bounds (50 000 keys, 16 MiB), unique keys at
#    BENCH_META_SOAK_RATE (1000/s) for BENCH_META_SOAK_SEGMENTS (8) back-to-back segments of
#    BENCH_META_SOAK_SEGMENT (15 s); after each segment its RSS and the store's gauges.
# Then scripts/bench_metadata_report.py writes OUT_DIR/metadata.json and OUT_DIR/metadata.md:
# the median of each variant across rounds, and the soak's RSS per segment. Every load is bounded
# (rate × time), every process is stopped on exit; loopback only. About 10 minutes with defaults.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib/stack.sh
source "$ROOT/scripts/lib/stack.sh"
stack_init bench-metadata "${1:-$ROOT/build}"
BIN=$STACK_BIN
OUT=${2:-$ROOT/bench/results/metadata}
RAW="$OUT/raw"

ROUNDS=${BENCH_META_ROUNDS:-5}
RATE=${BENCH_META_RATE:-1000}
WARMUP=${BENCH_META_WARMUP:-3}
DURATION=${BENCH_META_DURATION:-15}
SOAK_RATE=${BENCH_META_SOAK_RATE:-1000}
SOAK_SEGMENTS=${BENCH_META_SOAK_SEGMENTS:-8}
SOAK_SEGMENT=${BENCH_META_SOAK_SEGMENT:-15}
BASELINE=${BENCH_BASELINE_SIDECAR:-}

log() { echo "bench-metadata: $*"; }
for bin in genauth-sidecar genauth-emulator webhook-receiver genauth-loadgen genauth-cli; do
  [ -x "$BIN/$bin" ] || stack_fail "$BIN/$bin is missing (build it first)"
done
if [ -n "$BASELINE" ]; then
  [ -x "$BASELINE" ] || stack_fail "BENCH_BASELINE_SIDECAR=$BASELINE is not an executable"
  BASELINE=$(cd "$(dirname "$BASELINE")" && pwd)/$(basename "$BASELINE")
fi
rm -rf "$RAW"
mkdir -p "$RAW"

start_receiver --stdout /dev/null
HOOK_URL="$RECEIVER_URL/hooks/bench"

loadavg() { cut -d' ' -f1-3 /proc/loadavg | awk '{printf "[%s, %s, %s]", $1, $2, $3}'; }

# sidecar NAME [BINARY]: a sidecar with default settings in front of the current emulator.
sidecar() {
  STACK_SIDECAR_BIN=${2:-} start_sidecar --name "$1"
  "$BIN/genauth-cli" --target "$SIDECAR_TARGET" --timeout 10s --wait health >/dev/null
}

# run NAME VARIANT: one measured run of VARIANT through a fresh sidecar.
run() {
  local name=$1 variant=$2 binary="" flags=()
  case "$variant" in
    key) flags=(--idempotency-keys) ;;
    trace) flags=(--traceparent) ;;
    baseline) binary=$BASELINE ;;
  esac
  log "$name"
  sidecar "$name" "$binary"
  local before
  before=$(loadavg)
  "$BIN/genauth-loadgen" --mode sidecar --target "$SIDECAR_TARGET" --rpc trigger \
    --payload-bytes 1024 --rate "$RATE" --warmup "$WARMUP" --duration "$DURATION" --timeout 5s \
    --sample-pid "sidecar=$SIDECAR_PID" --label "$name" --json-out "$RAW/$name.json" \
    "${flags[@]}" >/dev/null
  printf '{"variant": "%s", "loadavg_before": %s}\n' "$variant" "$before" >"$RAW/$name.meta.json"
  stack_stop "$SIDECAR_PID"
}

VARIANTS=(plain key trace)
[ -n "$BASELINE" ] && VARIANTS+=(baseline)
for round in $(seq 1 "$ROUNDS"); do
  start_emulator --name "emulator-r$round" --stdout /dev/null --webhook "wh-bench=$HOOK_URL" \
    --threads 128 --max-records 1000 --token-expires-in 7200
  # Rotated: round r starts with variant r mod n.
  for i in $(seq 0 $((${#VARIANTS[@]} - 1))); do
    variant=${VARIANTS[$(((round - 1 + i) % ${#VARIANTS[@]}))]}
    run "r$round-$variant" "$variant"
  done
  stack_stop "$EMULATOR_PID"
done

# The soak: one sidecar, unique keys, segment after segment; RSS and the store's gauges between.
start_emulator --name emulator-soak --stdout /dev/null --webhook "wh-bench=$HOOK_URL" \
  --threads 128 --max-records 1000 --token-expires-in 7200
sidecar soak
# gauge SERIES: its value on /metrics (0 when absent), e.g. 'name{label="value"}'.
gauge() {
  local value
  value=$(curl -sf --max-time 5 "$SIDECAR_ADMIN_URL/metrics" | awk -v m="$1" '$1 == m {print $2}')
  echo "${value:-0}"
}
for segment in $(seq 1 "$SOAK_SEGMENTS"); do
  log "soak segment $segment/$SOAK_SEGMENTS: unique keys at $SOAK_RATE/s for ${SOAK_SEGMENT}s"
  "$BIN/genauth-loadgen" --mode sidecar --target "$SIDECAR_TARGET" --rpc trigger \
    --payload-bytes 1024 --rate "$SOAK_RATE" --warmup 0 --duration "$SOAK_SEGMENT" --timeout 5s \
    --idempotency-keys --sample-pid "sidecar=$SIDECAR_PID" --label "soak-$segment" \
    --json-out "$RAW/soak-$segment.json" >/dev/null
  rss_kib=$(awk '/^VmRSS:/ {print $2}' "/proc/$SIDECAR_PID/status")
  curl -sf --max-time 5 "$SIDECAR_ADMIN_URL/metrics" >"$STACK_WORK/soak-$segment.metrics" || true
  printf '{"segment": %d, "rss_kib": %d, "in_flight": %s, "keys": %s, "bytes": %s, "evicted": %s, "loadavg": %s}\n' \
    "$segment" "$rss_kib" "$(gauge genauth_sidecar_calls_in_flight)" \
    "$(gauge genauth_sidecar_idempotency_keys)" \
    "$(gauge genauth_sidecar_idempotency_bytes)" \
    "$(gauge 'genauth_sidecar_idempotency_evictions_total{why="capacity"}')" "$(loadavg)" \
    >"$RAW/soak-$segment.meta.json"
done
stack_stop "$SIDECAR_PID"
stack_stop "$EMULATOR_PID"

/usr/bin/python3 "$ROOT/scripts/bench_metadata_report.py" "$RAW" "$OUT"
cat "$OUT/metadata.md"
