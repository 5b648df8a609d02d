#!/usr/bin/env node
// The Node.js comparison of `make bench`: what a Node.js service pays to trigger a webhook
// through the official SDK (authing-node-sdk 4.0.1, AK/SK-signed HTTPS to GenAuth) versus through
// genauth-sidecar with @grpc/grpc-js. Open loop, like genauth-loadgen: request i is due at
// start + i / rate, its latency is measured from that due time, and the first --warmup is not
// measured. Node's timers tick about once a millisecond, so requests leave in small batches; both
// modes share that, and the latencies include it.
//
//   node loadgen.js --mode sdk --emulator https://127.0.0.1:P --access-key-id ID \
//        --access-key-secret-file F [--rate 1000 --duration 20 --warmup 5 --payload-bytes 1024]
//   node loadgen.js --mode sidecar --target 127.0.0.1:G [same schedule flags]
//   common: --webhook-id ID --json-out PATH --label TEXT --sample-pid NAME=PID
//           --concurrency-limit N --timeout-ms N --proto-root DIR
// Writes one JSON object (latency percentiles, achieved rate, status counts, the CPU the node
// process and each --sample-pid used over the measured window) to --json-out and a summary line
// to stdout. Bounded: rate × (warmup + duration) requests, then at most timeout + 1 s of drain.
'use strict';

const fs = require('fs');
const path = require('path');

function parseArgs(argv) {
  const args = {
    mode: '', emulator: '', target: '', accessKeyId: '', accessKeySecretFile: '',
    webhookId: 'wh-bench', rate: 1000, duration: 20, warmup: 5, payloadBytes: 1024,
    concurrencyLimit: 10000, timeoutMs: 5000, jsonOut: '', label: '', samplePids: [],
    protoRoot: path.resolve(__dirname, '..', '..', 'proto'),
    googleapis: '/usr/share/gocode/src/github.com/gogo/googleapis',
  };
  const numbers = new Set(['rate', 'duration', 'warmup', 'payloadBytes', 'concurrencyLimit',
    'timeoutMs']);
  for (let i = 0; i < argv.length; i++) {
    let [name, value] = argv[i].split(/=(.*)/s);
    if (value === undefined) value = argv[++i];
    const key = name.replace(/^--/, '').replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (value === undefined) fail(`${name} needs a value`);
    if (key === 'samplePid') {
      const [label, pid] = value.split('=');
      args.samplePids.push({name: label, pid: Number(pid)});
    } else if (key in args) {
      args[key] = numbers.has(key) ? Number(value) : value;
      if (numbers.has(key) && !(args[key] >= 0)) fail(`${name} must be a number`);
    } else {
      fail(`unknown flag ${name}`);
    }
  }
  if (args.mode !== 'sdk' && args.mode !== 'sidecar') fail('--mode must be sdk or sidecar');
  if (!(args.rate > 0 && args.rate <= 100000)) fail('--rate must be in (0, 100000]');
  if (!(args.duration > 0 && args.duration <= 3600)) fail('--duration must be in (0, 3600]');
  return args;
}

function fail(message) {
  console.error(`loadgen.js: ${message}`);
  process.exit(2);
}

// {eventName, data: {pad}} whose JSON text is `bytes` long, as genauth-loadgen sends.
function payload(bytes) {
  const body = {data: {pad: ''}, eventName: 'bench'};
  const skeleton = JSON.stringify(body).length;
  if (bytes > skeleton) body.data.pad = 'x'.repeat(bytes - skeleton);
  return body;
}

function toValue(json) {
  if (json === null) return {nullValue: 'NULL_VALUE'};
  if (Array.isArray(json)) return {listValue: {values: json.map(toValue)}};
  switch (typeof json) {
    case 'number': return {numberValue: json};
    case 'string': return {stringValue: json};
    case 'boolean': return {boolValue: json};
    default: return {structValue: toStruct(json)};
  }
}

function toStruct(object) {
  return {fields: Object.fromEntries(Object.entries(object).map(([k, v]) => [k, toValue(v)]))};
}

// The call to make for one request: resolves to a status string ("OK"/"200" on success).
function makeCaller(args) {
  const headers = {'x-bench': '1'};
  const body = payload(args.payloadBytes);
  if (args.mode === 'sdk') {
    const {ManagementClient} = require('authing-node-sdk');
    const secret = fs.readFileSync(args.accessKeySecretFile, 'utf8').trim();
    const client = new ManagementClient({
      accessKeyId: args.accessKeyId, accessKeySecret: secret, host: args.emulator,
      timeout: args.timeoutMs,
    });
    return async () => {
      try {
        const envelope = await client.triggerWebhook({
          webhookId: args.webhookId, requestHeaders: headers, requestBody: body,
        });
        const status = envelope && envelope.statusCode;
        return status === 200 ? '200' : `genauth ${status}`;
      } catch (err) {
        return `error: ${err.code || err.message}`;
      }
    };
  }
  const grpc = require('@grpc/grpc-js');
  const protoLoader = require('@grpc/proto-loader');
  const def = protoLoader.loadSync('genauth/management/v1/webhook.proto',
    {includeDirs: [args.protoRoot, args.googleapis], oneofs: true});
  const {WebhookService} = grpc.loadPackageDefinition(def).genauth.management.v1;
  const client = new WebhookService(args.target, grpc.credentials.createInsecure());
  const request = {webhookId: args.webhookId, requestHeaders: toStruct(headers),
    requestBody: toStruct(body)};
  return () => new Promise((resolve) => {
    client.triggerWebhook(request, {deadline: Date.now() + args.timeoutMs}, (err) => {
      resolve(err ? (grpc.status[err.code] || `code ${err.code}`) : 'OK');
    });
  });
}

