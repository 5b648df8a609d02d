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
# - GenAuth is reached over HTTPS the way production reaches it: the emulator serves a certificate
#   for 10.203.0.1 from a private CA made for this run, and the sidecar trusts that CA only through
#   the CA bundle inside its image (/etc/ssl/certs/ca-certificates.crt), with no GENAUTH_CA_FILE.
#   The pod runs localhost/genauth-sidecar-test-ca: the shipped image plus one layer holding its
#   own bundle with the test CA appended (tests/deploy/podman/Containerfile.test-ca). An image
#   layer rather than a bind mount over the bundle: the file is then read from the image's own
#   filesystem, with the image's path, owner and mode, on the read-only root as uid 65532, and the
#   manifest gains no volume production does not have. The script checks that every other layer
#   is the shipped image's, and that the shipped image alone refuses the emulator's certificate
#   (so the trust comes from the bundle and from nothing else);
# - the app container (image genauth-cli) waits for the sidecar and triggers one webhook; checks
#   its exit status and output, what the receiver got, that the sidecar runs as uid 65532 on a
#   read-only root filesystem without GENAUTH_CA_FILE, and that its gRPC port is not reachable
#   from outside the pod; then `podman kube down` and everything is removed.
# Needs root; the images come from `make image` (built here when missing). Not part of `make test`.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/container-env.sh
source "$ROOT/scripts/container-env.sh"
# shellcheck source=tests/deploy/netns.sh
source "$ROOT/tests/deploy/netns.sh"
# shellcheck source=scripts/lib/stack.sh
source "$ROOT/scripts/lib/stack.sh"
BIN=$(cd "${1:-$ROOT/build}" 2>/dev/null && pwd) || { echo "pod-test: no build dir ${1:-}" >&2; exit 1; }
VERSION=$(sed -n 's/^project(genauth_sidecar VERSION \([0-9.]*\).*/\1/p' "$ROOT/CMakeLists.txt")
OVERLAY="$ROOT/tests/deploy/podman"
SIDECAR_IMAGE="localhost/genauth-sidecar:$VERSION"
# The name the overlay's pod runs; built from SIDECAR_IMAGE each run, removed afterwards.
TEST_CA_IMAGE="localhost/genauth-sidecar-test-ca:$VERSION"
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
PASSED=0
FAILED=0
CONTROL="genauth-pod-test-control-$TAG"  # the shipped image's sidecar, outside the pod
BUNDLE_SOURCE="genauth-pod-test-bundle-$TAG"  # never started: the shipped bundle is copied out
stack_init pod-test "$BIN"
WORK=$STACK_WORK

# After the receiver and emulator have stopped (scripts/lib/stack.sh), before WORK goes.
# shellcheck disable=SC2317  # called at exit (stack_on_exit)
remove_pod() {
  podman kube down "$WORK/pod.yaml" >/dev/null 2>&1 || true
  podman rm -f "$CONTROL" "$BUNDLE_SOURCE" >/dev/null 2>&1 || true
  podman rmi "$TEST_CA_IMAGE" >/dev/null 2>&1 || true
  netns_delete "$NS_POD" "$NS_UP"
  rm -rf "$CREDENTIALS"
}
stack_on_exit remove_pod

pass() { echo "PASS $*"; PASSED=$((PASSED + 1)); }
fail() { echo "FAIL $*"; FAILED=$((FAILED + 1)); }
finish() { echo "$PASSED passed, $FAILED failed"; [ "$FAILED" -eq 0 ]; exit $?; }
abort() { fail "$*"; finish; }
# Foreground helpers only: a background job must be `ip netns exec ... &` itself (ip, env and
# setpriv exec, so $! is the server's own pid); a backgrounded function would be a subshell whose
# kill leaves the server running.
in_up() { ip netns exec "$NS_UP" "$@"; }

kubectl kustomize "$OVERLAY" >"$WORK/pod.yaml" || abort "kubectl kustomize tests/deploy/podman"
# As production is configured: GenAuth over https://, no private CA file, no plain-HTTP switch.
if grep -q 'GENAUTH_HOST: https://' "$WORK/pod.yaml" &&
   ! grep -Eq 'GENAUTH_CA_FILE|GENAUTH_ALLOW_INSECURE_HTTP' "$WORK/pod.yaml"; then
  pass "the rendered pod reaches GenAuth over https:// with no GENAUTH_CA_FILE"
else
  abort "the rendered pod: $(grep -E 'GENAUTH_(HOST|CA_FILE|ALLOW)' "$WORK/pod.yaml")"
fi
if podman pod exists "$POD"; then
  echo "pod-test: removing a pod $POD left over from an earlier run"
  podman pod rm -f "$POD" >/dev/null
fi

netns_pair_create "$NS_POD" "$NS_UP" || abort "creating the network namespaces"
pass "namespaces $NS_POD ($NETNS_POD_IP) and $NS_UP ($NETNS_UP_IP)"

