#!/usr/bin/env bash
# Offline validation of deploy/k8s (ctest: deploy_manifests):
#   - yamllint --strict (deploy/yamllint.yaml) on the YAML under deploy/ and tests/deploy/podman/;
#   - `kubectl kustomize` renders each overlay under deploy/k8s/overlays/;
#   - validate.js checks every rendered object against the Kubernetes schemas (npm
#     kubernetes-models, installed into tests/deploy/node_modules by `npm ci` when missing), refuses
#     unknown fields, and checks what the deployment promises (native sidecar, probes, resources,
#     securityContext, secret file, loopback/unix listen, egress policy, admin ingress policy);
#   - each of four broken variants of the admin ingress policy is refused by validate.js.
# No cluster; no network but the npm registry on first run. Closing line: "N passed, N failed".
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WORK=$(mktemp -d /tmp/genauth-manifests.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
PASSED=0
FAILED=0
pass() { echo "PASS $*"; PASSED=$((PASSED + 1)); }
fail() { echo "FAIL $*"; FAILED=$((FAILED + 1)); }
finish() { echo "$PASSED passed, $FAILED failed"; [ "$FAILED" -eq 0 ]; exit $?; }

for tool in kubectl yamllint node npm; do
  if ! command -v "$tool" >/dev/null; then
    fail "$tool is not installed (scripts/install-deps.sh installs it)"
    finish
  fi
done

if [ ! -d "$HERE/node_modules/kubernetes-models" ] || [ ! -d "$HERE/node_modules/yaml" ]; then
  echo "installing npm packages into $HERE/node_modules (npm ci)"
  if ! npm ci --prefix "$HERE" --no-audit --no-fund >"$WORK/npm.log" 2>&1; then
    cat "$WORK/npm.log"
    fail "npm ci"
    finish
  fi
fi

if yamllint -c "$ROOT/deploy/yamllint.yaml" --strict "$ROOT/deploy" "$HERE/podman" \
     >"$WORK/yamllint.log" 2>&1; then
  pass "yamllint --strict deploy/ tests/deploy/podman/"
else
  cat "$WORK/yamllint.log"
  fail "yamllint --strict deploy/ tests/deploy/podman/"
fi

# The manifests use current kustomize syntax (directories under `resources:`, `patches:`), which
# needs the kustomize of kubectl >= 1.21. Debian 12's own kubectl (kubernetes-client 1.20) embeds
# kustomize v2.0.3: for it, a copy is rendered with the equivalent older fields.
K8S_DIR="$ROOT/deploy/k8s"
if ! kubectl version --client 2>/dev/null | grep -q 'Kustomize Version: v[4-9]'; then
  echo "kubectl's kustomize predates v4: rendering a copy with bases:/patchesStrategicMerge:"
  cp -r "$ROOT/deploy/k8s" "$WORK/k8s"
  K8S_DIR="$WORK/k8s"
  for k in "$K8S_DIR"/overlays/*/kustomization.yaml; do
    sed -i -e 's/^resources:$/bases:/' -e 's/^patches:$/patchesStrategicMerge:/' \
      -e 's/^  - path: /  - /' "$k"
  done
fi

RENDERED=()
for overlay in "$K8S_DIR"/overlays/*/; do
  name=$(basename "$overlay")
  if kubectl kustomize "$overlay" >"$WORK/$name.yaml" 2>"$WORK/$name.err"; then
    pass "kubectl kustomize deploy/k8s/overlays/$name"
    RENDERED+=("$WORK/$name.yaml")
  else
    cat "$WORK/$name.err"
    fail "kubectl kustomize deploy/k8s/overlays/$name"
  fi
done
[ ${#RENDERED[@]} -gt 0 ] || fail "no overlay rendered"

for file in "${RENDERED[@]}" "$ROOT/deploy/k8s/secret.example.yaml"; do
  if node "$HERE/validate.js" "$file"; then
    pass "schemas and checks: $(basename "$file")"
  else
    fail "schemas and checks: $(basename "$file")"
  fi
done

# The admin ingress checks catch what they are for: each mutation of the loopback render (policy
# gone, open to every source, an extra port, a namespace-wide peer) must be refused.
LOOPBACK="$WORK/loopback.yaml"
if [ -f "$LOOPBACK" ]; then
  for mutation in no-policy open-source grpc-port namespace-only; do
    (cd "$HERE" && node - "$LOOPBACK" "$mutation" >"$WORK/mutated-$mutation.yaml") <<'JS'
const fs = require('fs');
const YAML = require('yaml');
const [file, mutation] = process.argv.slice(2);
const objects = YAML.parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => d.toJS());
const policy = objects.find((o) => o.metadata?.name === 'example-app-admin-ingress');
const rule = policy.spec.ingress[0];
if (mutation === 'no-policy') objects.splice(objects.indexOf(policy), 1);
if (mutation === 'open-source') delete rule.from;
if (mutation === 'grpc-port') rule.ports.push({protocol: 'TCP', port: 50051});
if (mutation === 'namespace-only') delete rule.from[0].podSelector;
process.stdout.write(objects.map((o) => YAML.stringify(o)).join('---\n'));
JS
    if node "$HERE/validate.js" "$WORK/mutated-$mutation.yaml" >"$WORK/mutated-$mutation.log"; then
      fail "admin ingress check refuses the mutation $mutation"
    elif grep -q 'problem: .*\(ingress\|admin\)' "$WORK/mutated-$mutation.log"; then
      pass "admin ingress check refuses the mutation $mutation"
    else
      cat "$WORK/mutated-$mutation.log"
      fail "admin ingress check refuses the mutation $mutation (for another reason)"
    fi
  done
else
  fail "no loopback render to mutate"
fi
finish
