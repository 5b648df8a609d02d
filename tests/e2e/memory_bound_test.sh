#!/usr/bin/env bash
# Memory stays inside the manifests' 128 MiB under a burst of large requests: 48 concurrent
# TriggerWebhook calls of 3 MB each (the old worker-pool sidecar reached ~720 MB) against a GenAuth
# that answers after 2 s. Calls beyond SIDECAR_MAX_IN_FLIGHT_BYTES are refused at once with
# RESOURCE_EXHAUSTED; the others are served. Checks the sidecar's peak RSS (VmHWM).
#   tests/e2e/memory_bound_test.sh BUILD_DIR
# Skipped (77) under sanitizers, whose shadow memory and quarantine make RSS meaningless.
set -euo pipefail
BIN=$(cd "$1" && pwd)
if [ -n "${ASAN_OPTIONS:-}${TSAN_OPTIONS:-}" ]; then
  echo "SKIP: RSS is not meaningful under a sanitizer" >&2
  exit 77
fi
readonly kLimitKiB=$((128 * 1024))
WORK=$(mktemp -d /tmp/genauth-memory.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

await_file() {
  for _ in $(seq 1 200); do
    if [ -s "$1" ]; then cat "$1"; return 0; fi
    sleep 0.05
  done
  echo "timed out waiting for $1" >&2
  return 1
}

"$BIN/webhook-receiver" --port-file "$WORK/receiver.port" >/dev/null 2>&1 &
PIDS+=($!)
RECEIVER_PORT=$(await_file "$WORK/receiver.port" | tr -d '[:space:]')
"$BIN/genauth-emulator" --port-file "$WORK/emulator.port" --access-key-id k --access-key-secret s \
  --latency-ms 2000 --threads 128 --max-records 10 \
  --webhook "wh-1=http://127.0.0.1:$RECEIVER_PORT/hooks/1" >/dev/null 2>&1 &
PIDS+=($!)
EMULATOR_PORT=$(await_file "$WORK/emulator.port" | tr -d '[:space:]')
GENAUTH_HOST="http://127.0.0.1:$EMULATOR_PORT" GENAUTH_ACCESS_KEY_ID=k GENAUTH_ACCESS_KEY_SECRET=s \
  SIDECAR_GRPC_LISTEN=127.0.0.1:0 SIDECAR_ADMIN_LISTEN=off \
"$BIN/genauth-sidecar" >"$WORK/sidecar.log" 2>&1 &
SIDECAR=$!
PIDS+=("$SIDECAR")
PORT=""
for _ in $(seq 1 200); do
  PORT=$(grep -o '"msg":"sidecar started".*' "$WORK/sidecar.log" | grep -o '"port":[0-9]*' |
         head -1 | cut -d: -f2 || true)
  [ -n "$PORT" ] && break
  sleep 0.05
done
[ -n "$PORT" ] || { cat "$WORK/sidecar.log"; echo "FAIL: the sidecar did not start"; exit 1; }

"$BIN/genauth-loadgen" --mode sidecar --target "127.0.0.1:$PORT" --rpc trigger \
  --webhook-id wh-1 --payload-bytes 3000000 --rate 48 --warmup 0s --duration 1s --timeout 10s \
  --channels 8 --json-out "$WORK/load.json" >"$WORK/load.txt" 2>&1
peak=$(awk '/VmHWM/ {print $2}' "/proc/$SIDECAR/status")
status=$(grep -o '^status: .*' "$WORK/load.txt" || true)
echo "48 x 3 MB: $status; sidecar peak RSS $((peak / 1024)) MiB (limit $((kLimitKiB / 1024)) MiB)"

failures=0
check() {  # check DESCRIPTION CONDITION...
  local what=$1
  shift
  if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; failures=$((failures + 1)); fi
}
check "peak RSS under 128 MiB" test "$peak" -lt "$kLimitKiB"
check "some calls served" grep -q '"OK":[1-9]' <<<"$status"
check "the excess refused at once (RESOURCE_EXHAUSTED)" grep -q '"RESOURCE_EXHAUSTED":[1-9]' <<<"$status"
check "no other outcome" test -z "$(grep -oE '"[A-Z_]+":' <<<"$status" |
  grep -vE '"(OK|RESOURCE_EXHAUSTED)":')"
echo "$((4 - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
