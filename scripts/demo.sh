#!/usr/bin/env bash
# make demo: one webhook, end to end, on this machine only (loopback).
#   webhook-receiver  <- the customer's endpoint
#   genauth-emulator  <- stands in for GenAuth (token endpoint + trigger-webhook)
#   genauth-sidecar   <- the product, configured by environment like in a pod
#   genauth-cli       <- a client calling TriggerWebhook over gRPC
set -euo pipefail
BUILD_DIR=${1:-build}
BIN=$(cd "$BUILD_DIR" && pwd)
WORK=$(mktemp -d /tmp/genauth-demo.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# Waits (bounded) until a file has content; prints it.
await_file() {
  for _ in $(seq 1 200); do
    if [ -s "$1" ]; then cat "$1"; return 0; fi
    sleep 0.05
  done
  echo "demo: timed out waiting for $1" >&2
  return 1
}

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

KEY_ID=demo-key-id
KEY_SECRET=demo-key-secret-not-shown
printf '%s\n' "$KEY_SECRET" > "$WORK/secret"

step "1. Start a webhook receiver (the customer's endpoint)"
"$BIN/webhook-receiver" --port-file "$WORK/receiver.port" > "$WORK/receiver.log" 2>&1 &
PIDS+=($!)
RECEIVER_PORT=$(await_file "$WORK/receiver.port" | tr -d '[:space:]')
echo "receiver on http://127.0.0.1:$RECEIVER_PORT/hooks/demo"

step "2. Start the GenAuth emulator with webhook wh-demo pointing at the receiver"
"$BIN/genauth-emulator" --port-file "$WORK/emulator.port" \
  --access-key-id "$KEY_ID" --access-key-secret "$KEY_SECRET" \
  --webhook "wh-demo=http://127.0.0.1:$RECEIVER_PORT/hooks/demo" > "$WORK/emulator.log" 2>&1 &
PIDS+=($!)
EMULATOR_PORT=$(await_file "$WORK/emulator.port" | tr -d '[:space:]')
echo "emulator on http://127.0.0.1:$EMULATOR_PORT"

step "3. Start genauth-sidecar (configured by environment, secret from a file)"
GENAUTH_HOST="http://127.0.0.1:$EMULATOR_PORT" \
GENAUTH_ACCESS_KEY_ID="$KEY_ID" \
GENAUTH_ACCESS_KEY_SECRET_FILE="$WORK/secret" \
SIDECAR_GRPC_LISTEN=127.0.0.1:0 \
SIDECAR_ADMIN_LISTEN=127.0.0.1:0 \
  "$BIN/genauth-sidecar" > "$WORK/sidecar.log" 2>&1 &
PIDS+=($!)
SIDECAR_PORT=""
for _ in $(seq 1 200); do
  SIDECAR_PORT=$(grep -o '"msg":"sidecar started".*' "$WORK/sidecar.log" 2>/dev/null |
                 grep -o '"port":[0-9]*' | head -1 | cut -d: -f2 || true)
  [ -n "$SIDECAR_PORT" ] && break
  sleep 0.05
done
if [ -z "$SIDECAR_PORT" ]; then cat "$WORK/sidecar.log"; echo "demo: sidecar did not start" >&2; exit 1; fi
echo "sidecar serving gRPC on 127.0.0.1:$SIDECAR_PORT"
CLI=("$BIN/genauth-cli" --target "127.0.0.1:$SIDECAR_PORT" --timeout 5s)
"${CLI[@]}" health

step "4. TriggerWebhook over gRPC (genauth-cli trigger ...)"
echo "\$ genauth-cli trigger --webhook-id wh-demo --header x-demo=1 --body-json '{\"eventName\":\"demo\",\"data\":{\"hello\":\"world\"}}'"
"${CLI[@]}" trigger --webhook-id wh-demo --header x-demo=1 \
  --body-json '{"eventName":"demo","data":{"hello":"world"}}'

step "5. What the receiver got (delivered by GenAuth, i.e. the emulator)"
for _ in $(seq 1 100); do [ -s "$WORK/receiver.log" ] && break; sleep 0.05; done
cat "$WORK/receiver.log"

step "6. An error, as a caller sees it: an unknown webhook id"
"${CLI[@]}" trigger --webhook-id wh-missing || echo "(genauth-cli exited with $?)"

step "7. The sidecar's log (JSON lines; the secret and token never appear)"
sleep 0.1
cat "$WORK/sidecar.log"
if grep -q "$KEY_SECRET" "$WORK/sidecar.log"; then echo "demo: the secret leaked into the log!" >&2; exit 1; fi

printf '\n\033[1mDemo complete.\033[0m\n'