# A private CA made for this run (its key never leaves $WORK), and the emulator's certificate for
# the address the sidecar dials, issued by it.
make_test_certificates() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
    -subj "/CN=genauth pod-test CA" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$WORK/test-ca.key" -out "$WORK/test-ca.crt" 2>"$WORK/openssl.log" &&
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
      -subj "/CN=genauth pod-test emulator" -keyout "$WORK/emulator.key" \
      -out "$WORK/emulator.csr" 2>>"$WORK/openssl.log" &&
    printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n%s\n%s\n' \
      "extendedKeyUsage=serverAuth" "subjectAltName=IP:$NETNS_UP_IP" >"$WORK/emulator.ext" &&
    openssl x509 -req -in "$WORK/emulator.csr" -CA "$WORK/test-ca.crt" \
      -CAkey "$WORK/test-ca.key" -set_serial 2 -days 1 -extfile "$WORK/emulator.ext" \
      -out "$WORK/emulator.crt" 2>>"$WORK/openssl.log"
}
make_test_certificates ||
  abort "making the test CA and the emulator's certificate: $(cat "$WORK/openssl.log")"

# The test image: the shipped image's own bundle (copied out of it, not the host's, which may have
# changed since `make image`) with the test CA appended, as one layer over the shipped image.
mkdir -p "$WORK/test-ca-image"
if podman create --name "$BUNDLE_SOURCE" "$SIDECAR_IMAGE" >"$WORK/build.log" 2>&1 &&
   podman cp "$BUNDLE_SOURCE:/etc/ssl/certs/ca-certificates.crt" "$WORK/test-ca-image/" \
     >>"$WORK/build.log" 2>&1 &&
   podman rm "$BUNDLE_SOURCE" >/dev/null 2>&1 &&
   cat "$WORK/test-ca.crt" >>"$WORK/test-ca-image/ca-certificates.crt" &&
   chmod 0644 "$WORK/test-ca-image/ca-certificates.crt" &&
   podman build --quiet --file "$OVERLAY/Containerfile.test-ca" \
     --build-arg "SIDECAR_IMAGE=$SIDECAR_IMAGE" --tag "$TEST_CA_IMAGE" "$WORK/test-ca-image" \
     >>"$WORK/build.log" 2>&1; then
  :
else
  abort "building $TEST_CA_IMAGE: $(cat "$WORK/build.log")"
fi
# JSON lists of layer digests: the test image's must be the shipped image's plus exactly one.
SHIPPED_LAYERS=$(podman image inspect --format '{{json .RootFS.Layers}}' "$SIDECAR_IMAGE")
TEST_LAYERS=$(podman image inspect --format '{{json .RootFS.Layers}}' "$TEST_CA_IMAGE")
SHIPPED_COUNT=$(grep -o 'sha256:' <<<"$SHIPPED_LAYERS" | wc -l)
TEST_COUNT=$(grep -o 'sha256:' <<<"$TEST_LAYERS" | wc -l)
if [[ "$TEST_LAYERS" == "${SHIPPED_LAYERS%]},"* ]] &&
   [ "$TEST_COUNT" -eq $((SHIPPED_COUNT + 1)) ]; then
  pass "$TEST_CA_IMAGE is $SIDECAR_IMAGE's $SHIPPED_COUNT layer(s) plus one: the CA bundle"
else
  abort "$TEST_CA_IMAGE is not $SIDECAR_IMAGE plus one layer: $TEST_LAYERS vs $SHIPPED_LAYERS"
fi

# GenAuth, outside the pod. Started here rather than by scripts/lib/stack.sh's start_*: they must
# not inherit the run's lock (fd 9), which a server left behind would otherwise hold.
KEY_SECRET="pod-test-secret-$RANDOM$RANDOM"
ip netns exec "$NS_UP" "$BIN/webhook-receiver" --port-file "$WORK/receiver.port" \
  >"$WORK/receiver.log" 2>&1 9>&- &
stack_track $!
await_port_file "$WORK/receiver.port" $! webhook-receiver || abort "webhook-receiver did not start"
RECEIVER_PORT=$(tr -d '[:space:]' <"$WORK/receiver.port")
ip netns exec "$NS_UP" "$BIN/genauth-emulator" --host "$NETNS_UP_IP" --port "$EMULATOR_PORT" \
  --port-file "$WORK/emulator.port" --access-key-id "$KEY_ID" --access-key-secret "$KEY_SECRET" \
  --tls-cert "$WORK/emulator.crt" --tls-key "$WORK/emulator.key" \
  --webhook "wh-pod=http://127.0.0.1:$RECEIVER_PORT/hooks/pod" >"$WORK/emulator.log" 2>&1 9>&- &
