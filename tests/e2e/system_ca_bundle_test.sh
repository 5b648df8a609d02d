#!/usr/bin/env bash
# Runs a command that must verify TLS with ONLY the system CA bundle file, the way the FROM-scratch
# image runs it (deploy/image: /etc/ssl/certs/ca-certificates.crt is the only TLS file there).
#
#   tests/e2e/system_ca_bundle_test.sh CA_CERT_PEM -- COMMAND [ARGS...]
#       Runs COMMAND in a private mount namespace where
#         - /usr/lib/ssl (OpenSSL's OPENSSLDIR: cert.pem, certs/, openssl.cnf) is an empty directory;
#         - /etc/ssl/certs holds one file, ca-certificates.crt: the host's bundle plus CA_CERT_PEM.
#           The whole directory is replaced, not just the file, because the image has no hashed
#           certificate links there, and Debian's libcurl would otherwise still find public CAs
#           through its built-in CApath /etc/ssl/certs;
#         - SSL_CERT_FILE, SSL_CERT_DIR, CURL_CA_BUNDLE and the like are unset: these machines export
#           them, and they would let a client find certificates the image does not have.
#       Exits with COMMAND's status.
#   tests/e2e/system_ca_bundle_test.sh --self-check
#       Shows that the namespace works: `curl` against `openssl s_server -www` on 127.0.0.1, with a
#       self-signed certificate made on the fly, verifies when that certificate is in the bundle
#       and fails verification (curl exit 60) when another one is.
#
# Needs root and unshare(1); exits 77 (skipped) without them, 64 on a usage error. Everything it
# creates (temporary files, the s_server process) is removed on exit; the mounts live and die with
# the namespace. Not registered with ctest.
set -euo pipefail

readonly kSkip=77
readonly kUsage=64
# Variables that point TLS libraries at certificates outside the bundle.
readonly kCertVariables=(SSL_CERT_FILE SSL_CERT_DIR CURL_CA_BUNDLE NIX_SSL_CERT_FILE
  REQUESTS_CA_BUNDLE GRPC_DEFAULT_SSL_ROOTS_FILE_PATH OPENSSL_CONF)
readonly kSystemBundle=/etc/ssl/certs/ca-certificates.crt

usage() {
  sed -n '/^#   tests/,/^#$/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit "$kUsage"
}

skip() {
  echo "SKIP: $*" >&2
  exit "$kSkip"
}

# Second stage, already inside the namespace (internal): __inside WORK_DIR -- COMMAND...
if [[ "${1:-}" == __inside ]]; then
  work=$2
  shift 3
  mount --bind "$work/empty" /usr/lib/ssl
  mount --bind "$work/certs" /etc/ssl/certs
  unset "${kCertVariables[@]}"
  exec "$@"
fi

check_can_run() {
  [[ $(id -u) == 0 ]] || skip "needs root (mount namespaces and bind mounts)"
  command -v unshare >/dev/null || skip "unshare(1) is not installed"
  unshare -m --propagation private true 2>/dev/null ||
    skip "unshare -m failed: no permission to create a mount namespace here"
  [[ -r $kSystemBundle ]] || skip "no system CA bundle at $kSystemBundle"
}

