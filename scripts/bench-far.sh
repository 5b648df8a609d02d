#!/usr/bin/env bash
# make bench's far-GenAuth profile: the sidecar in front of a GenAuth that answers slowly, over
# HTTPS, at rising rates and in an overload burst. Run by scripts/bench.sh, or alone:
#   scripts/bench-far.sh [BUILD_DIR] [OUT_DIR]     (OUT_DIR defaults to bench/results)
#
# The upstream is build/genauth-far-upstream (bench/far_genauth: one epoll thread, TLS, HTTP/1.1
# keep-alive and HTTP/2 by ALPN, every /api/v3 reply after a fixed delay), with a self-signed
# certificate the sidecar trusts through GENAUTH_CA_FILE. One sidecar per part, default settings
# plus BENCH_FAR_SIDECAR_ENV ("KEY=VALUE ..."). The load is genauth-loadgen --mode sidecar,
# TriggerWebhook with a BENCH_PAYLOAD_BYTES (1024) body, open loop.
#   (a) rates: the upstream delays BENCH_FAR_DELAY_MS (100); each of BENCH_FAR_RATES
#       ("500 1000 2000 3000 4000 5000") is offered for BENCH_FAR_WARMUP (3 s) of warm-up then
#       BENCH_FAR_DURATION (10 s) measured, deadline BENCH_FAR_TIMEOUT (2s); stops after the first
#       rate whose OK share of the scheduled calls is below BENCH_FAR_MIN_OK_PCT (99).
#       Results: OUT/raw/far-rate-RATE.json (+ .meta.json: load average before and after, upstream
#       connections open mid-window).
#   (b) overload: the upstream delays BENCH_FAR_OVERLOAD_DELAY_MS (2000); BENCH_FAR_OVERLOAD_CALLS
#       (3000) calls are offered within one second, each with a BENCH_FAR_OVERLOAD_DEADLINE
#       (6s) deadline. Result: OUT/raw/far-overload.json (latency_by_status_ms says how soon the
#       RESOURCE_EXHAUSTED refusals came).
# The upstream's counters (requests, connections, HTTP/2 streams) are in OUT/raw/far-*.upstream.json.
# BENCH_FAR_H2=off offers HTTP/1.1 only. BENCH_QUICK=1 shortens everything (for trying the script).
# Every load is bounded (calls and time), every wait is bounded, every process started here is
# stopped on exit. Unless BENCH_FAR_NO_REPORT=1 (bench.sh sets it), scripts/bench_report.py then
# writes OUT/bench.md (with the far-GenAuth tables) and OUT/far-latency.png.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib/stack.sh
source "$ROOT/scripts/lib/stack.sh"
stack_init bench-far "${1:-$ROOT/build}"
BIN=$STACK_BIN
WORK=$STACK_WORK
OUT=${2:-$ROOT/bench/results}

RATES=${BENCH_FAR_RATES:-500 1000 2000 3000 4000 5000}
DELAY_MS=${BENCH_FAR_DELAY_MS:-100}
WARMUP=${BENCH_FAR_WARMUP:-3}
DURATION=${BENCH_FAR_DURATION:-10}
TIMEOUT=${BENCH_FAR_TIMEOUT:-2s}
MIN_OK_PCT=${BENCH_FAR_MIN_OK_PCT:-99}
OVERLOAD_DELAY_MS=${BENCH_FAR_OVERLOAD_DELAY_MS:-2000}
OVERLOAD_CALLS=${BENCH_FAR_OVERLOAD_CALLS:-3000}
OVERLOAD_DEADLINE=${BENCH_FAR_OVERLOAD_DEADLINE:-6s}
H2=${BENCH_FAR_H2:-on}
PAYLOAD=${BENCH_PAYLOAD_BYTES:-1024}
read -r -a SIDECAR_ENV <<<"${BENCH_FAR_SIDECAR_ENV:-}"
if [ -n "${BENCH_QUICK:-}" ]; then
  RATES="500 2000" WARMUP=1 DURATION=3 OVERLOAD_CALLS=500
fi

RAW="$OUT/raw"
mkdir -p "$RAW"

log() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
fail() { stack_fail "$@"; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg | tr ' ' ','; }

for bin in genauth-far-upstream genauth-loadgen genauth-sidecar; do
  [ -x "$BIN/$bin" ] || fail "$BIN/$bin is missing (scripts/install-bench-deps.sh for \
libnghttp2-dev, then cmake and build it)"
done

STACK_KEY_ID=bench-key-id
STACK_KEY_SECRET=bench-key-secret
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
  -keyout "$WORK/tls.key" -out "$WORK/tls.crt" -subj /CN=127.0.0.1 \
  -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" >/dev/null 2>&1

# start_upstream NAME DELAY_MS: sets UP_PID, UP_PORT, UP_URL; its counters (printed when it stops)
# land in RAW/NAME.upstream.json.
start_upstream() {
  "$BIN/genauth-far-upstream" --cert "$WORK/tls.crt" --key "$WORK/tls.key" --port 0 \
    --port-file "$WORK/$1.port" --delay-ms "$2" --h2 "$H2" \
    >"$RAW/$1.upstream.json" 2>"$WORK/$1.upstream.log" &
  UP_PID=$!
  stack_track "$UP_PID"
  await_port_file "$WORK/$1.port" "$UP_PID" "$1" || fail "$1 did not start"
  UP_PORT=$(tr -d '[:space:]' <"$WORK/$1.port")
  UP_URL="https://127.0.0.1:$UP_PORT"
}

