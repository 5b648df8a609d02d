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
#   FLEET_OUT (directory for the report, SVG and JSON; default a temporary one, printed)
# Loopback only; every process it starts is stopped.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=$(cd "${1:-$ROOT/build}" && pwd)
SIZE=${FLEET_SIZE:-50}
LIFETIME=${FLEET_TOKEN_LIFETIME:-30}
DURATION=${FLEET_DURATION:-150}
RATE=${FLEET_RATE:-2}
FAULT_PROBABILITY=${FLEET_FAULT_PROBABILITY:-0.05}
WORK=$(mktemp -d /tmp/genauth-fleet.XXXXXX)
OUT=${FLEET_OUT:-$WORK/report}
mkdir -p "$OUT"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -z "${FLEET_OUT:-}" ] && [ "${FLEET_KEEP:-}" != "1" ]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT

# Waits (bounded, 20 s) until a file has content.
await_file() {
  for _ in $(seq 1 400); do
    [ -s "$1" ] && return 0
    sleep 0.05
  done
  echo "fleet: timed out waiting for $1" >&2
  return 1
}
port_of() { sed -n "s/^$2=//p" "$1"; }

"$BIN/webhook-receiver" --port-file "$WORK/receiver.port" >/dev/null 2>&1 &
PIDS+=($!)
await_file "$WORK/receiver.port"
RECEIVER_PORT=$(tr -d '[:space:]' <"$WORK/receiver.port")
printf 'fleet-secret\n' >"$WORK/secret"
chmod 600 "$WORK/secret"
# One connection per sidecar stays open: enough threads that none waits for another's.
"$BIN/genauth-emulator" --port-file "$WORK/emulator.port" --access-key-id fleet-key \
  --access-key-secret fleet-secret --token-expires-in "$LIFETIME" \
  --webhook "wh-fleet=http://127.0.0.1:$RECEIVER_PORT/hook" --threads $((SIZE * 4 + 32)) \
  --keep-alive-max-requests 1000 --max-records 0 >/dev/null 2>&1 &
PIDS+=($!)
await_file "$WORK/emulator.port"
EMULATOR="http://127.0.0.1:$(tr -d '[:space:]' <"$WORK/emulator.port")"

# Random faults on the trigger and the token endpoints, from the first request on: the ones
# GenAuth provably did not process (503, 429) are retried within the budget; the others are
# answered; a 429 pushes the fleet back for its Retry-After.
cat >"$WORK/chaos.json" <<EOF
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
curl -fsS -X POST --data-binary @"$WORK/chaos.json" "$EMULATOR/_emulator/chaos" >/dev/null

echo "fleet: $SIZE sidecars, tokens of ${LIFETIME}s, ${DURATION}s of traffic at $RATE calls/s each," \
  "faults on $FAULT_PROBABILITY of requests${FLEET_REFRESH_WINDOW:+, refresh window $FLEET_REFRESH_WINDOW}"
STARTED=$(date +%s.%N)
SIDECARS=()
for i in $(seq 1 "$SIZE"); do
  env GENAUTH_HOST="$EMULATOR" GENAUTH_ACCESS_KEY_ID=fleet-key \
    GENAUTH_ACCESS_KEY_SECRET_FILE="$WORK/secret" SIDECAR_GRPC_LISTEN=127.0.0.1:0 \
    SIDECAR_ADMIN_LISTEN=127.0.0.1:0 SIDECAR_PORT_FILE="$WORK/sidecar-$i.ports" \
    SIDECAR_ATTEMPT_TIMEOUT=1s SIDECAR_LOG_LEVEL=warn \
    ${FLEET_REFRESH_WINDOW:+SIDECAR_TOKEN_REFRESH_WINDOW=$FLEET_REFRESH_WINDOW} \
    "$BIN/genauth-sidecar" >"$WORK/sidecar-$i.log" 2>&1 &
  PIDS+=($!)
  SIDECARS+=($!)
done
for i in $(seq 1 "$SIZE"); do
  await_file "$WORK/sidecar-$i.ports" || { tail -5 "$WORK/sidecar-$i.log" >&2; exit 1; }
done
echo "fleet: all $SIZE sidecars serving; traffic for ${DURATION}s"

LOADGENS=()
for i in $(seq 1 "$SIZE"); do
  "$BIN/genauth-loadgen" --mode sidecar --target "127.0.0.1:$(port_of "$WORK/sidecar-$i.ports" grpc)" \
    --rpc trigger --webhook-id wh-fleet --payload-bytes 256 --rate "$RATE" --warmup 0s \
    --duration "${DURATION}s" --timeout 5s --json-out "$WORK/loadgen-$i.json" \
    --label "sidecar-$i" >/dev/null 2>"$WORK/loadgen-$i.err" &
  PIDS+=($!)
  LOADGENS+=($!)
done
for pid in "${LOADGENS[@]}"; do wait "$pid" || true; done

# What each sidecar did, while all still run: its token fetches and its memory.
RUN_SECONDS=$(awk -v now="$(date +%s.%N)" -v started="$STARTED" 'BEGIN { print now - started }')
for i in $(seq 1 "$SIZE"); do
  admin=$(port_of "$WORK/sidecar-$i.ports" admin)
  curl -fsS --max-time 5 "http://127.0.0.1:$admin/metrics" >"$WORK/metrics-$i.txt" || true
  awk '/^VmRSS:/ {print $2}' "/proc/${SIDECARS[$((i - 1))]}/status" >"$WORK/rss-$i.txt" || true
done
curl -fsS --max-time 60 "$EMULATOR/_emulator/requests?path=/api/v3/get-management-token" |
  python3 -c 'import json,sys; print(json.dumps([{"atMs": r["atMs"], "fault": r["fault"]} for r in json.load(sys.stdin)]))' \
  >"$WORK/token-requests.json"  # the bodies hold the secret: only times and faults are kept
curl -fsS --max-time 60 "$EMULATOR/_emulator/requests?path=/api/v3/trigger-webhook&brief=1" |
  python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' >"$WORK/triggers-received.txt"

python3 "$ROOT/scripts/fleet_report.py" --work "$WORK" --size "$SIZE" --lifetime "$LIFETIME" \
  --run-seconds "$RUN_SECONDS" --rate "$RATE" --faults "$FAULT_PROBABILITY" \
  --refresh-window "${FLEET_REFRESH_WINDOW:-default}" --out "$OUT"
