#!/usr/bin/env bash
# The sidecar verifies GenAuth's certificate with nothing but the system CA bundle, as it does in
# the FROM-scratch image (no GENAUTH_CA_FILE, OpenSSL's own paths empty, SSL_CERT_FILE unset):
#   1. an HTTPS emulator whose certificate is in the bundle: the trigger succeeds;
#   2. the same emulator, another certificate in the bundle: UNAVAILABLE, "could not be verified",
#      and nothing reached the emulator.
# The sidecar runs inside system_ca_bundle_test.sh's mount namespace; the emulator, receiver and
# CLI outside (the network is shared). Skips (exit 77) without root or unshare.
#   tests/e2e/system_ca_bundle_sidecar_test.sh BUILD_DIR
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
if [[ $(id -u) != 0 ]] || ! unshare -m --propagation private true 2>/dev/null; then
  echo "SKIP: needs root and unshare -m" >&2
  exit 77
fi
# shellcheck source=scripts/lib/stack.sh
source "$ROOT/scripts/lib/stack.sh"
stack_init ca-bundle "$1"
BIN=$STACK_BIN
WORK=$STACK_WORK

make_cert() {  # make_cert NAME: a self-signed certificate for 127.0.0.1
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
    -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
    -keyout "$WORK/$1.key" -out "$WORK/$1.crt" 2>/dev/null
}
make_cert genauth
make_cert stranger

STACK_KEY_ID=bundle-key-id
STACK_KEY_SECRET=bundle-key-secret
start_receiver
start_emulator --tls-cert "$WORK/genauth.crt" --tls-key "$WORK/genauth.key" \
  --webhook "wh-ca=$RECEIVER_URL/hooks/ca"

# Inside the namespace: starts the sidecar (scripts/lib/stack.sh, in a work directory of its own),
# triggers once through the CLI (output to $OUT), stops the sidecar. One command, so that nothing
# started in the namespace outlives it.
# shellcheck disable=SC2016  # expanded by the bash inside the namespace
readonly kInside='
  source "$ROOT/scripts/lib/stack.sh"
  not_started() { echo "sidecar did not start: $*" >"$OUT"; }
  STACK_FAIL=not_started
  stack_init ca-bundle-sidecar "$BIN"
  start_sidecar SIDECAR_ADMIN_LISTEN=off
  "$BIN/genauth-cli" --target "$SIDECAR_TARGET" --timeout 5s trigger --webhook-id wh-ca \
    >"$OUT" 2>&1 || true'

# Runs kInside where the system bundle holds CERT (and no GENAUTH_CA_FILE is set); prints $OUT.
trigger_with_bundle() {
  local name
  name=$(basename "$1" .crt)
  env -u GENAUTH_CA_FILE ROOT="$ROOT" BIN="$BIN" OUT="$WORK/cli-$name.out" \
    EMULATOR_URL="$EMULATOR_URL" STACK_KEY_ID="$STACK_KEY_ID" STACK_KEY_SECRET="$STACK_KEY_SECRET" \
    "$HERE/system_ca_bundle_test.sh" "$1" -- bash -c "$kInside" || true
  cat "$WORK/cli-$name.out"
}

fail() { echo "FAIL: $*" >&2; exit 1; }

trigger_with_bundle "$WORK/genauth.crt" >"$WORK/first.out"
out=$(cat "$WORK/first.out")
echo "$out" | grep -q '"response"' || fail "with the certificate in the bundle the trigger failed: $out"
grep -q '"path":"/hooks/ca"' "$WORK/receiver.log" || grep -q 'hooks/ca' "$WORK/receiver.log" ||
  fail "the receiver got nothing: $(cat "$WORK/receiver.log")"
echo "ok: verified with only the system bundle"

trigger_with_bundle "$WORK/stranger.crt" >"$WORK/second.out"
out=$(cat "$WORK/second.out")
echo "$out" | grep -q 'UNAVAILABLE' || fail "an untrusted certificate was accepted: $out"
echo "$out" | grep -q 'could not be verified' || fail "the error does not say why: $out"
echo "ok: a certificate outside the bundle is refused"
echo "2 passed, 0 failed"
