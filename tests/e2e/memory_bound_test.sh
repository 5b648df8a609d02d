#!/usr/bin/env bash
# Memory stays inside the manifests' 128 MiB under a burst of large requests: 48 concurrent
# TriggerWebhook calls of 3 MB each (the old worker-pool sidecar reached ~720 MB) against a GenAuth
# that answers after 2 s. Calls beyond SIDECAR_MAX_IN_FLIGHT_BYTES are refused at once with
# RESOURCE_EXHAUSTED; the others are served. Checks the sidecar's peak RSS (VmHWM).
#   tests/e2e/memory_bound_test.sh BUILD_DIR
# Skipped (77) under sanitizers, whose shadow memory and quarantine make RSS meaningless.
set -euo pipefail
if [ -n "${ASAN_OPTIONS:-}${TSAN_OPTIONS:-}" ]; then
  echo "SKIP: RSS is not meaningful under a sanitizer" >&2
  exit 77
fi
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=scripts/lib/stack.sh
source "$ROOT/scripts/lib/stack.sh"
stack_init memory "$1"
BIN=$STACK_BIN
WORK=$STACK_WORK
readonly kLimitKiB=$((128 * 1024))

# The receiver's stdout would hold every 3 MB body: not kept.
start_receiver --stdout /dev/null
start_emulator --stdout /dev/null --latency-ms 2000 --threads 128 --max-records 10 \
  --webhook "wh-1=$RECEIVER_URL/hooks/1"
start_sidecar SIDECAR_ADMIN_LISTEN=off
SIDECAR=$SIDECAR_PID

"$BIN/genauth-loadgen" --mode sidecar --target "$SIDECAR_TARGET" --rpc trigger \
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
