#!/usr/bin/env bash
# The pod, without a container runtime (ctest: deploy_pod_netns):
#   tests/deploy/pod_netns_test.sh BUILD_DIR
# Two network namespaces of its own, joined by a veth pair, each end with a private /30 address
# that exists only inside them:
#   "genauth" 10.203.0.1/30: genauth-emulator (plain HTTP) + webhook-receiver (its loopback)
#   "pod"     10.203.0.2/30: genauth-sidecar and the app (genauth-cli), sharing the pod's loopback
# The sidecar runs as uid/gid 65532 with the configuration of deploy/k8s/base (its ConfigMap
# literals; GENAUTH_HOST pointed at the emulator, GENAUTH_ALLOW_INSECURE_HTTP=true since that is
# plain HTTP off loopback) and the secret in a file readable by group 65532 only, as the mounted
# Secret is. Checks: a TriggerWebhook from the app reaches the receiver through the sidecar and the
# emulator; the gRPC port is not reachable from outside the pod ("genauth", on the pod's address);
# with the unix-socket overlay's settings, an app of another uid reaches the socket through the
# pod's group and a process outside it cannot; when the build has the admin endpoint, /healthz,
# /readyz and /metrics answer on the pod's address, and /readyz stays 200 with GenAuth down.
# Needs root and `ip netns`; exits 77 (ctest: skipped) with the reason otherwise.
# Closing line: "N passed, N failed".
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=tests/sanitizers/reports.sh
source "$ROOT/tests/sanitizers/reports.sh"
# shellcheck source=scripts/lib/stack.sh
source "$ROOT/scripts/lib/stack.sh"
BIN=$(cd "${1:-$ROOT/build}" 2>/dev/null && pwd) || { echo "pod_netns: no build dir ${1:-}" >&2; exit 1; }
SKIP=77

# shellcheck source=tests/deploy/netns.sh
source "$HERE/netns.sh"
if ! why=$(netns_usable); then
  echo "SKIPPED: pod_netns $why (CI runs as root)"
  exit $SKIP
fi
for b in genauth-sidecar genauth-emulator genauth-cli webhook-receiver; do
  [ -x "$BIN/$b" ] || { echo "pod_netns: $BIN/$b is missing (build it first)" >&2; exit 1; }
done

TAG="$$-$RANDOM"
NS_POD="genauth-test-pod-$TAG"
NS_UP="genauth-test-up-$TAG"
POD_IP=$NETNS_POD_IP
UP_IP=$NETNS_UP_IP
APP_UID=65532
PASSED=0
FAILED=0
stack_init pod_netns "$BIN"
WORK=$STACK_WORK
chmod 0711 "$WORK"

# After the processes have stopped (scripts/lib/stack.sh), before the work directory goes.
# shellcheck disable=SC2317  # called at exit (stack_on_exit)
delete_namespaces() { netns_delete "$NS_POD" "$NS_UP"; }
stack_on_exit delete_namespaces
# Our binaries are instrumented under make test-asan/test-tsan; their reports fail the test.
stack_on_exit no_sanitizer_reports

