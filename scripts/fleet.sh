#!/usr/bin/env bash
# make fleet: a fleet of sidecars as one rollout starts them — N sidecars with the same access key,
# started together against one GenAuth emulator whose tokens live briefly, each serving light
# traffic while the emulator injects random faults. Reports (scripts/fleet_report.py):
#   - token fetches per second over the run (text plot + SVG), and the busiest second after
#     start-up against a quarter of the fleet;
#   - token fetches per sidecar per token lifetime (target <= ~1.5);
#   - what GenAuth received per call the fleet's callers made (load amplification, target <= 1.2);
#   - RSS per sidecar.
# Exits 1 when a target is missed. Not part of make test (it runs for minutes).
#   FLEET_SIZE (50) FLEET_TOKEN_LIFETIME (30 s) FLEET_DURATION (150 s of traffic)
#   FLEET_RATE (calls/s per sidecar, 2) FLEET_FAULT_PROBABILITY (0.05)
#   FLEET_REFRESH_WINDOW (the sidecars' SIDECAR_TOKEN_REFRESH_WINDOW; unset: their default)
#   FLEET_OUT (directory for the report, SVG and JSON; default: the run's work directory, kept)
# The stack comes from scripts/lib/stack.sh. Loopback only; every process it starts is stopped.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=lib/stack.sh
source "$ROOT/scripts/lib/stack.sh"
SIZE=${FLEET_SIZE:-50}
LIFETIME=${FLEET_TOKEN_LIFETIME:-30}
DURATION=${FLEET_DURATION:-150}
RATE=${FLEET_RATE:-2}
FAULT_PROBABILITY=${FLEET_FAULT_PROBABILITY:-0.05}
STACK_KEY_ID=fleet-key
STACK_KEY_SECRET=fleet-secret
stack_init fleet "${1:-$ROOT/build}"
OUT=${FLEET_OUT:-$STACK_WORK/report}
mkdir -p "$OUT"
[ -n "${FLEET_OUT:-}" ] || STACK_KEEP=1  # the report is in the work directory

start_receiver
# One connection per sidecar stays open: enough threads that none waits for another's.
start_emulator --token-expires-in "$LIFETIME" --webhook "wh-fleet=$RECEIVER_URL/hook" \
  --threads $((SIZE * 4 + 32)) --keep-alive-max-requests 1000 --max-records 0
EMULATOR="$EMULATOR_URL"
_stack_write_secret

# Random faults on the trigger and the token endpoints, from the first request on: the ones
# GenAuth provably did not process (503, 429) are retried within the budget; the others are
# answered; a 429 pushes the fleet back for its Retry-After.
cat >"$STACK_WORK/chaos.json" <<EOF
{"probability": $FAULT_PROBABILITY,
 "paths": ["/api/v3/trigger-webhook", "/api/v3/get-management-token"],
 "faults": [
   {"weight": 40, "httpStatus": 503, "bodyStatus": 503, "message": "fleet: unavailable"},
   {"weight": 20, "httpStatus": 503, "message": "fleet: bare gateway 503"},
   {"weight": 5, "httpStatus": 429, "bodyStatus": 429, "retryAfter": "1", "message": "fleet: rate limited"},
   {"weight": 15, "bodyStatus": 500, "message": "fleet: internal"},
   {"weight": 10, "dropConnection": true},
   {"weight": 10, "passThrough": true, "delayMs": 300}
 ]}
EOF
curl -fsS -X POST --data-binary @"$STACK_WORK/chaos.json" "$EMULATOR/_emulator/chaos" >/dev/null

echo "fleet: $SIZE sidecars, tokens of ${LIFETIME}s, ${DURATION}s of traffic at $RATE calls/s each," \
  "faults on $FAULT_PROBABILITY of requests${FLEET_REFRESH_WINDOW:+, refresh window $FLEET_REFRESH_WINDOW}"
