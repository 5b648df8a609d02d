// Offline validation of rendered Kubernetes manifests (`kubectl kustomize` output):
//   node validate.js FILE...
// 1. Every object validates against its Kubernetes schema (npm kubernetes-models, by its
//    apiVersion and kind).
// 2. No unknown fields: kubernetes-models accepts them silently, and a misspelt field (say
//    `readOnlyRootFileSystem`) is dropped by the API server without a word, so each object is
//    walked against the field lists of the kubernetes-models type declarations (like kubectl's
//    --validate=strict would do against a cluster).
// 3. What deploy/k8s promises for genauth-sidecar (see docs/kubernetes.md): a native
//    sidecar with probes, resources and a locked-down securityContext; the secret from a Secret
//    mounted as a directory; config from a ConfigMap of the same render; gRPC on loopback or a
//    unix socket in a shared emptyDir; an egress NetworkPolicy selecting the pod; an ingress one
//    admitting only the admin port, only from labelled pods of labelled namespaces.
// Prints one line per file and per problem; exits 1 when any problem was found.
'use strict';
const fs = require('fs');
const path = require('path');
const YAML = require('yaml');

const problems = [];
const problem = (where, what) => problems.push(`${where}: ${what}`);

// ---- 2. unknown fields, from the .d.ts declarations ---------------------------------------------

const interfaces = new Map();  // .d.ts path -> {props: Map(name -> type text), imports: Map} | null

// Splits an interface body ("name"?: type; ...) into properties; types may hold { ...; } blocks.
function parseProps(body) {
  const props = new Map();
  const re = /"([^"]+)"\??:\s*/g;
  let m;
  while ((m = re.exec(body)) !== null) {
    let depth = 0;
    let i = re.lastIndex;
    for (; i < body.length; i++) {
      const c = body[i];
      if (c === '{' || c === '<' || c === '(') depth++;
      else if (c === '}' || c === '>' || c === ')') depth--;
      else if (c === ';' && depth === 0) break;
    }
    props.set(m[1], body.slice(re.lastIndex, i).trim());
    re.lastIndex = i + 1;
  }
  return props;
}