pass() { echo "PASS $*"; PASSED=$((PASSED + 1)); }
fail() { echo "FAIL $*"; FAILED=$((FAILED + 1)); }
finish() { echo "$PASSED passed, $FAILED failed"; [ "$FAILED" -eq 0 ]; exit $?; }
abort() { fail "$*"; for f in "$WORK"/*.log; do [ -f "$f" ] && { echo "--- $f"; cat "$f"; }; done; finish; }
# Foreground helpers only: a background job must be `ip netns exec ... &` itself (ip, env and
# setpriv exec, so $! is the server's own pid); a backgrounded function would be a subshell whose
# kill leaves the server running.
in_pod() { ip netns exec "$NS_POD" "$@"; }
in_up() { ip netns exec "$NS_UP" "$@"; }
STACK_FAIL=abort

# ---- the two namespaces and the link between them ------------------------------------------------
netns_pair_create "$NS_POD" "$NS_UP" || abort "creating the namespaces and their link"
pass "namespaces $NS_POD ($POD_IP) and $NS_UP ($UP_IP) linked by a veth pair"

# ---- "GenAuth": the emulator and the customer's webhook endpoint ---------------------------------
KEY_ID=pod-test-key
KEY_SECRET=pod-test-secret-$RANDOM$RANDOM
STACK_KEY_ID=$KEY_ID
STACK_KEY_SECRET=$KEY_SECRET
STACK_WRAP=(ip netns exec "$NS_UP")
start_receiver
start_emulator --host "$UP_IP" --webhook "wh-pod=$RECEIVER_URL/hooks/pod"
STACK_WRAP=()

# ---- the pod: the sidecar as configured by deploy/k8s/base ---------------------------------------
mkdir -p "$WORK/secrets"
printf '%s\n' "$KEY_SECRET" >"$WORK/secrets/access-key-secret"
chgrp -R "$APP_UID" "$WORK/secrets" && chmod 0750 "$WORK/secrets" &&
  chmod 0440 "$WORK/secrets/access-key-secret"
# The pod's sidecar starts with a clean environment (env -i) but, under make test-asan/test-tsan,
# keeps the suite's sanitizer options and suppressions.
SANITIZER_ENV=()
for name in ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS TSAN_OPTIONS; do
  [ -n "${!name:-}" ] && SANITIZER_ENV+=("$name=${!name}")
done
CONFIG=()
while IFS= read -r literal; do CONFIG+=("$literal"); done < <(
  sed -n 's/^ *- \(\(GENAUTH\|SIDECAR\)_[A-Z_]*=.*\)$/\1/p' "$ROOT/deploy/k8s/base/kustomization.yaml")
[ ${#CONFIG[@]} -gt 0 ] || abort "no configuration literals in deploy/k8s/base/kustomization.yaml"
ip netns exec "$NS_POD" env -i PATH=/usr/bin:/bin "${SANITIZER_ENV[@]}" "${CONFIG[@]}" \
  GENAUTH_HOST="http://$UP_IP:$EMULATOR_PORT" GENAUTH_ALLOW_INSECURE_HTTP=true \
  GENAUTH_ACCESS_KEY_ID="$KEY_ID" GENAUTH_ACCESS_KEY_SECRET_FILE="$WORK/secrets/access-key-secret" \
  setpriv --reuid="$APP_UID" --regid="$APP_UID" --clear-groups \
  "$BIN/genauth-sidecar" >"$WORK/sidecar.log" 2>&1 &
stack_track $!
LISTEN=$(printf '%s\n' "${CONFIG[@]}" | sed -n 's/^SIDECAR_GRPC_LISTEN=//p')
LISTEN=${LISTEN:-127.0.0.1:50051}
GRPC_PORT=${LISTEN##*:}
APP=(setpriv --reuid="$APP_UID" --regid="$APP_UID" --clear-groups "$BIN/genauth-cli" --target "$LISTEN")

if in_pod "${APP[@]}" --timeout 10s --wait health >"$WORK/health.out" 2>&1; then
  pass "sidecar SERVING on the pod's loopback ($LISTEN), running as uid $APP_UID"
else
  abort "sidecar health on $LISTEN: $(cat "$WORK/health.out")"
fi

# ---- a webhook, end to end -----------------------------------------------------------------------
if in_pod "${APP[@]}" --timeout 10s trigger --webhook-id wh-pod --header x-pod-test=1 \
     --body-json '{"eventName":"pod:test","data":{"from":"netns"}}' >"$WORK/trigger.out" 2>&1 &&
   grep -q '"received":true' "$WORK/trigger.out"; then
  pass "TriggerWebhook from the app through the sidecar: $(tr -d '\n' <"$WORK/trigger.out")"
else
  fail "TriggerWebhook: $(cat "$WORK/trigger.out")"
fi
for _ in $(seq 1 100); do grep -q 'pod:test' "$WORK/receiver.log" && break; sleep 0.05; done
if grep -q 'pod:test' "$WORK/receiver.log" && grep -qi 'x-pod-test' "$WORK/receiver.log"; then
  pass "the receiver got the body and header the app sent"
else
  fail "the receiver got: $(cat "$WORK/receiver.log")"
fi

# ---- nothing outside the pod reaches the gRPC port -----------------------------------------------
if in_up timeout 5 bash -c "exec 3<>/dev/tcp/$POD_IP/$GRPC_PORT" 2>/dev/null; then
  fail "TCP $POD_IP:$GRPC_PORT is reachable from outside the pod"
else
  pass "TCP $POD_IP:$GRPC_PORT refused from outside the pod"
fi
if in_up "$BIN/genauth-cli" --target "$POD_IP:$GRPC_PORT" --timeout 2s health >"$WORK/outside.out" 2>&1; then
  fail "gRPC health answered from outside the pod"
else
  pass "gRPC from outside the pod fails: $(head -1 "$WORK/outside.out")"
fi
# Control: the pod's address itself is reachable from there (the refusal is the listener's doing).
if in_up ping -c 1 -W 2 "$POD_IP" >/dev/null 2>&1 ||
   in_pod timeout 5 bash -c "exec 3<>/dev/tcp/$UP_IP/$EMULATOR_PORT" 2>/dev/null; then
  pass "the link between the namespaces works (control)"
else
  fail "the link between the namespaces does not work: the refusal proves nothing"
fi

# ---- the unix-socket overlay: another uid reaches the socket through the pod's fsGroup -----------
SOCKET_CONFIG=()
while IFS= read -r literal; do SOCKET_CONFIG+=("$literal"); done < <(
  sed -n 's/^ *- \(SIDECAR_GRPC_[A-Z_]*=.*\)$/\1/p' \
    "$ROOT/deploy/k8s/overlays/unix-socket/kustomization.yaml")
SOCKET_LISTEN=$(printf '%s\n' "${SOCKET_CONFIG[@]}" | sed -n 's/^SIDECAR_GRPC_LISTEN=//p')
if [[ "$SOCKET_LISTEN" == unix:/* ]]; then
  # The emptyDir as the kubelet makes it for fsGroup 65532: mode 2777, group 65532, so only the
  # socket's own mode keeps others out. The overlay's socket path is moved under $WORK.
  SOCKET_DIR="$WORK/emptydir"
  mkdir "$SOCKET_DIR" && chgrp "$APP_UID" "$SOCKET_DIR" && chmod 2777 "$SOCKET_DIR"
  SOCKET="$SOCKET_DIR/$(basename "${SOCKET_LISTEN#unix:}")"
  ip netns exec "$NS_POD" env -i PATH=/usr/bin:/bin "${SANITIZER_ENV[@]}" "${CONFIG[@]}" "${SOCKET_CONFIG[@]}" \
    SIDECAR_GRPC_LISTEN="unix:$SOCKET" SIDECAR_ADMIN_LISTEN=off \
    GENAUTH_HOST="http://$UP_IP:$EMULATOR_PORT" GENAUTH_ALLOW_INSECURE_HTTP=true \
    GENAUTH_ACCESS_KEY_ID="$KEY_ID" GENAUTH_ACCESS_KEY_SECRET_FILE="$WORK/secrets/access-key-secret" \
    setpriv --reuid="$APP_UID" --regid="$APP_UID" --clear-groups \
    "$BIN/genauth-sidecar" >"$WORK/socket-sidecar.log" 2>&1 &
  stack_track $!
  OTHER_APP=(setpriv --reuid=1000 --regid=1000)
  if in_pod "${OTHER_APP[@]}" --groups="$APP_UID" "$BIN/genauth-cli" --target "unix:$SOCKET" \
       --timeout 10s --wait trigger --webhook-id wh-pod >"$WORK/socket.out" 2>&1 &&
     grep -q '"received":true' "$WORK/socket.out"; then
    pass "unix-socket overlay: an app with another uid in group $APP_UID triggers through $SOCKET_LISTEN"
  else
    fail "unix-socket overlay: $(cat "$WORK/socket.out"; tail -3 "$WORK/socket-sidecar.log")"
  fi
  if in_pod "${OTHER_APP[@]}" --clear-groups "$BIN/genauth-cli" --target "unix:$SOCKET" \
       --timeout 3s health >"$WORK/socket-denied.out" 2>&1; then
    fail "unix-socket overlay: a process outside group $APP_UID reached the socket"
  else
    pass "unix-socket overlay: a process outside group $APP_UID cannot connect"
  fi
else
  fail "no unix: SIDECAR_GRPC_LISTEN in deploy/k8s/overlays/unix-socket/kustomization.yaml"
fi

# ---- the admin endpoint: on the pod's address, as the kubelet's probes and Prometheus reach it ---
ADMIN=$(printf '%s\n' "${CONFIG[@]}" | sed -n 's/^SIDECAR_ADMIN_LISTEN=//p')
SIDECAR_HELP=$("$BIN/genauth-sidecar" --help 2>&1)
if [ -n "$ADMIN" ] && [[ "$SIDECAR_HELP" == *SIDECAR_ADMIN_LISTEN* ]]; then
  ADMIN_PORT=${ADMIN##*:}
  for path in /healthz /readyz /metrics; do
    if in_up curl -fsS --max-time 5 "http://$POD_IP:$ADMIN_PORT$path" >"$WORK/admin.out" 2>&1; then
      pass "GET $path on $POD_IP:$ADMIN_PORT from outside the pod (probes, scraping)"
    else
      fail "GET $path on $POD_IP:$ADMIN_PORT: $(cat "$WORK/admin.out")"
    fi
  done
  if grep -q '^genauth_sidecar_calls_total{.*TriggerWebhook' "$WORK/admin.out"; then
    pass "/metrics counts the TriggerWebhook call"
  else
    fail "/metrics has no genauth_sidecar_calls_total for TriggerWebhook"
  fi

  # Readiness must not flap the pod when GenAuth is down: stop the emulator; calls now fail with
  # UNAVAILABLE, and /readyz still answers 200.
  stack_stop "$EMULATOR_PID"
  in_pod "${APP[@]}" --timeout 5s trigger --webhook-id wh-pod >"$WORK/down.out" 2>&1
  if grep -q 'UNAVAILABLE\|DEADLINE_EXCEEDED' "$WORK/down.out"; then
    pass "GenAuth down: the call fails with $(grep -o 'UNAVAILABLE\|DEADLINE_EXCEEDED' "$WORK/down.out" | head -1)"
  else
    fail "GenAuth down: the call gave $(cat "$WORK/down.out")"
  fi
  if in_up curl -fsS --max-time 5 "http://$POD_IP:$ADMIN_PORT/readyz" >"$WORK/admin.out" 2>&1; then
    pass "GenAuth down: /readyz still 200 (the pod stays in its Services)"
  else
    fail "GenAuth down: /readyz fails, the pod would flap: $(cat "$WORK/admin.out")"
  fi
else
  echo "(no admin endpoint in this build: /healthz, /readyz and /metrics not checked)"
fi

if grep -q "$KEY_SECRET" "$WORK/sidecar.log"; then fail "the secret appears in the sidecar's log"; fi
finish
