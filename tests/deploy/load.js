// Bounded load for scripts/measure-resources.sh: CALLS TriggerWebhook calls to the sidecar at
// TARGET, CONCURRENCY at a time, over one HTTP/2 channel as an app's gRPC client would. Prints one
// JSON line {calls, ok, failed, seconds, callsPerSecond, p50Ms, p99Ms, errors}; exits 1 when any
// call failed.
//   node load.js TARGET CALLS CONCURRENCY WEBHOOK_ID
'use strict';
const path = require('path');
const grpc = require('@grpc/grpc-js');
const loader = require('@grpc/proto-loader');

const [target, callsArg, concurrencyArg, webhookId] = process.argv.slice(2);
const calls = Number(callsArg);
const concurrency = Number(concurrencyArg);
const def = loader.loadSync('genauth/management/v1/webhook.proto', {
  includeDirs: [path.join(__dirname, '../../proto'),
    '/usr/share/gocode/src/github.com/gogo/googleapis'],
});
const {WebhookService} = grpc.loadPackageDefinition(def).genauth.management.v1;
const client = new WebhookService(target, grpc.credentials.createInsecure());

const latencies = [];
let started = 0;
let failed = 0;
const errors = {};  // gRPC code name -> count
const body = {fields: {eventName: {stringValue: 'measure'}}};

function one() {
  if (started >= calls) return Promise.resolve();
  started += 1;
  const t0 = process.hrtime.bigint();
  return new Promise((resolve) => {
    client.triggerWebhook({webhookId, requestBody: body}, {deadline: Date.now() + 10000}, (err) => {
      if (err) {
        failed += 1;
        const name = grpc.status[err.code] || String(err.code);
        errors[name] = (errors[name] || 0) + 1;
      }
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      resolve();
    });
  }).then(one);
}

const begin = process.hrtime.bigint();
Promise.all(Array.from({length: concurrency}, one)).then(() => {
  const seconds = Number(process.hrtime.bigint() - begin) / 1e9;
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
  console.log(JSON.stringify({calls, ok: calls - failed, failed, seconds: +seconds.toFixed(2),
    callsPerSecond: Math.round(calls / seconds), p50Ms: +pct(0.5).toFixed(2),
    p99Ms: +pct(0.99).toFixed(2), errors}));
  client.close();
  process.exitCode = failed === 0 ? 0 : 1;
});