stack_track $!
await_port_file "$WORK/emulator.port" $! genauth-emulator || abort "genauth-emulator did not start"
EMULATOR_URL="https://$NETNS_UP_IP:$EMULATOR_PORT"
# Requests the emulator recorded (control endpoints excluded), asked over the same TLS.
recorded_requests() {
  in_up curl -fsS --max-time 5 --cacert "$WORK/test-ca.crt" \
    "$EMULATOR_URL/_emulator/requests?brief=1" | grep -o '"path"' | wc -l
}

# The secret, as the kubelet lays out a Secret volume for fsGroup 65532 and defaultMode 0440.
mkdir -p "$CREDENTIALS"
printf '%s\n' "$KEY_SECRET" >"$CREDENTIALS/access-key-secret"
chgrp -R "$APP_UID" "$CREDENTIALS" && chmod 0750 "$CREDENTIALS" &&
  chmod 0440 "$CREDENTIALS/access-key-secret"

# nsenter (not `ip netns exec`, which remounts /sys and hides the cgroup tree from podman): podman
# and the containers it starts with host networking live in the "pod" namespace.
in_pod_podman() { nsenter --net="/run/netns/$NS_POD" podman "$@"; }

# Control: the shipped image alone, configured like the pod's sidecar, must refuse the emulator's
# certificate before sending anything. Otherwise the pod's success below would not show that the
# trust came from the bundle.
if in_pod_podman run -d --name "$CONTROL" --network host --read-only --user "$APP_UID:$APP_UID" \
     -v "$CREDENTIALS:/var/run/secrets/genauth:ro" -e "GENAUTH_HOST=$EMULATOR_URL" \
     -e "GENAUTH_ACCESS_KEY_ID=$KEY_ID" \
     -e GENAUTH_ACCESS_KEY_SECRET_FILE=/var/run/secrets/genauth/access-key-secret \
     -e SIDECAR_GRPC_LISTEN=127.0.0.1:50061 -e SIDECAR_ADMIN_LISTEN=off "$SIDECAR_IMAGE" \
     >"$WORK/control.log" 2>&1 9>&-; then
  in_pod_podman run --rm --network host "localhost/genauth-cli:$VERSION" --target 127.0.0.1:50061 \
    --wait --timeout 10s trigger --webhook-id wh-pod >"$WORK/control.out" 2>&1 9>&-
  CONTROL_EXIT=$?
  CONTROL_REQUESTS=$(recorded_requests)
  if [ "$CONTROL_EXIT" -eq 1 ] && grep -q UNAVAILABLE "$WORK/control.out" &&
     grep -q 'could not be verified' "$WORK/control.out" && [ "$CONTROL_REQUESTS" = 0 ]; then
    pass "control: $SIDECAR_IMAGE alone refuses the certificate and sends nothing:" \
      "$(tr -s '\n ' ' ' <"$WORK/control.out")"
  else
    fail "control: $SIDECAR_IMAGE alone (exit $CONTROL_EXIT," \
      "$CONTROL_REQUESTS requests reached the emulator): $(cat "$WORK/control.out")"
    podman logs "$CONTROL" 2>&1 | tail -5
  fi
  podman rm -f "$CONTROL" >/dev/null 2>&1
else
  fail "control: podman run $SIDECAR_IMAGE: $(cat "$WORK/control.log")"
fi

if in_pod_podman kube play --network host "$WORK/pod.yaml" >"$WORK/play.log" 2>&1 9>&-; then
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
SIDECAR_STATE+=" image=$(podman inspect "$POD-genauth-sidecar" --format '{{.ImageName}}')"
if [ "$SIDECAR_STATE" = "running user=$APP_UID:$APP_UID readonly=true image=$TEST_CA_IMAGE" ] ||
   [ "$SIDECAR_STATE" = "running user=$APP_UID readonly=true image=$TEST_CA_IMAGE" ]; then
  pass "sidecar container: $SIDECAR_STATE"
else
  fail "sidecar container: $SIDECAR_STATE"
fi
# The environment the sidecar really ran with (the manifest's and the image's): GenAuth over
# https://, trusted through the image's bundle alone.
podman inspect "$POD-genauth-sidecar" --format '{{range .Config.Env}}{{println .}}{{end}}' \
  >"$WORK/sidecar.env"
if grep -qx "GENAUTH_HOST=$EMULATOR_URL" "$WORK/sidecar.env" &&
   ! grep -Eq '^(GENAUTH_CA_FILE|SSL_CERT_FILE|SSL_CERT_DIR|CURL_CA_BUNDLE)=' \
     "$WORK/sidecar.env"; then
  pass "sidecar environment: GENAUTH_HOST=$EMULATOR_URL, no GENAUTH_CA_FILE or SSL_CERT_* override"
else
  fail "sidecar environment:" \
    "$(grep -E 'GENAUTH_HOST|CA_FILE|SSL_CERT|CA_BUNDLE' "$WORK/sidecar.env")"
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