function loadInterface(dtsPath) {
  if (interfaces.has(dtsPath)) return interfaces.get(dtsPath);
  let result = null;
  const text = fs.readFileSync(dtsPath, 'utf8').replace(/\/\*\*[\s\S]*?\*\//g, '');
  const head = text.match(/export interface (\w+)[^{]*\{/);
  if (head) {
    let depth = 1;
    let i = head.index + head[0].length;
    const start = i;
    for (; i < text.length && depth > 0; i++) {
      if (text[i] === '{') depth++;
      else if (text[i] === '}') depth--;
    }
    const body = text.slice(start, i - 1).replace(/\s+/g, ' ');
    const imports = new Map();
    for (const im of text.matchAll(/import \{ (\w+) \} from "([^"]+)";/g)) {
      const spec = im[2].startsWith('.') ? path.resolve(path.dirname(dtsPath), im[2]) : im[2];
      try {
        imports.set(im[1], require.resolve(spec.startsWith('/') ? spec + '.d.ts' : spec + '.d.ts'));
      } catch (e) {
        // Not a declaration file we can follow (e.g. a type alias module): treated as a leaf.
      }
    }
    result = {props: parseProps(body), imports};
  }
  interfaces.set(dtsPath, result);
  return result;
}

function checkFields(value, dtsPath, where) {
  const iface = loadInterface(dtsPath);
  if (!iface || value === null || typeof value !== 'object' || Array.isArray(value)) return;
  for (const [key, child] of Object.entries(value)) {
    const type = iface.props.get(key);
    if (type === undefined) {
      problem(where, `unknown field "${key}"`);
      continue;
    }
    let m;
    if ((m = type.match(/^Array<(\w+)>$/)) && iface.imports.has(m[1]) && Array.isArray(child)) {
      child.forEach((e, i) => checkFields(e, iface.imports.get(m[1]), `${where}.${key}[${i}]`));
    } else if ((m = type.match(/^\{ \[key: string\]: (\w+); \}$/)) && iface.imports.has(m[1])) {
      for (const [k, v] of Object.entries(child || {})) {
        checkFields(v, iface.imports.get(m[1]), `${where}.${key}.${k}`);
      }
    } else if (iface.imports.has(type)) {
      checkFields(child, iface.imports.get(type), `${where}.${key}`);
    }
  }
}

// ---- 3. what the deployment promises ------------------------------------------------------------

const isLoopbackListen = (v) => /^(127\.\d+\.\d+\.\d+|localhost|\[::1\]):\d+$/.test(v);

function checkContainerSecurity(c, podSc, where) {
  const sc = c.securityContext || {};
  if (!(sc.runAsNonRoot ?? podSc.runAsNonRoot)) problem(where, 'runAsNonRoot is not true');
  if (sc.allowPrivilegeEscalation !== false) problem(where, 'allowPrivilegeEscalation is not false');
  if (!(sc.capabilities?.drop || []).includes('ALL')) problem(where, 'capabilities do not drop ALL');
  if (sc.readOnlyRootFilesystem !== true) problem(where, 'readOnlyRootFilesystem is not true');
  const seccomp = sc.seccompProfile?.type ?? podSc.seccompProfile?.type;
  if (seccomp !== 'RuntimeDefault') problem(where, 'seccompProfile is not RuntimeDefault');
}

function checkSidecarPod(deploy, byKind, where) {
  const spec = deploy.spec.template.spec;
  const podSc = spec.securityContext || {};
  const sidecar = (spec.initContainers || []).find((c) => c.name === 'genauth-sidecar');
  if (!sidecar) {
    problem(where, 'no init container named genauth-sidecar');
    return;
  }
  const at = `${where} initContainers[genauth-sidecar]`;
  if (sidecar.restartPolicy !== 'Always') problem(at, 'restartPolicy is not Always (native sidecar)');
  for (const p of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
    if (!sidecar[p]) problem(at, `no ${p}`);
  }
  for (const r of ['requests', 'limits']) {
    for (const k of ['cpu', 'memory']) {
      if (!sidecar.resources?.[r]?.[k]) problem(at, `no resources.${r}.${k}`);
    }
  }
  for (const c of [...(spec.initContainers || []), ...spec.containers]) {
    checkContainerSecurity(c, podSc, `${where} container ${c.name}`);
  }

  // Configuration: envFrom a ConfigMap of this render; the secret as a file from a Secret volume.
  const env = {};
  for (const ef of sidecar.envFrom || []) {
    const cm = byKind('ConfigMap').find((o) => o.metadata.name === ef.configMapRef?.name);
    if (!cm) problem(at, `envFrom ConfigMap ${ef.configMapRef?.name} is not in the render`);
    else Object.assign(env, cm.data);
  }
  for (const e of sidecar.env || []) {
    if (e.value !== undefined) env[e.name] = e.value;
    if (e.name === 'GENAUTH_ACCESS_KEY_SECRET') problem(at, 'the secret is an environment variable');
  }
  const secretFile = env.GENAUTH_ACCESS_KEY_SECRET_FILE;
  const volumes = Object.fromEntries((spec.volumes || []).map((v) => [v.name, v]));
  const mountOf = (c, file) => (c.volumeMounts || []).find((m) => file.startsWith(m.mountPath + '/'));
  if (!secretFile) {
    problem(at, 'GENAUTH_ACCESS_KEY_SECRET_FILE is not set');
  } else {
    const m = mountOf(sidecar, secretFile);
    if (!m || !volumes[m.name]?.secret) problem(at, `${secretFile} is not on a Secret volume`);
    else if (m.subPath) problem(at, 'the Secret is mounted with subPath (never updated on rotation)');
  }

  // Listening: loopback, or a unix socket in an emptyDir the app container mounts too.
  const listen = env.SIDECAR_GRPC_LISTEN || '127.0.0.1:50051';
  if (listen.startsWith('unix:')) {
    const socket = listen.slice('unix:'.length);
    const m = mountOf(sidecar, socket);
    if (!m || !volumes[m.name]?.emptyDir) problem(at, `${socket} is not in an emptyDir`);
    for (const c of spec.containers) {
      const cm = mountOf(c, socket);
      if (!cm || cm.name !== m?.name) problem(`${where} container ${c.name}`, `does not mount ${socket}`);
    }
  } else if (!isLoopbackListen(listen)) {
    problem(at, `SIDECAR_GRPC_LISTEN=${listen} is reachable from outside the pod`);
  }

  // Egress: a NetworkPolicy selecting this pod.
  const labels = deploy.spec.template.metadata.labels || {};
  const selects = (np) => Object.entries(np.spec.podSelector?.matchLabels || {})
    .every(([k, v]) => labels[k] === v);
  if (!byKind('NetworkPolicy').some((np) => selects(np) && np.spec.policyTypes?.includes('Egress'))) {
    problem(where, 'no egress NetworkPolicy selects the pod');
  }

  // Ingress: the admin endpoint listens beyond loopback (for the kubelet and Prometheus), so a
  // NetworkPolicy selecting the pod must admit the admin port only, and only from selected pods of
  // selected namespaces: no rule open to every source, every port, an address block or the gRPC
  // port. (The kubelet's probes come from the node, which NetworkPolicy always admits.)
  const adminListen = env.SIDECAR_ADMIN_LISTEN || '127.0.0.1:9464';
  const adminPortNumber = Number(adminListen.slice(adminListen.lastIndexOf(':') + 1));
  const adminPort = (sidecar.ports || []).find((p) => p.name === 'admin');
  if (adminListen !== 'off' && !isLoopbackListen(adminListen)) {
    if (adminPort?.containerPort !== adminPortNumber) {
      problem(at, `no container port named admin is ${adminPortNumber} (SIDECAR_ADMIN_LISTEN)`);
    }
    const ingress = byKind('NetworkPolicy')
      .filter((np) => selects(np) && np.spec.policyTypes?.includes('Ingress'));
    if (ingress.length === 0) {
      problem(where, `the admin endpoint listens on ${adminListen} and no ingress NetworkPolicy ` +
                     'selects the pod');
    }
    const hasLabels = (selector) => Object.keys(selector?.matchLabels || {}).length > 0 ||
                                    (selector?.matchExpressions || []).length > 0;
    for (const np of ingress) {
      const npAt = `${where} NetworkPolicy/${np.metadata.name}`;
      (np.spec.ingress || []).forEach((rule, i) => {
        const r = `${npAt} ingress[${i}]`;
        if (!rule.from || rule.from.length === 0) problem(r, 'admits every source (no from)');
        for (const peer of rule.from || []) {
          if (peer.ipBlock) problem(r, `admits the address block ${peer.ipBlock.cidr}`);
          if (!peer.ipBlock && (!hasLabels(peer.namespaceSelector) || !hasLabels(peer.podSelector))) {
            problem(r, 'a peer without both a namespace and a pod label selector admits too much');
          }
        }
        if (!rule.ports || rule.ports.length === 0) problem(r, 'admits every port (no ports)');
        for (const p of rule.ports || []) {
          if (p.port !== 'admin' && p.port !== adminPortNumber) {
            problem(r, `admits port ${p.port}, which is not the admin port`);
          }
          if (p.endPort !== undefined) problem(r, 'admits a port range');
        }
      });
    }
  }
}

// ---- main ---------------------------------------------------------------------------------------

for (const file of process.argv.slice(2)) {
  const docs = YAML.parseAllDocuments(fs.readFileSync(file, 'utf8'));
  const objects = [];
  for (const doc of docs) {
    if (doc.errors.length) problem(file, `YAML: ${doc.errors[0].message}`);
    const obj = doc.toJS();
    if (obj) objects.push(obj);
  }
  const byKind = (kind) => objects.filter((o) => o.kind === kind);
  for (const obj of objects) {
    const where = `${path.basename(file)} ${obj.kind}/${obj.metadata?.name}`;
    let modelPath;
    try {
      modelPath = require.resolve(`kubernetes-models/${obj.apiVersion}/${obj.kind}`);
    } catch (e) {
      problem(where, `no schema for ${obj.apiVersion} ${obj.kind}`);
      continue;
    }
    const Model = require(modelPath)[obj.kind];
    try {
      new Model(obj).validate();
    } catch (e) {
      problem(where, `schema: ${e.message}`);
    }
    checkFields(obj, modelPath.replace(/\.js$/, '.d.ts'), where);
  }
  for (const d of byKind('Deployment')) checkSidecarPod(d, byKind, `${path.basename(file)} Deployment/${d.metadata.name}`);
  console.log(`${file}: ${objects.length} objects (${objects.map((o) => o.kind).join(', ')})`);
}
for (const p of problems) console.log(`problem: ${p}`);
process.exitCode = problems.length === 0 ? 0 : 1;
