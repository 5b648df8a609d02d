# shellcheck shell=bash
# shellcheck disable=SC2034  # RECEIVER_URL, SIDECAR_TARGET, ...: set for the caller
# The one way to start a local stack on loopback — a webhook receiver (the customer's endpoint),
# the GenAuth emulator and genauth-sidecar — with port files, bounded waits and one cleanup trap.
# Sourced by scripts (demo, bench, soak, measure) and shell tests; safe under `set -euo pipefail`.
#
#   source "$ROOT/scripts/lib/stack.sh"
#   stack_init NAME BIN_DIR      STACK_WORK=/tmp/genauth-NAME.XXXXXX (a fresh directory), STACK_BIN
#                                = BIN_DIR (absolute); traps EXIT (cleanup) and INT/TERM (exit 1).
#                                NAME prefixes every message ("NAME: ...").
#   start_receiver [--name N] [--stdout FILE] [ARGS...]
#                                webhook-receiver ARGS; sets RECEIVER_PID, RECEIVER_PORT,
#                                RECEIVER_URL (http://127.0.0.1:PORT).
#   start_emulator [--name N] [--stdout FILE] [ARGS...]
#                                genauth-emulator accepting STACK_KEY_ID / STACK_KEY_SECRET, plus
#                                ARGS (--webhook ID=URL, --latency-ms, --tls-cert ...); sets
#                                EMULATOR_PID, EMULATOR_PORT, EMULATOR_URL (https:// with
#                                --tls-cert).
#   start_sidecar [--name N] [--stdout FILE] [ENV=VALUE...]
#                                genauth-sidecar configured by environment: GENAUTH_HOST=
#                                EMULATOR_URL, the key id and the secret from STACK_SECRET_FILE,
#                                gRPC and admin on 127.0.0.1:0, SIDECAR_PORT_FILE in STACK_WORK;
#                                ENV=VALUE entries add to or override these (SIDECAR_ADMIN_LISTEN=off,
#                                SIDECAR_GRPC_LISTEN=unix:PATH, ...). Waits for its port file; sets
#                                SIDECAR_PID, SIDECAR_PORT (gRPC; empty on a unix socket),
#                                SIDECAR_ADMIN_PORT (empty when off), SIDECAR_TARGET (for clients:
#                                127.0.0.1:PORT or unix:PATH) and SIDECAR_ADMIN_URL.
#   await_port_file FILE [PID WHAT]
#                                waits (bounded) until FILE exists — every binary here writes it
#                                whole (rename) once serving; fails early when PID has exited.
#   port_file_value FILE KEY     the value of KEY=... in the sidecar's port file ("grpc", "admin").
#   stack_track PID              a process the caller started, stopped at exit like the others.
#   stack_stop PID               SIGTERM, up to 5 s, then SIGKILL; bounded.
#   stack_on_exit FUNCTION       the caller's own cleanup: run at exit after the processes are
#                                stopped and before STACK_WORK is removed (logs are still there);
#                                a FUNCTION that fails makes the script exit 1.
#   stack_fail MESSAGE           prints "NAME: MESSAGE" and exits 1 — or calls STACK_FAIL (a
#                                function name) with MESSAGE when the caller set one.
#
# Every start_* writes the component's stdout (unless --stdout) and stderr to STACK_WORK/N.log
# (N: receiver, emulator, sidecar by default; give another --name for a second instance), its
# port file is STACK_WORK/N.port(s), and when it does not start the failure names it and shows
# the tail of that log. Settings (set before the call): STACK_KEY_ID, STACK_KEY_SECRET (defaults
# demo-key-id / demo-key-secret-not-shown), STACK_WAIT_SECONDS (10), STACK_KEEP=1 (keep
# STACK_WORK), STACK_SIDECAR_BIN (another sidecar binary), STACK_WRAP (an array: a command prefix
# such as `ip netns exec NS`, which must exec so that the pid is the server's own).

STACK_KEY_ID=${STACK_KEY_ID:-demo-key-id}
STACK_KEY_SECRET=${STACK_KEY_SECRET:-demo-key-secret-not-shown}
STACK_WAIT_SECONDS=${STACK_WAIT_SECONDS:-10}
STACK_WRAP=()
STACK_PIDS=()
STACK_EXIT_HOOKS=()

