#!/usr/bin/env bash
# SDK conformance test: tests/conformance/run.sh BUILD_DIR
#
# Starts a webhook receiver, the GenAuth emulator and two sidecars (GENAUTH_AUTH_SCHEME=token and
# =signature) on loopback, then runs conformance.js, which sends the same webhook operations through
# the official Node.js SDK (authing-node-sdk 4.0.1) and through each sidecar and compares what the
# emulator recorded. Installs the pinned npm packages into tests/conformance/node_modules when they
# are missing (npm ci: exactly package-lock.json, project-local, nothing global).
# Exit status: conformance.js's (0 = every row passed); 1 when something could not be set up.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=tests/sanitizers/reports.sh
source "$ROOT/tests/sanitizers/reports.sh"
BUILD_DIR=${1:-$ROOT/build}
BIN=$(cd "$BUILD_DIR" 2>/dev/null && pwd) || { echo "conformance: no build dir $BUILD_DIR" >&2; exit 1; }
WORK=$(mktemp -d /tmp/genauth-conformance.XXXXXX)
PIDS=()

cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  # Our binaries are instrumented under make test-asan/test-tsan; their reports fail the test.
  local sanitized=0
  sanitizer_reports "$WORK"/*.log "$WORK"/*.out && sanitized=1
  rm -rf "$WORK"
  if [ "$sanitized" -eq 1 ]; then echo "conformance: a C++ process reported a sanitizer error" >&2; exit 1; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() {
  echo "conformance: $*" >&2
  echo "0 passed, 1 failed"
  exit 1
}

for bin in webhook-receiver genauth-emulator genauth-sidecar; do
  [ -x "$BIN/$bin" ] || fail "$BIN/$bin is missing (build it first)"
done
command -v node >/dev/null || fail "node is not installed"
command -v npm >/dev/null || fail "npm is not installed"

# Project-local packages, exactly as locked. Offline-safe once installed.
if [ ! -d "$HERE/node_modules/authing-node-sdk" ] || [ ! -d "$HERE/node_modules/@grpc/grpc-js" ] ||
   [ ! -d "$HERE/node_modules/@grpc/proto-loader" ]; then
  echo "conformance: installing npm packages into $HERE/node_modules"
  npm ci --prefix "$HERE" --no-audit --no-fund >"$WORK/npm.log" 2>&1 || {
    cat "$WORK/npm.log" >&2
    fail "npm ci failed"
  }
fi

# Waits (bounded, 10 s) until a file has content; prints it.
await_file() {
  for _ in $(seq 1 200); do
    if [ -s "$1" ]; then tr -d '[:space:]' <"$1"; return 0; fi
    sleep 0.05
  done
  return 1
}

KEY_ID=conformance-key-id
KEY_SECRET=conformance-key-secret

"$BIN/webhook-receiver" --port-file "$WORK/receiver.port" >"$WORK/receiver.log" 2>&1 &
PIDS+=($!)
RECEIVER_PORT=$(await_file "$WORK/receiver.port") || fail "webhook-receiver did not start: $(cat "$WORK/receiver.log")"
RECEIVER="http://127.0.0.1:$RECEIVER_PORT"

# Fallback webhooks, one per runner: the later cases act on them when create-webhook fails.
"$BIN/genauth-emulator" --port-file "$WORK/emulator.port" \
  --access-key-id "$KEY_ID" --access-key-secret "$KEY_SECRET" \
  --webhook "conf-fallback-sdk=$RECEIVER/hooks/fallback-sdk" \
  --webhook "conf-fallback-token=$RECEIVER/hooks/fallback-token" \
  --webhook "conf-fallback-signature=$RECEIVER/hooks/fallback-signature" \
  >"$WORK/emulator.log" 2>&1 &
PIDS+=($!)
EMULATOR_PORT=$(await_file "$WORK/emulator.port") || fail "genauth-emulator did not start: $(cat "$WORK/emulator.log")"
EMULATOR="http://127.0.0.1:$EMULATOR_PORT"

# start_sidecar SCHEME: starts one sidecar and sets SIDECAR_PORT to its gRPC port (empty when it
# did not start: then its log and exit status are shown, and conformance.js fails its rows).
start_sidecar() {
  local scheme=$1 log="$WORK/sidecar-$1.log" pid status
  SIDECAR_PORT=""
  GENAUTH_HOST="$EMULATOR" GENAUTH_ACCESS_KEY_ID="$KEY_ID" GENAUTH_ACCESS_KEY_SECRET="$KEY_SECRET" \
  GENAUTH_AUTH_SCHEME="$scheme" SIDECAR_GRPC_LISTEN=127.0.0.1:0 SIDECAR_ADMIN_LISTEN=off \
    "$BIN/genauth-sidecar" >"$log" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  for _ in $(seq 1 200); do
    SIDECAR_PORT=$(grep -o '"msg":"sidecar started".*' "$log" 2>/dev/null |
                   grep -o '"port":[0-9]*' | head -1 | cut -d: -f2 || true)
    [ -n "$SIDECAR_PORT" ] && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "conformance: the $scheme sidecar did not log 'sidecar started' within 10 s; its log:" >&2
  else
    wait "$pid"; status=$?
    if [ "$status" -gt 128 ]; then status="signal $((status - 128))"; else status="status $status"; fi
    echo "conformance: the $scheme sidecar exited ($status) before serving; its log:" >&2
  fi
  sed 's/^/  | /' "$log" >&2
}

SIDECAR_ARGS=()
for scheme in token signature; do
  start_sidecar "$scheme"
  SIDECAR_ARGS+=(--sidecar "$scheme=${SIDECAR_PORT:+127.0.0.1:$SIDECAR_PORT}")
done

cd "$HERE" || fail "cannot cd to $HERE"
node conformance.js --emulator "$EMULATOR" --receiver "$RECEIVER" \
  --access-key-id "$KEY_ID" --access-key-secret "$KEY_SECRET" \
  --proto-root "$ROOT/proto" "${SIDECAR_ARGS[@]}"
status=$?
if [ "$status" -ne 0 ] && [ -n "${CONFORMANCE_SHOW_LOGS:-}" ]; then
  for f in "$WORK"/*.log; do echo "== $f"; cat "$f"; done
fi
exit "$status"
