#!/usr/bin/env bash
# Installs what `make bench` needs beyond scripts/install-deps.sh: gnuplot (the latency plot),
# linux-perf (the profile commands in BENCHMARKS.md), libnghttp2-dev (genauth-far-upstream's HTTP/2,
# scripts/bench-far.sh), iproute2's ss (its connection counts) and nghttp2-client's h2load (the
# efficient HTTP client whose CPU per request is one part of the loopback floor in
# scripts/bench.sh). Kept apart so that `make test` never pulls them in. Idempotent; only Debian's
# archive is used.
set -euo pipefail

missing=()
command -v gnuplot >/dev/null 2>&1 || missing+=(gnuplot-nox)
command -v perf >/dev/null 2>&1 || missing+=(linux-perf)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v ss >/dev/null 2>&1 || missing+=(iproute2)
command -v h2load >/dev/null 2>&1 || missing+=(nghttp2-client)
pkg-config --exists libnghttp2 2>/dev/null || missing+=(libnghttp2-dev)
[ -x /usr/bin/python3 ] || missing+=(python3)
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-bench-deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