// utime + stime of /proc/PID/stat in seconds, or null.
function cpuSeconds(pid) {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;  // fields 14 and 15; CLK_TCK 100
  } catch (err) {
    return null;
  }
}

function percentile(sorted, p) {
  if (sorted.length === 0) return 0;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1];
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const call = makeCaller(args);
  // One call before the clock starts: connections, TLS and (sidecar) the channel are set up.
  const first = await call();
  if (first !== 'OK' && first !== '200') fail(`the first call failed: ${first}`);

  const periodNs = 1e9 / args.rate;
  const total = Math.floor(args.rate * (args.warmup + args.duration));
  const start = process.hrtime.bigint() + 100000000n;
  const windowStart = start + BigInt(Math.round(args.warmup * 1e9));
  const windowEnd = windowStart + BigInt(Math.round(args.duration * 1e9));
  const latencies = [];
  const statusCounts = {};
  let next = 0;
  let outstanding = 0;
  let dropped = 0;
  let scheduled = 0;
  let cpuStart = null;
  let windowStarted = 0n;
  const samples = [{name: 'node', pid: process.pid}, ...args.samplePids];

  const dueAt = (i) => start + BigInt(Math.round(i * periodNs));
  const launch = (i) => {
    const due = dueAt(i);
    const measured = due >= windowStart && due < windowEnd;
    if (measured) scheduled += 1;
    if (outstanding >= args.concurrencyLimit) {
      if (measured) dropped += 1;
      return;
    }
    outstanding += 1;
    call().then((status) => {
      outstanding -= 1;
      if (!measured) return;
      latencies.push(Number(process.hrtime.bigint() - due) / 1e6);
      statusCounts[status] = (statusCounts[status] || 0) + 1;
    });
  };

  let cpuEnd = null;
  let windowEnded = 0n;
  await new Promise((resolve) => {
    const tick = () => {
      const now = process.hrtime.bigint();
      if (cpuStart === null && now >= windowStart) {
        cpuStart = samples.map((s) => cpuSeconds(s.pid));
        windowStarted = now;
      }
      if (cpuEnd === null && now >= windowEnd) {
        cpuEnd = samples.map((s) => cpuSeconds(s.pid));
        windowEnded = now;
      }
      while (next < total && dueAt(next) <= now) launch(next++);
      if (next >= total && cpuEnd !== null) return resolve();
      setTimeout(tick, 1);
    };
    tick();
  });
  const drainUntil = Date.now() + args.timeoutMs + 1000;
  while (outstanding > 0 && Date.now() < drainUntil) {
    await new Promise((r) => setTimeout(r, 10));
  }

  latencies.sort((a, b) => a - b);
  const round = (x) => Math.round(x * 1000) / 1000;
  const windowSeconds = Number(windowEnded - windowStarted) / 1e9;
  const ok = (statusCounts.OK || 0) + (statusCounts['200'] || 0);
  const result = {
    tool: 'bench/node/loadgen.js', label: args.label, mode: args.mode,
    client: args.mode === 'sdk' ? 'authing-node-sdk 4.0.1 (AK/SK signature, HTTPS)' :
      '@grpc/grpc-js 1.14.7 via genauth-sidecar',
    rpc: 'trigger', payload_bytes: args.payloadBytes, rate_target: args.rate,
    warmup_s: args.warmup, duration_s: args.duration, scheduled, completed: latencies.length,
    ok, failed: latencies.length - ok, dropped, unfinished: outstanding,
    achieved_rate: Math.round((latencies.length / args.duration) * 10) / 10,
    latency_ms: {
      count: latencies.length, min: round(latencies[0] || 0),
      mean: round(latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length)),
      p50: round(percentile(latencies, 50)), p90: round(percentile(latencies, 90)),
      p99: round(percentile(latencies, 99)), p99_9: round(percentile(latencies, 99.9)),
      max: round(latencies[latencies.length - 1] || 0),
    },
    status_counts: statusCounts,
    processes: samples.map((s, i) => {
      const cpu = cpuStart[i] !== null && cpuEnd[i] !== null ? cpuEnd[i] - cpuStart[i] : null;
      return {name: s.name, pid: s.pid, cpu_seconds: cpu,
        mcpu: cpu === null ? null : Math.round((1000 * cpu) / windowSeconds)};
    }),
  };
  if (args.jsonOut) fs.writeFileSync(args.jsonOut, JSON.stringify(result, null, 2) + '\n');
  const l = result.latency_ms;
  console.log(`${args.mode}: ${result.achieved_rate}/s, p50 ${l.p50} p90 ${l.p90} p99 ${l.p99} ` +
    `p99.9 ${l.p99_9} ms, status ${JSON.stringify(statusCounts)}, ` +
    `node ${result.processes[0].mcpu} mCPU`);
  process.exit(0);
}

main().catch((err) => {
  console.error(`loadgen.js: ${err.stack || err}`);
  process.exit(1);
});
