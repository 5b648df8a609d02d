#!/usr/bin/env bash
# scripts/lib/stack.sh, the library every script and shell test starts the local stack with:
#   1. receiver, emulator and sidecar start, a webhook goes through, the ports come from the port
#      files; at exit every process is gone and the work directory removed;
#   2. a sidecar that cannot start (bad configuration) fails the script at once with its exit status
#      and the tail of its log, calls STACK_FAIL, and still stops the others and cleans up;
#   3. a stack_on_exit hook runs after the processes stopped, with the logs still there, and its
#      failure fails the script; STACK_KEEP=1 keeps the work directory.
#   tests/e2e/stack_lib_test.sh BUILD_DIR
set -uo pipefail
BIN=$(cd "${1:?build dir}" && pwd)
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LIB="$ROOT/scripts/lib/stack.sh"
OUT=$(mktemp -d /tmp/genauth-stack-lib-test.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
passes=0
failures=0
check() {  # check DESCRIPTION CONDITION...
  local what=$1
  shift
  if "$@"; then
    echo "ok: $what"
    passes=$((passes + 1))
  else
    echo "FAIL: $what"
    failures=$((failures + 1))
  fi
}
# run NAME SCRIPT: runs SCRIPT with the library sourced; its stdout, stderr and status in OUT/NAME.*
run() {
  bash -c "set -euo pipefail; source '$LIB'; $2" >"$OUT/$1.out" 2>"$OUT/$1.err"
  echo $? >"$OUT/$1.status"
}
status_of() { cat "$OUT/$1.status"; }
gone() { ! kill -0 "$1" 2>/dev/null; }
all_gone() {  # all_gone FILE: every pid listed on FILE's line has exited
  local pid pids
  read -r -a pids <"$1"
  for pid in "${pids[@]}"; do gone "$pid" || return 1; done
}

run serve "stack_init stack-lib-test '$BIN'
  start_receiver
  start_emulator --webhook \"wh-lib=\$RECEIVER_URL/hooks/lib\"
  start_sidecar
  echo \"\$STACK_WORK\" >'$OUT/serve.work'
  echo \"\$RECEIVER_PID \$EMULATOR_PID \$SIDECAR_PID\" >'$OUT/serve.pids'
  echo \"grpc=\$SIDECAR_PORT admin=\$SIDECAR_ADMIN_PORT target=\$SIDECAR_TARGET\"
  cat \"\$STACK_WORK/sidecar.ports\"
  '$BIN/genauth-cli' --target \"\$SIDECAR_TARGET\" --timeout 5s trigger --webhook-id wh-lib"
check "a webhook through the stack (status $(status_of serve))" test "$(status_of serve)" = 0
check "the receiver's echo" grep -q '"received":true' "$OUT/serve.out"
# Line 1: the variables start_sidecar set; lines 2-3: the sidecar's port file itself.
ports_match_file() {
  local grpc admin
  grpc=$(sed -n 's/^grpc=\([0-9]*\) .*/\1/p' "$OUT/serve.out" | head -1)
  admin=$(sed -n 's/^grpc=.* admin=\([0-9]*\) .*/\1/p' "$OUT/serve.out")
  [ -n "$grpc" ] && [ -n "$admin" ] &&
    [ "$(sed -n 2,3p "$OUT/serve.out")" = "grpc=$grpc"$'\n'"admin=$admin" ]
}
check "SIDECAR_PORT and SIDECAR_ADMIN_PORT from the port file" ports_match_file
check "the target is 127.0.0.1:<grpc port>" \
  grep -Eq '^grpc=([0-9]+) admin=[0-9]+ target=127\.0\.0\.1:\1$' "$OUT/serve.out"
check "every process stopped at exit" all_gone "$OUT/serve.pids"
check "the work directory removed at exit" test ! -e "$(cat "$OUT/serve.work")"

run bad_sidecar "stack_init stack-lib-test '$BIN'
  told() { echo \"STACK_FAIL got: \$*\" >'$OUT/bad_sidecar.told'; }
  STACK_FAIL=told
  echo \"\$STACK_WORK\" >'$OUT/bad_sidecar.work'
  start_receiver
  start_emulator
  echo \"\$RECEIVER_PID \$EMULATOR_PID\" >'$OUT/bad_sidecar.pids'
  start_sidecar SIDECAR_MAX_ATTEMPTS=zero
  echo reached"
check "a sidecar that cannot start fails the script" test "$(status_of bad_sidecar)" = 1
check "nothing after start_sidecar ran" test ! -s "$OUT/bad_sidecar.out"
check "the message names it and its exit status" \
  grep -q 'stack-lib-test: sidecar exited (status 64) before serving' "$OUT/bad_sidecar.err"
check "the tail of its log shows why" grep -q '  | .*SIDECAR_MAX_ATTEMPTS' "$OUT/bad_sidecar.err"
check "STACK_FAIL was called" grep -q 'STACK_FAIL got: sidecar did not start' "$OUT/bad_sidecar.told"
check "the receiver and the emulator stopped" all_gone "$OUT/bad_sidecar.pids"
check "the work directory removed" test ! -e "$(cat "$OUT/bad_sidecar.work")"

run hook "stack_init stack-lib-test '$BIN'
  STACK_KEEP=1
  start_receiver
  logs_at_exit() { gone \$RECEIVER_PID && test -f \"\$STACK_WORK/receiver.log\" && echo hook-ran; return 1; }
  gone() { ! kill -0 \"\$1\" 2>/dev/null; }
  stack_on_exit logs_at_exit"
check "a failing hook fails the script" test "$(status_of hook)" = 1
check "the hook ran after the receiver stopped, with its log there" grep -q hook-ran "$OUT/hook.out"
kept=$(sed -n 's/^stack-lib-test: files kept in //p' "$OUT/hook.out")
check "STACK_KEEP=1 kept the work directory ($kept)" test -d "$kept"
[ -n "$kept" ] && rm -rf "$kept"

echo "$passes passed, $failures failed"
[ "$failures" -eq 0 ]