STARTED=$(date +%s.%N)
SIDECARS=()
# Started together, as a rollout does (start_sidecar would wait for each in turn); a drain delay of
# 0 lets the fleet stop at once at the end.
for i in $(seq 1 "$SIZE"); do
  env GENAUTH_HOST="$EMULATOR" GENAUTH_ACCESS_KEY_ID="$STACK_KEY_ID" \
    GENAUTH_ACCESS_KEY_SECRET_FILE="$STACK_SECRET_FILE" SIDECAR_GRPC_LISTEN=127.0.0.1:0 \
    SIDECAR_ADMIN_LISTEN=127.0.0.1:0 SIDECAR_PORT_FILE="$STACK_WORK/sidecar-$i.ports" \
    SIDECAR_ATTEMPT_TIMEOUT=1s SIDECAR_LOG_LEVEL=warn SIDECAR_DRAIN_DELAY=0s \
    ${FLEET_REFRESH_WINDOW:+SIDECAR_TOKEN_REFRESH_WINDOW=$FLEET_REFRESH_WINDOW} \
    "$STACK_BIN/genauth-sidecar" >"$STACK_WORK/sidecar-$i.log" 2>&1 &
  SIDECARS+=($!)
  stack_track $!
done
for i in $(seq 1 "$SIZE"); do
  await_port_file "$STACK_WORK/sidecar-$i.ports" "${SIDECARS[$((i - 1))]}" "sidecar $i" ||
    { tail -5 "$STACK_WORK/sidecar-$i.log" >&2; stack_fail "sidecar $i did not start"; }
done
echo "fleet: all $SIZE sidecars serving; traffic for ${DURATION}s"

LOADGENS=()
for i in $(seq 1 "$SIZE"); do
  "$STACK_BIN/genauth-loadgen" --mode sidecar \
    --target "127.0.0.1:$(port_file_value "$STACK_WORK/sidecar-$i.ports" grpc)" \
    --rpc trigger --webhook-id wh-fleet --payload-bytes 256 --rate "$RATE" --warmup 0s \
    --duration "${DURATION}s" --timeout 5s --json-out "$STACK_WORK/loadgen-$i.json" \
    --label "sidecar-$i" >/dev/null 2>"$STACK_WORK/loadgen-$i.err" &
  LOADGENS+=($!)
  stack_track $!
done
for pid in "${LOADGENS[@]}"; do wait "$pid" || true; done

# What each sidecar did, while all still run: its token fetches and its memory.
RUN_SECONDS=$(awk -v now="$(date +%s.%N)" -v started="$STARTED" 'BEGIN { print now - started }')
for i in $(seq 1 "$SIZE"); do
  admin=$(port_file_value "$STACK_WORK/sidecar-$i.ports" admin)
  curl -fsS --max-time 5 "http://127.0.0.1:$admin/metrics" >"$STACK_WORK/metrics-$i.txt" || true
  awk '/^VmRSS:/ {print $2}' "/proc/${SIDECARS[$((i - 1))]}/status" >"$STACK_WORK/rss-$i.txt" || true
done
curl -fsS --max-time 60 "$EMULATOR/_emulator/requests?path=/api/v3/get-management-token" |
  python3 -c 'import json,sys; print(json.dumps([{"atMs": r["atMs"], "fault": r["fault"]} for r in json.load(sys.stdin)]))' \
  >"$STACK_WORK/token-requests.json"  # the bodies hold the secret: only times and faults are kept
curl -fsS --max-time 60 "$EMULATOR/_emulator/requests?path=/api/v3/trigger-webhook&brief=1" |
  python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' >"$STACK_WORK/triggers-received.txt"

# The whole fleet stops at once (the library would stop one process after another).
kill -TERM "${SIDECARS[@]}" 2>/dev/null || true
wait "${SIDECARS[@]}" 2>/dev/null || true

python3 "$ROOT/scripts/fleet_report.py" --work "$STACK_WORK" --size "$SIZE" --lifetime "$LIFETIME" \
  --run-seconds "$RUN_SECONDS" --rate "$RATE" --faults "$FAULT_PROBABILITY" \
  --refresh-window "${FLEET_REFRESH_WINDOW:-default}" --out "$OUT"
