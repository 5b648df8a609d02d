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
BIN=$(cd "$1" && pwd)
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WORK=$(mktemp -d /tmp/genauth-ca-bundle.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

if [[ $(id -u) != 0 ]] || ! unshare -m --propagation private true 2>/dev/null; then
  echo "SKIP: needs root and unshare -m" >&2
  exit 77
fi

await_file() {  # prints the file once it has content; bounded
  for _ in $(seq 1 200); do
    if [ -s "$1" ]; then cat "$1"; return 0; fi
    sleep 0.05
  done
  echo "timed out waiting for $1" >&2
  return 1
}

make_cert() {  # make_cert NAME: a self-signed certificate for 127.0.0.1
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
    -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
    -keyout "$WORK/$1.key" -out "$WORK/$1.crt" 2>/dev/null
}
make_cert genauth
make_cert stranger

KEY_ID=bundle-key-id
printf 'bundle-key-secret\n' >"$WORK/secret"
"$BIN/webhook-receiver" --port-file "$WORK/receiver.port" >"$WORK/receiver.log" 2>&1 &
PIDS+=($!)
RECEIVER_PORT=$(await_file "$WORK/receiver.port" | tr -d '[:space:]')
"$BIN/genauth-emulator" --port-file "$WORK/emulator.port" --access-key-id "$KEY_ID" \
  --access-key-secret bundle-key-secret --tls-cert "$WORK/genauth.crt" --tls-key "$WORK/genauth.key" \
  --webhook "wh-ca=http://127.0.0.1:$RECEIVER_PORT/hooks/ca" >"$WORK/emulator.log" 2>&1 &
PIDS+=($!)
EMULATOR_PORT=$(await_file "$WORK/emulator.port" | tr -d '[:space:]')

# Inside the namespace: starts the sidecar, triggers once through the CLI (output to $OUT), stops
# the sidecar. One command, so that nothing started in the namespace outlives it.
# shellcheck disable=SC2016  # expanded by the bash inside the namespace
readonly kInside='
  "$BIN/genauth-sidecar" >"$LOG" 2>&1 &
  pid=$!
  port=""
  for _ in $(seq 1 200); do
    port=$(grep -o "\"msg\":\"sidecar started\".*" "$LOG" | grep -o "\"port\":[0-9]*" |
           head -1 | cut -d: -f2 || true)
    [ -n "$port" ] && break
    sleep 0.05
  done
  if [ -n "$port" ]; then
    "$BIN/genauth-cli" --target "127.0.0.1:$port" --timeout 5s trigger --webhook-id wh-ca \
      >"$OUT" 2>&1 || true
  else
    echo "sidecar did not start" >"$OUT"
  fi
  kill "$pid"
  wait "$pid" || true'

# Runs kInside where the system bundle holds CERT (and no GENAUTH_CA_FILE is set); prints $OUT.
trigger_with_bundle() {
  local name
  name=$(basename "$1" .crt)
  env -u GENAUTH_CA_FILE BIN="$BIN" LOG="$WORK/sidecar-$name.log" OUT="$WORK/cli-$name.out" \
    GENAUTH_HOST="https://127.0.0.1:$EMULATOR_PORT" GENAUTH_ACCESS_KEY_ID="$KEY_ID" \
    GENAUTH_ACCESS_KEY_SECRET_FILE="$WORK/secret" SIDECAR_GRPC_LISTEN=127.0.0.1:0 \
    SIDECAR_ADMIN_LISTEN=off "$HERE/system_ca_bundle_test.sh" "$1" -- bash -c "$kInside"
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
