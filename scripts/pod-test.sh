#!/usr/bin/env bash
# make pod-test: runs the rendered pod for real with `podman kube play` and passes a TriggerWebhook
# through it.
#   scripts/pod-test.sh [BUILD_DIR]
# - renders tests/deploy/podman (the loopback overlay with local images, the emulator as GenAuth,
#   and the few adaptations podman 4.3 needs; each is explained there) with `kubectl kustomize`;
# - creates two network namespaces joined by a veth pair (tests/deploy/netns.sh): "genauth"
#   (10.203.0.1) runs genauth-emulator and a webhook receiver, outside the pod; the pod is played
#   inside "pod" (10.203.0.2) with podman's host networking, so its containers share that
#   namespace's loopback like a Kubernetes pod's;
# - the app container (image genauth-cli) waits for the sidecar (image genauth-sidecar) and
#   triggers one webhook; checks its exit status and output, what the receiver got, that the
#   sidecar runs as uid 65532 on a read-only root filesystem, and that its gRPC port is not
#   reachable from outside the pod; then `podman kube down` and everything is removed.
# Needs root; the images come from `make image` (built here when missing). Not part of `make test`.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/container-env.sh
source "$ROOT/scripts/container-env.sh"
# shellcheck source=tests/deploy/netns.sh
source "$ROOT/tests/deploy/netns.sh"
BIN=$(cd "${1:-$ROOT/build}" 2>/dev/null && pwd) || { echo "pod-test: no build dir ${1:-}" >&2; exit 1; }
VERSION=$(sed -n 's/^project(genauth_sidecar VERSION \([0-9.]*\).*/\1/p' "$ROOT/CMakeLists.txt")
OVERLAY="$ROOT/tests/deploy/podman"
# Fixed by the overlay: the emulator's address and the credentials directory (hostPath).
EMULATOR_PORT=8080
CREDENTIALS=/run/genauth-pod-test/credentials
KEY_ID=pod-test-key
POD=example-app-pod-0   # podman's name for the Deployment's one replica
APP_UID=65532

if ! why=$(netns_usable); then echo "pod-test: $why" >&2; exit 1; fi
for b in genauth-emulator webhook-receiver genauth-cli; do
  [ -x "$BIN/$b" ] || { echo "pod-test: $BIN/$b is missing (make build first)" >&2; exit 1; }
done
ensure_podman
for image in genauth-sidecar genauth-cli; do
  if ! podman image exists "localhost/$image:$VERSION"; then
    "$ROOT/scripts/build-image.sh" "$BIN" || exit 1
    break
  fi
done

# One run at a time: the pod name and the credentials path are fixed.
mkdir -p /run/genauth-pod-test
exec 9>/run/genauth-pod-test/lock
flock -n 9 || { echo "pod-test: another pod-test is running" >&2; exit 1; }

TAG="$$-$RANDOM"
NS_POD="genauth-podman-pod-$TAG"
NS_UP="genauth-podman-up-$TAG"
WORK=$(mktemp -d /tmp/genauth-pod-test.XXXXXX)
PIDS=()
PASSED=0
FAILED=0

