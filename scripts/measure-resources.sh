#!/usr/bin/env bash
# Measures the sidecar's memory and CPU, idle and under a short load, on loopback: the numbers
# behind the resource requests and limits in deploy/k8s/base/deployment.yaml.
#   scripts/measure-resources.sh [BUILD_DIR] [CALLS] [CONCURRENCY]
# Starts a webhook receiver, the GenAuth emulator and the sidecar (scripts/lib/stack.sh; default
# settings, 32 worker threads, the admin endpoint on a free port), reads VmRSS after start-up,
# sends CALLS TriggerWebhook calls (tests/deploy/load.js, one gRPC channel, CONCURRENCY calls in
# flight), then reports VmRSS, the peak (VmHWM) and the CPU the sidecar used. Bounded: CALLS
# defaults to 5000; every process it starts is stopped on exit.
# Needs node and npm (the pinned packages go into tests/deploy/node_modules, npm ci).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib/stack.sh
source "$ROOT/scripts/lib/stack.sh"
stack_init measure "${1:-$ROOT/build}"
BIN=$STACK_BIN
WORK=$STACK_WORK
CALLS=${2:-5000}
CONCURRENCY=${3:-32}

DEPLOY_TESTS="$ROOT/tests/deploy"
if [ ! -d "$DEPLOY_TESTS/node_modules/@grpc/grpc-js" ]; then
  npm ci --prefix "$DEPLOY_TESTS" --no-audit --no-fund >"$WORK/npm.log" 2>&1 ||
    { cat "$WORK/npm.log" >&2; exit 1; }
fi

kib() { awk -v k="$1" '/^'"$1"':/ {print $2}' "/proc/$2/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

start_receiver --stdout /dev/null
start_emulator --stdout /dev/null --webhook "wh-1=$RECEIVER_URL/hook"

SOCKET="$WORK/sidecar.sock"
start_sidecar SIDECAR_GRPC_LISTEN="unix:$SOCKET" SIDECAR_LOG_LEVEL=warn
SIDECAR=$SIDECAR_PID
CLI=("$BIN/genauth-cli" --target "unix:$SOCKET" --timeout 10s)
"${CLI[@]}" --wait health >/dev/null
"${CLI[@]}" trigger --webhook-id wh-1 >/dev/null   # the first call: token fetched, pools warm
sleep 1
IDLE_RSS=$(kib VmRSS "$SIDECAR")
TICKS0=$(cpu_ticks "$SIDECAR")
START=$(date +%s.%N)
LOAD=$(node "$DEPLOY_TESTS/load.js" "unix:$SOCKET" "$CALLS" "$CONCURRENCY" wh-1 || true)
END=$(date +%s.%N)
TICKS1=$(cpu_ticks "$SIDECAR")
LOAD_RSS=$(kib VmRSS "$SIDECAR")
PEAK_RSS=$(kib VmHWM "$SIDECAR")
THREADS=$(kib Threads "$SIDECAR")
HZ=$(getconf CLK_TCK)
awk -v idle="$IDLE_RSS" -v load="$LOAD_RSS" -v peak="$PEAK_RSS" -v threads="$THREADS" \
    -v calls="$CALLS" -v conc="$CONCURRENCY" -v t0="$START" -v t1="$END" \
    -v ticks=$((TICKS1 - TICKS0)) -v hz="$HZ" -v summary="$LOAD" 'BEGIN {
  secs = t1 - t0; cpu = ticks / hz
  printf "idle RSS            %.1f MiB\n", idle / 1024
  printf "RSS after load      %.1f MiB (peak %.1f MiB), %d threads\n", load / 1024, peak / 1024, threads
  printf "load                %d TriggerWebhook calls, %d in flight, %.1f s (%.0f calls/s)\n", calls, conc, secs, calls / secs
  printf "load.js             %s\n", summary
  printf "sidecar CPU         %.2f s = %.0f millicores on average, %.2f ms per call\n", cpu, 1000 * cpu / secs, 1000 * cpu / calls
}'
REASONS=$(grep -o '"reason":"[A-Z_]*"' "$WORK/sidecar.log" | sort | uniq -c | tr -s ' ' | tr '\n' ',' || true)
[ -z "$REASONS" ] || echo "failed calls        by ErrorInfo reason:${REASONS%,}"
