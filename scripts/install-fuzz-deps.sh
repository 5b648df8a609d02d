#!/usr/bin/env bash
# Installs what `make fuzz` needs beyond scripts/install-deps.sh: clang 14 with libFuzzer and the
# sanitizer runtimes (libclang-rt-14-dev) and llvm-symbolizer (llvm-14) for readable crash stacks.
# Idempotent like install-deps.sh; only Debian's archive is used. Not needed by make build/test.
set -euo pipefail

PACKAGES=(clang clang-14 libclang-rt-14-dev llvm-14)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-fuzz-deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