cleanup() {
  podman kube down "$WORK/pod.yaml" >/dev/null 2>&1 || true
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  netns_delete "$NS_POD" "$NS_UP"
  rm -rf "$WORK" "$CREDENTIALS"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

pass() { echo "PASS $*"; PASSED=$((PASSED + 1)); }
fail() { echo "FAIL $*"; FAILED=$((FAILED + 1)); }
finish() { echo "$PASSED passed, $FAILED failed"; [ "$FAILED" -eq 0 ]; exit $?; }
abort() { fail "$*"; finish; }
await_file() {
  for _ in $(seq 1 200); do
    if [ -s "$1" ]; then tr -d '[:space:]' <"$1"; return 0; fi
    sleep 0.05
  done
  return 1
}
# Foreground helpers only: a background job must be `ip netns exec ... &` itself (ip, env and
# setpriv exec, so $! is the server's own pid); a backgrounded function would be a subshell whose
# kill leaves the server running.
in_up() { ip netns exec "$NS_UP" "$@"; }

kubectl kustomize "$OVERLAY" >"$WORK/pod.yaml" || abort "kubectl kustomize tests/deploy/podman"
if podman pod exists "$POD"; then
  echo "pod-test: removing a pod $POD left over from an earlier run"
  podman pod rm -f "$POD" >/dev/null
fi

netns_pair_create "$NS_POD" "$NS_UP" || abort "creating the network namespaces"
pass "namespaces $NS_POD ($NETNS_POD_IP) and $NS_UP ($NETNS_UP_IP)"

# GenAuth, outside the pod.
KEY_SECRET="pod-test-secret-$RANDOM$RANDOM"
ip netns exec "$NS_UP" "$BIN/webhook-receiver" --port-file "$WORK/receiver.port" \
  >"$WORK/receiver.log" 2>&1 9>&- &
PIDS+=($!)
RECEIVER_PORT=$(await_file "$WORK/receiver.port") || abort "webhook-receiver did not start"
ip netns exec "$NS_UP" "$BIN/genauth-emulator" --host "$NETNS_UP_IP" --port "$EMULATOR_PORT" \
  --port-file "$WORK/emulator.port" --access-key-id "$KEY_ID" --access-key-secret "$KEY_SECRET" \
  --webhook "wh-pod=http://127.0.0.1:$RECEIVER_PORT/hooks/pod" >"$WORK/emulator.log" 2>&1 9>&- &
PIDS+=($!)
await_file "$WORK/emulator.port" >/dev/null || abort "genauth-emulator did not start"

# The secret, as the kubelet lays out a Secret volume for fsGroup 65532 and defaultMode 0440.
mkdir -p "$CREDENTIALS"
printf '%s\n' "$KEY_SECRET" >"$CREDENTIALS/access-key-secret"
chgrp -R "$APP_UID" "$CREDENTIALS" && chmod 0750 "$CREDENTIALS" &&
  chmod 0440 "$CREDENTIALS/access-key-secret"

# nsenter (not `ip netns exec`, which remounts /sys and hides the cgroup tree from podman): podman
# and the containers it starts with host networking live in the "pod" namespace.
if nsenter --net="/run/netns/$NS_POD" podman kube play --network host "$WORK/pod.yaml" \
     >"$WORK/play.log" 2>&1 9>&-; then
  pass "podman kube play (pod $POD: $(podman pod inspect "$POD" --format '{{.NumContainers}}') containers)"
else
  cat "$WORK/play.log"
  abort "podman kube play"
fi

STATE=""
for _ in $(seq 1 300); do
  STATE=$(podman inspect "$POD-app" --format '{{.State.Status}} {{.State.ExitCode}}' 2>/dev/null)
  case "$STATE" in exited*) break ;; esac
  sleep 0.1
done
podman logs "$POD-app" >"$WORK/app.out" 2>&1
if [ "$STATE" = "exited 0" ] && grep -q '"received":true' "$WORK/app.out"; then
  pass "app container: TriggerWebhook through the sidecar: $(tr -d '\n' <"$WORK/app.out")"
else
  fail "app container ($STATE): $(cat "$WORK/app.out")"
  podman logs "$POD-genauth-sidecar" 2>&1 | tail -20
fi
for _ in $(seq 1 100); do grep -q 'pod:test' "$WORK/receiver.log" && break; sleep 0.05; done
if grep -q '"x-pod-test":"podman"' "$WORK/receiver.log"; then
  pass "the receiver got the webhook the app triggered"
else
  fail "the receiver got: $(cat "$WORK/receiver.log")"
fi

SIDECAR_STATE=$(podman inspect "$POD-genauth-sidecar" \
  --format '{{.State.Status}} user={{.Config.User}} readonly={{.HostConfig.ReadonlyRootfs}}')
if [ "$SIDECAR_STATE" = "running user=$APP_UID:$APP_UID readonly=true" ] ||
   [ "$SIDECAR_STATE" = "running user=$APP_UID readonly=true" ]; then
  pass "sidecar container: $SIDECAR_STATE"
else
  fail "sidecar container: $SIDECAR_STATE"
fi

if in_up timeout 5 bash -c "exec 3<>/dev/tcp/$NETNS_POD_IP/50051" 2>/dev/null; then
  fail "the sidecar's gRPC port is reachable from outside the pod"
else
  pass "the sidecar's gRPC port is not reachable from outside the pod"
fi
# The admin endpoint (SIDECAR_ADMIN_LISTEN=0.0.0.0:9464 in the ConfigMap) on the pod's address, as
# the kubelet's probes and Prometheus reach it; only when the image's sidecar has one.
SIDECAR_HELP=$(podman run --rm "localhost/genauth-sidecar:$VERSION" --help 2>&1)
if [[ "$SIDECAR_HELP" == *SIDECAR_ADMIN_LISTEN* ]]; then
  for path in /healthz /readyz /metrics; do
    if in_up curl -fsS --max-time 5 "http://$NETNS_POD_IP:9464$path" >"$WORK/admin.out" 2>&1; then
      pass "GET $path on the pod's address $NETNS_POD_IP:9464 (probes, scraping)"
    else
      fail "GET $path on the pod's address $NETNS_POD_IP:9464: $(head -3 "$WORK/admin.out")"
    fi
  done
else
  echo "(the image's sidecar has no admin endpoint: /healthz, /readyz, /metrics not checked)"
fi
finish