WORK=""
SERVER_PID=""
cleanup() {
  if [[ -n $SERVER_PID ]]; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [[ -n $WORK ]]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# run_with_bundle CA_CERT_PEM COMMAND...: COMMAND's status, inside the namespace.
run_with_bundle() {
  local ca=$1
  shift
  local dir
  dir=$(mktemp -d "$WORK/bundle.XXXXXX")
  mkdir "$dir/empty" "$dir/certs"
  { cat "$kSystemBundle"; echo; cat "$ca"; } >"$dir/certs/ca-certificates.crt"
  chmod 755 "$dir" "$dir/empty" "$dir/certs"
  chmod 644 "$dir/certs/ca-certificates.crt"
  local status=0
  unshare -m --propagation private -- bash "${BASH_SOURCE[0]}" __inside "$dir" -- "$@" || status=$?
  rm -rf "$dir"
  return "$status"
}

self_check() {
  command -v openssl >/dev/null || skip "openssl is not installed"
  command -v curl >/dev/null || skip "curl is not installed"
  local cert
  for cert in server other; do
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
      -subj "/CN=system-ca-bundle-test $cert" -addext "subjectAltName=IP:127.0.0.1" \
      -keyout "$WORK/$cert.key" -out "$WORK/$cert.pem" 2>/dev/null
  done

  # Port 0: s_server announces the port it got as "ACCEPT 127.0.0.1:PORT" on stdout.
  openssl s_server -accept 127.0.0.1:0 -cert "$WORK/server.pem" -key "$WORK/server.key" -www \
    >"$WORK/s_server.out" 2>"$WORK/s_server.err" </dev/null &
  SERVER_PID=$!
  local port=""
  for _ in $(seq 1 100); do
    port=$(sed -n 's/^ACCEPT 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$WORK/s_server.out")
    [[ -n $port ]] && break
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.05
  done
  if [[ -z $port ]]; then
    echo "FAIL: openssl s_server did not start:" >&2
    cat "$WORK/s_server.err" >&2
    return 1
  fi

  # -q first: no ~/.curlrc (it could name a CA file).
  local -a fetch=(curl -q -sS -o /dev/null --max-time 5 "https://127.0.0.1:$port/")
  local failures=0 status

  # shellcheck disable=SC2016  # expanded by the sh inside the namespace, not here
  if run_with_bundle "$WORK/server.pem" sh -c '
      [ -z "$(ls -A /usr/lib/ssl)" ] &&
      [ "$(ls -A /etc/ssl/certs)" = ca-certificates.crt ] &&
      [ -z "${SSL_CERT_FILE+set}${SSL_CERT_DIR+set}${CURL_CA_BUNDLE+set}" ]'; then
    echo "PASS: inside: /usr/lib/ssl empty, /etc/ssl/certs holds only the bundle, no SSL_CERT_*"
  else
    echo "FAIL: the namespace is not set up as expected"
    failures=$((failures + 1))
  fi

  status=0
  run_with_bundle "$WORK/server.pem" "${fetch[@]}" || status=$?
  if [[ $status == 0 ]]; then
    echo "PASS: certificate in the bundle: curl verified the server"
  else
    echo "FAIL: certificate in the bundle: curl exited $status (want 0)"
    failures=$((failures + 1))
  fi

  status=0
  run_with_bundle "$WORK/other.pem" "${fetch[@]}" 2>"$WORK/curl.err" || status=$?
  if [[ $status == 60 ]]; then
    echo "PASS: certificate not in the bundle: curl refused the server (exit 60: $(head -n 1 "$WORK/curl.err"))"
  else
    echo "FAIL: certificate not in the bundle: curl exited $status (want 60)"
    failures=$((failures + 1))
  fi
  [[ $failures == 0 ]]
}

case "${1:-}" in
  --self-check)
    [[ $# == 1 ]] || usage
    check_can_run
    WORK=$(mktemp -d /tmp/system-ca-bundle.XXXXXX)
    self_check
    ;;
  "" | -h | --help) usage ;;
  *)
    [[ $# -ge 3 && $2 == -- ]] || usage
    if [[ ! -r $1 ]] || ! grep -q -- "-----BEGIN CERTIFICATE-----" "$1"; then
      echo "not a readable PEM certificate: $1" >&2
      exit "$kUsage"
    fi
    check_can_run
    WORK=$(mktemp -d /tmp/system-ca-bundle.XXXXXX)
    ca=$1
    shift 2
    status=0
    run_with_bundle "$ca" "$@" || status=$?
    exit "$status"
    ;;
esac
