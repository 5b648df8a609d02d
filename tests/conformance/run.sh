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
# shellcheck source=scripts/lib/stack.sh
source "$ROOT/scripts/lib/stack.sh"

fail() {
  echo "conformance: $*" >&2
  echo "0 passed, 1 failed"
  exit 1
}
STACK_FAIL=fail
stack_init conformance "${1:-$ROOT/build}"
BIN=$STACK_BIN
WORK=$STACK_WORK

# Our binaries are instrumented under make test-asan/test-tsan; their reports fail the test.
stack_on_exit no_sanitizer_reports

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

STACK_KEY_ID=conformance-key-id
STACK_KEY_SECRET=conformance-key-secret
start_receiver
RECEIVER=$RECEIVER_URL
# Fallback webhooks, one per runner: the later cases act on them when create-webhook fails.
start_emulator --webhook "conf-fallback-sdk=$RECEIVER/hooks/fallback-sdk" \
  --webhook "conf-fallback-token=$RECEIVER/hooks/fallback-token" \
  --webhook "conf-fallback-signature=$RECEIVER/hooks/fallback-signature"
EMULATOR=$EMULATOR_URL

# One sidecar per authentication scheme. One that does not start fails the whole run (its log's
# tail is shown), before conformance.js runs.
SIDECAR_ARGS=()
for scheme in token signature; do
  start_sidecar --name "sidecar-$scheme" GENAUTH_AUTH_SCHEME="$scheme" SIDECAR_ADMIN_LISTEN=off
  SIDECAR_ARGS+=(--sidecar "$scheme=$SIDECAR_TARGET")
done

cd "$HERE" || fail "cannot cd to $HERE"
node conformance.js --emulator "$EMULATOR" --receiver "$RECEIVER" \
  --access-key-id "$STACK_KEY_ID" --access-key-secret "$STACK_KEY_SECRET" \
  --proto-root "$ROOT/proto" "${SIDECAR_ARGS[@]}"
status=$?
if [ "$status" -ne 0 ] && [ -n "${CONFORMANCE_SHOW_LOGS:-}" ]; then
  for f in "$WORK"/*.log; do echo "== $f"; cat "$f"; done
fi
exit "$status"
