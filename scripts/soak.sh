#!/usr/bin/env bash
# make soak: minutes of mixed traffic at a fixed rate through the real sidecar while the emulator
# injects random faults, then checks at load the failure table of docs/calling-genauth.md:
#   - the sidecar neither crashed nor hung: every call was answered and /healthz still answers;
#   - no webhook was triggered twice beyond policy: every TriggerWebhook payload carries a unique
#     sequence number, and a payload reached GenAuth again only after GenAuth answered 429 or 503
#     (provably not processed);
#   - memory did not grow: RSS at the end is within SOAK_RSS_GROWTH_KIB of RSS after warm-up.
# Prints calls accepted, answered per gRPC code, upstream triggers vs accepted triggers, faults
# injected, and RSS at start and end; exits non-zero on any failed check.
#   scripts/soak.sh [BUILD_DIR] [DURATION] [RATE]       defaults: build 5m 500
# Not part of make test (it runs for minutes). Loopback only; every process it starts is stopped.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib/stack.sh
source "$ROOT/scripts/lib/stack.sh"
STACK_KEEP=${SOAK_KEEP:-}
stack_init soak "${1:-$ROOT/build}"
BIN=$STACK_BIN
WORK=$STACK_WORK
DURATION=${2:-${SOAK_DURATION:-5m}}
RATE=${3:-${SOAK_RATE:-500}}
FAULT_PROBABILITY=${SOAK_FAULT_PROBABILITY:-0.05}
RSS_GROWTH_KIB=${SOAK_RSS_GROWTH_KIB:-8192}

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

start_receiver --stdout /dev/null
# Every request is kept (--max-records 0) so that each trigger's attempts can be checked. httplib
# gives each kept-alive connection a thread for its life, and slow faults hold theirs for seconds:
# 256 threads keep the emulator from becoming the bottleneck the breaker would then react to.
start_emulator --stdout /dev/null --webhook "wh-soak=$RECEIVER_URL/hook" --max-records 0 \
  --keep-alive-max-requests 1000 --threads 256
EMULATOR=$EMULATOR_URL

SOCKET="$WORK/sidecar.sock"
start_sidecar SIDECAR_GRPC_LISTEN="unix:$SOCKET" SIDECAR_ATTEMPT_TIMEOUT=1s SIDECAR_LOG_LEVEL=warn
SIDECAR=$SIDECAR_PID
"$BIN/genauth-cli" --target "unix:$SOCKET" --timeout 10s --wait health >/dev/null
# The admin server's port (127.0.0.1:0 picks one), from the sidecar's port file.
ADMIN_PORT=$SIDECAR_ADMIN_PORT
[ -n "$ADMIN_PORT" ] || { echo "soak: could not find the sidecar's admin port" >&2; exit 1; }

# Random faults on every path the mix and the token refresh use. The slow ones exceed the
# sidecar's 1 s attempt timeout, so GenAuth may act on a call whose caller saw a timeout: exactly
# the case where a retry would fire a webhook twice. A 429 pauses every call for its Retry-After,
# so it is rare (weight 1 of 298): otherwise the sidecar would be paused much of the run.
cat >"$WORK/chaos.json" <<EOF
{"probability": $FAULT_PROBABILITY,
 "paths": ["/api/v3/trigger-webhook", "/api/v3/get-webhook", "/api/v3/list-webhooks",
           "/api/v3/get-management-token"],
 "faults": [
   {"weight": 45, "httpStatus": 503, "bodyStatus": 503, "message": "soak: unavailable"},
   {"weight": 30, "httpStatus": 503, "message": "soak: bare gateway 503"},
   {"weight": 1, "httpStatus": 429, "bodyStatus": 429, "retryAfter": "1", "message": "soak: rate limited"},
   {"weight": 30, "bodyStatus": 500, "message": "soak: internal"},
   {"weight": 30, "httpStatus": 502, "rawBody": "<html><body>502 Bad Gateway</body></html>", "contentType": "text/html"},
   {"weight": 24, "rawBody": "{\"statusCode\": 200, \"data\": {\"resp", "message": "soak: truncated JSON"},
   {"weight": 24, "rawBody": "[1, 2, 3]", "message": "soak: not an envelope"},
   {"weight": 30, "bodyStatus": 200, "truncateBody": true},
   {"weight": 30, "dropConnection": true},
   {"weight": 30, "passThrough": true, "delayMs": 1500},
   {"weight": 24, "bodyStatus": 200, "trickleMs": 40}
 ]}
EOF
curl -fsS -X POST --data-binary @"$WORK/chaos.json" "$EMULATOR/_emulator/chaos" >/dev/null

echo "soak: $RATE calls/s for $DURATION, mixed RPCs, faults on ${FAULT_PROBABILITY} of requests"
# The loadgen warms up for 10 s; RSS is sampled after that and then every 10 s.
(
  sleep 12
  while kill -0 "$SIDECAR" 2>/dev/null; do
    echo "$(date +%s) $(rss_kib "$SIDECAR")" >>"$WORK/rss.log"
    sleep 10
  done
) &
stack_track $!
LOADGEN_STATUS=0
"$BIN/genauth-loadgen" --mode sidecar --target "unix:$SOCKET" --rpc mix --webhook-id wh-soak \
  --unique-payloads --payload-bytes 256 --rate "$RATE" --warmup 10s --duration "$DURATION" --timeout 5s \
  --json-out "$WORK/loadgen.json" --progress-interval 30s --label soak || LOADGEN_STATUS=$?
sleep 1

ALIVE=1
kill -0 "$SIDECAR" 2>/dev/null || ALIVE=0
HEALTHZ=$(curl -fsS --max-time 5 "http://127.0.0.1:$ADMIN_PORT/healthz" || echo "no answer")
curl -fsS --max-time 5 "http://127.0.0.1:$ADMIN_PORT/metrics" >"$WORK/metrics.txt" || true
RSS_END=$(rss_kib "$SIDECAR" 2>/dev/null || echo 0)
curl -fsS --max-time 300 "$EMULATOR/_emulator/requests?path=/api/v3/trigger-webhook&brief=1" \
  >"$WORK/triggers.json"
curl -fsS --max-time 10 "$EMULATOR/_emulator/stats" >"$WORK/stats.json"

python3 "$ROOT/scripts/soak_check.py" --loadgen "$WORK/loadgen.json" \
  --loadgen-status "$LOADGEN_STATUS" --triggers "$WORK/triggers.json" --stats "$WORK/stats.json" \
  --metrics "$WORK/metrics.txt" --rss-log "$WORK/rss.log" --rss-end "$RSS_END" \
  --rss-growth-kib "$RSS_GROWTH_KIB" --alive "$ALIVE" --healthz "$HEALTHZ"
