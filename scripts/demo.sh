#!/usr/bin/env bash
# make demo: one webhook, end to end, on this machine only (loopback).
#   webhook-receiver  <- the customer's endpoint
#   genauth-emulator  <- stands in for GenAuth (token endpoint + trigger-webhook)
#   genauth-sidecar   <- the product, configured by environment like in a pod
#   genauth-cli       <- a client calling TriggerWebhook over gRPC
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib/stack.sh
source "$ROOT/scripts/lib/stack.sh"
stack_init demo "${1:-build}"
BIN=$STACK_BIN

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1. Start a webhook receiver (the customer's endpoint)"
start_receiver
echo "receiver on $RECEIVER_URL/hooks/demo"

step "2. Start the GenAuth emulator with webhook wh-demo pointing at the receiver"
start_emulator --webhook "wh-demo=$RECEIVER_URL/hooks/demo"
echo "emulator on $EMULATOR_URL"

step "3. Start genauth-sidecar (configured by environment, secret from a file)"
start_sidecar
echo "sidecar serving gRPC on $SIDECAR_TARGET"
CLI=("$BIN/genauth-cli" --target "$SIDECAR_TARGET" --timeout 5s)
"${CLI[@]}" health

step "4. TriggerWebhook over gRPC (genauth-cli trigger ...)"
echo "\$ genauth-cli trigger --webhook-id wh-demo --header x-demo=1 --body-json '{\"eventName\":\"demo\",\"data\":{\"hello\":\"world\"}}'"
"${CLI[@]}" trigger --webhook-id wh-demo --header x-demo=1 \
  --body-json '{"eventName":"demo","data":{"hello":"world"}}'

step "5. What the receiver got (delivered by GenAuth, i.e. the emulator)"
for _ in $(seq 1 100); do [ -s "$STACK_WORK/receiver.log" ] && break; sleep 0.05; done
cat "$STACK_WORK/receiver.log"

step "6. An error, as a caller sees it: an unknown webhook id"
"${CLI[@]}" trigger --webhook-id wh-missing || echo "(genauth-cli exited with $?)"

step "7. The sidecar's log (JSON lines; the secret and token never appear)"
sleep 0.1
cat "$STACK_WORK/sidecar.log"
if grep -q "$STACK_KEY_SECRET" "$STACK_WORK/sidecar.log"; then echo "demo: the secret leaked into the log!" >&2; exit 1; fi

printf '\n\033[1mDemo complete.\033[0m\n'