# sidecar NAME UPSTREAM_URL: default settings plus SIDECAR_ENV; sets SIDECAR_PID and
# SIDECAR_TARGET once it serves (genauth-loadgen then waits for the channel itself).
sidecar() {
  start_sidecar --name "$1" GENAUTH_HOST="$2" GENAUTH_CA_FILE="$WORK/tls.crt" "${SIDECAR_ENV[@]}"
}

# Established TCP connections to the upstream's port (the sidecar's upstream pool, in use or idle).
upstream_connections() {
  ss -Htn state established "( dport = :$UP_PORT )" 2>/dev/null | wc -l
}

# loadgen NAME ARGS...: one genauth-loadgen run against the sidecar, its JSON in RAW/NAME.json.
loadgen() {
  local name=$1
  shift
  echo "-- $name (load average $(loadavg))"
  "$BIN/genauth-loadgen" --mode sidecar --target "$SIDECAR_TARGET" --rpc trigger \
    --payload-bytes "$PAYLOAD" --label "$name" --json-out "$RAW/$name.json" \
    --sample-pid "sidecar=$SIDECAR_PID" --sample-pid "upstream=$UP_PID" \
    --concurrency-limit 20000 "$@"
}

rm -f "$RAW"/far-*.json
printf '{"cores": %s, "cpu": "%s", "loadavg_before": [%s], "started": "%s", "commit": "%s", "h2": "%s", "sidecar_env": "%s"}\n' \
  "$(nproc)" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')" "$(loadavg)" \
  "$(date -u +%FT%TZ)" "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)" \
  "$H2" "${SIDECAR_ENV[*]}" >"$WORK/machine.json"

log "far GenAuth (a): HTTPS upstream answering after ${DELAY_MS} ms, rates $RATES/s, ${WARMUP} s warm-up + ${DURATION} s each"
start_upstream far-rates "$DELAY_MS"
sidecar far-rates-sidecar "$UP_URL"
for rate in $RATES; do
  before=$(loadavg)
  # Upstream connections sampled mid-window, in the background (bounded by the run's own length).
  (sleep "$(awk -v w="$WARMUP" -v d="$DURATION" 'BEGIN {print w + d / 2}')"
   upstream_connections >"$WORK/conns-$rate") &
  sampler=$!
  loadgen "far-rate-$rate" --rate "$rate" --warmup "$WARMUP" --duration "$DURATION" \
    --timeout "$TIMEOUT" || true
  wait "$sampler" 2>/dev/null || true
  printf '{"loadavg_before": [%s], "loadavg_after": [%s], "upstream_connections_mid": %s, "delay_ms": %s}\n' \
    "$before" "$(loadavg)" "$(cat "$WORK/conns-$rate" 2>/dev/null || echo null)" "$DELAY_MS" \
    >"$RAW/far-rate-$rate.meta.json"
  [ -s "$RAW/far-rate-$rate.json" ] || fail "genauth-loadgen wrote no result at $rate/s"
  ok_pct=$(/usr/bin/python3 -c 'import json, sys; r = json.load(open(sys.argv[1]));
print(round(100.0 * r["ok"] / max(1, r["scheduled"]), 2))' "$RAW/far-rate-$rate.json")
  echo "far $rate/s: ${ok_pct}% OK, $(cat "$WORK/conns-$rate" 2>/dev/null) upstream connections mid-window"
  if awk -v ok="$ok_pct" -v min="$MIN_OK_PCT" 'BEGIN {exit !(ok < min)}'; then
    echo "far: stopping, ${ok_pct}% OK is below ${MIN_OK_PCT}%"
    break
  fi
done
stack_stop "$SIDECAR_PID"
stack_stop "$UP_PID"

log "far GenAuth (b): overload, $OVERLOAD_CALLS calls within 1 s, upstream answering after ${OVERLOAD_DELAY_MS} ms, ${OVERLOAD_DEADLINE} deadlines"
start_upstream far-overload "$OVERLOAD_DELAY_MS"
sidecar far-overload-sidecar "$UP_URL"
before=$(loadavg)
(sleep 1.5; upstream_connections >"$WORK/conns-overload") &
sampler=$!
loadgen far-overload --rate "$OVERLOAD_CALLS" --warmup 0 --duration 1s \
  --timeout "$OVERLOAD_DEADLINE" || true
wait "$sampler" 2>/dev/null || true
printf '{"loadavg_before": [%s], "loadavg_after": [%s], "upstream_connections_mid": %s, "delay_ms": %s}\n' \
  "$before" "$(loadavg)" "$(cat "$WORK/conns-overload" 2>/dev/null || echo null)" \
  "$OVERLOAD_DELAY_MS" >"$RAW/far-overload.meta.json"
stack_stop "$SIDECAR_PID"
stack_stop "$UP_PID"

/usr/bin/python3 - "$WORK/machine.json" "$(loadavg)" >"$RAW/far-machine.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m["loadavg_after"] = [float(x) for x in sys.argv[2].split(",")]
print(json.dumps(m))
PY
if [ -z "${BENCH_FAR_NO_REPORT:-}" ]; then
  log "report"
  /usr/bin/python3 "$ROOT/scripts/bench_report.py" "$OUT"
fi
