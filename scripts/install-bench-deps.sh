#!/usr/bin/env bash
# Installs what `make bench` needs beyond scripts/install-deps.sh: gnuplot (the latency plot) and
# linux-perf (the profile commands in BENCHMARKS.md). Kept apart so that `make test` never pulls
# them in. Idempotent; only Debian's archive is used.
set -euo pipefail

missing=()
command -v gnuplot >/dev/null 2>&1 || missing+=(gnuplot-nox)
command -v perf >/dev/null 2>&1 || missing+=(linux-perf)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
[ -x /usr/bin/python3 ] || missing+=(python3)
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-bench-deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