stack_init() {
  STACK_NAME=$1
  STACK_BIN=$(cd "$2" 2>/dev/null && pwd) || stack_fail "no build directory $2"
  STACK_WORK=$(mktemp -d "/tmp/genauth-$STACK_NAME.XXXXXX")
  STACK_SECRET_FILE="$STACK_WORK/secret"
  trap _stack_cleanup EXIT
  trap 'exit 1' INT TERM
}

stack_fail() {
  if [ -n "${STACK_FAIL:-}" ]; then
    "$STACK_FAIL" "$*"
  fi
  echo "${STACK_NAME:-stack}: $*" >&2
  exit 1
}

stack_track() { STACK_PIDS+=("$1"); }
stack_on_exit() { STACK_EXIT_HOOKS+=("$1"); }

stack_stop() {
  local pid=$1 i kept=()
  # Untracked first: once reaped, its pid may be reused by a process this script never started.
  for i in "${STACK_PIDS[@]}"; do [ "$i" = "$pid" ] || kept+=("$i"); done
  STACK_PIDS=("${kept[@]}")
  if kill -TERM "$pid" 2>/dev/null; then
    for ((i = 0; i < 100; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.05
    done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

# Stops every process (last started first: a sidecar's kept-alive connections close before the
# emulator stops, which otherwise waits them out), runs the caller's hooks, removes STACK_WORK.
_stack_cleanup() {
  local status=$? i hook
  for ((i = ${#STACK_PIDS[@]} - 1; i >= 0; i--)); do stack_stop "${STACK_PIDS[$i]}"; done
  for hook in "${STACK_EXIT_HOOKS[@]}"; do "$hook" || status=1; done
  if [ -z "${STACK_WORK:-}" ]; then
    :
  elif [ "${STACK_KEEP:-}" = 1 ]; then
    echo "$STACK_NAME: files kept in $STACK_WORK"
  else
    rm -rf "$STACK_WORK"
  fi
  exit "$status"
}

await_port_file() {
  local file=$1 pid=${2:-} what=${3:-$1} i
  for ((i = 0; i < STACK_WAIT_SECONDS * 20; i++)); do
    [ -e "$file" ] && return 0
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
      echo "$what exited before serving" >&2
      return 1
    fi
    sleep 0.05
  done
  echo "$what did not write $file within $STACK_WAIT_SECONDS s" >&2
  return 1
}

port_file_value() { sed -n "s/^$2=//p" "$1"; }

# _stack_options DEFAULT_NAME "$@": reads the leading --name and --stdout into OPT_NAME (default
# DEFAULT_NAME) and OPT_STDOUT (default OPT_LOG, STACK_WORK/OPT_NAME.log, made empty here) and
# leaves the rest in OPT_ARGS.
_stack_options() {
  OPT_NAME=$1
  OPT_STDOUT=""
  shift
  while [ $# -gt 0 ]; do
    case "$1" in
      --name) OPT_NAME=$2; shift 2 ;;
      --stdout) OPT_STDOUT=$2; shift 2 ;;
      *) break ;;
    esac
  done
  OPT_ARGS=("$@")
  OPT_LOG="$STACK_WORK/$OPT_NAME.log"
  OPT_STDOUT=${OPT_STDOUT:-$OPT_LOG}
  # Both streams are appended (O_APPEND), so that neither overwrites the other in one file.
  : >"$OPT_LOG"
}

# _stack_started NAME PID PORT_FILE: waits for the port file; on failure says why (with the exit
# status when the process has gone) and shows the tail of its log.
_stack_started() {
  local name=$1 pid=$2 file=$3 why status
  await_port_file "$file" "$pid" "$name" 2>/dev/null && return 0
  if kill -0 "$pid" 2>/dev/null; then
    why="$name did not write $file within $STACK_WAIT_SECONDS s"
  else
    status=0
    wait "$pid" || status=$?
    if [ "$status" -gt 128 ]; then status="signal $((status - 128))"; else status="status $status"; fi
    why="$name exited ($status) before serving"
  fi
  {
    echo "$STACK_NAME: $why; the last lines of $STACK_WORK/$name.log:"
    tail -n 20 "$STACK_WORK/$name.log" 2>/dev/null | sed 's/^/  | /'
  } >&2
  stack_fail "$name did not start"
}

# Owner-only, as a mounted Secret should be (the sidecar warns about a secret file others can read).
_stack_write_secret() { (umask 077 && printf '%s\n' "$STACK_KEY_SECRET" >"$STACK_SECRET_FILE"); }

# shellcheck disable=SC2120  # every argument is optional
start_receiver() {
  _stack_options receiver "$@"
  local port_file="$STACK_WORK/$OPT_NAME.port"
  rm -f "$port_file"
  "${STACK_WRAP[@]}" "$STACK_BIN/webhook-receiver" --port-file "$port_file" "${OPT_ARGS[@]}" \
    >>"$OPT_STDOUT" 2>>"$OPT_LOG" &
  RECEIVER_PID=$!
  stack_track "$RECEIVER_PID"
  _stack_started "$OPT_NAME" "$RECEIVER_PID" "$port_file"
  RECEIVER_PORT=$(tr -d '[:space:]' <"$port_file")
  RECEIVER_URL="http://127.0.0.1:$RECEIVER_PORT"
}

# shellcheck disable=SC2120  # every argument is optional
start_emulator() {
  _stack_options emulator "$@"
  local port_file="$STACK_WORK/$OPT_NAME.port" scheme=http
  rm -f "$port_file"
  _stack_write_secret
  "${STACK_WRAP[@]}" "$STACK_BIN/genauth-emulator" --port-file "$port_file" \
    --access-key-id "$STACK_KEY_ID" --access-key-secret "$STACK_KEY_SECRET" "${OPT_ARGS[@]}" \
    >>"$OPT_STDOUT" 2>>"$OPT_LOG" &
  EMULATOR_PID=$!
  stack_track "$EMULATOR_PID"
  _stack_started "$OPT_NAME" "$EMULATOR_PID" "$port_file"
  EMULATOR_PORT=$(tr -d '[:space:]' <"$port_file")
  [[ " ${OPT_ARGS[*]} " == *" --tls-cert "* ]] && scheme=https
  EMULATOR_URL="$scheme://127.0.0.1:$EMULATOR_PORT"
}

# shellcheck disable=SC2120  # every argument is optional
start_sidecar() {
  _stack_options sidecar "$@"
  local port_file="$STACK_WORK/$OPT_NAME.ports" setting listen=127.0.0.1:0
  rm -f "$port_file"
  [ -e "$STACK_SECRET_FILE" ] || _stack_write_secret
  for setting in "${OPT_ARGS[@]}"; do
    case "$setting" in SIDECAR_GRPC_LISTEN=*) listen=${setting#*=} ;; esac
  done
  "${STACK_WRAP[@]}" env GENAUTH_HOST="${EMULATOR_URL:-}" GENAUTH_ACCESS_KEY_ID="$STACK_KEY_ID" \
    GENAUTH_ACCESS_KEY_SECRET_FILE="$STACK_SECRET_FILE" SIDECAR_GRPC_LISTEN=127.0.0.1:0 \
    SIDECAR_ADMIN_LISTEN=127.0.0.1:0 SIDECAR_PORT_FILE="$port_file" "${OPT_ARGS[@]}" \
    "${STACK_SIDECAR_BIN:-$STACK_BIN/genauth-sidecar}" >>"$OPT_STDOUT" 2>>"$OPT_LOG" &
  SIDECAR_PID=$!
  stack_track "$SIDECAR_PID"
  _stack_started "$OPT_NAME" "$SIDECAR_PID" "$port_file"
  SIDECAR_PORT=$(port_file_value "$port_file" grpc)
  SIDECAR_ADMIN_PORT=$(port_file_value "$port_file" admin)
  SIDECAR_ADMIN_URL=${SIDECAR_ADMIN_PORT:+http://127.0.0.1:$SIDECAR_ADMIN_PORT}
  if [[ "$listen" == unix:* ]]; then
    SIDECAR_TARGET=$listen
  else
    SIDECAR_TARGET="127.0.0.1:$SIDECAR_PORT"
  fi
}
