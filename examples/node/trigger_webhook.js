#!/usr/bin/env node
// Triggers a GenAuth webhook through genauth-sidecar and reports errors with their ErrorInfo detail.
//
//   npm ci --prefix examples/node
//   node examples/node/trigger_webhook.js --webhook-id wh-1 \
//       --body '{"eventName": "user:created", "data": {"id": "u1"}}'
//
// Prints the response as JSON and exits 0; on error prints the gRPC code, the message and the decoded
// details to stderr and exits 1. The .proto files are loaded at run time (nothing is generated): the
// repo's proto/ folder and the googleapis protos of Debian's golang-github-gogo-googleapis-dev.
//
// Two metadata entries (docs/api.md, "Metadata"): an `idempotency-key` — one per logical trigger,
// sent again unchanged with every retry of it, so the webhook fires once however often you retry —
// and, when given, a W3C `traceparent` to continue (OpenTelemetry's gRPC instrumentation adds it).
'use strict';

const {randomUUID} = require('node:crypto');
const path = require('node:path');
const {parseArgs} = require('node:util');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const protobuf = require('protobufjs');

const PROTO_DIR = process.env.GENAUTH_PROTO_DIR || path.join(__dirname, '..', '..', 'proto');
const GOOGLEAPIS_DIR = process.env.GOOGLEAPIS_DIR || '/usr/share/gocode/src/github.com/gogo/googleapis';
// The standard trailer in which a gRPC server sends a google.rpc.Status with typed error details.
const STATUS_DETAILS_KEY = 'grpc-status-details-bin';

// --- The client: proto-loader reads webhook.proto; grpc-js makes a typed client from it. ---
const packageDefinition = protoLoader.loadSync('genauth/management/v1/webhook.proto', {
  includeDirs: [PROTO_DIR, GOOGLEAPIS_DIR],
  oneofs: true, // a google.protobuf.Value says which of its fields is set in `kind`
});
const {WebhookService} = grpc.loadPackageDefinition(packageDefinition).genauth.management.v1;

// --- google.rpc.Status and its details, decoded with protobufjs (proto-loader's own engine). ---
const errorTypes = protobuf.loadSync(
  ['status.proto', 'error_details.proto'].map((file) => path.join(GOOGLEAPIS_DIR, 'google', 'rpc', file)));
const Status = errorTypes.lookupType('google.rpc.Status');

// proto-loader sends a google.protobuf.Struct as {fields: {name: Value}}, not as a plain object:
// these convert between JSON values and Struct/Value messages.
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

function fromValue(value) {
  if (!value || !value.kind) return null;
  switch (value.kind) {
    case 'listValue': return (value.listValue.values || []).map(fromValue);
    case 'structValue': return fromStruct(value.structValue);
    case 'nullValue': return null;
    default: return value[value.kind];
  }
}

function fromStruct(struct) {
  const fields = (struct && struct.fields) || {};
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, fromValue(v)]));
}

// Prints a failed call: its code, message and every detail of its google.rpc.Status.
function printError(err) {
  console.error(`error: ${grpc.status[err.code] || err.code}: ${err.details}`); // e.g. NOT_FOUND
  const blobs = err.metadata ? err.metadata.get(STATUS_DETAILS_KEY) : [];
  for (const blob of blobs) {
    for (const any of Status.decode(blob).details) {
      const typeName = any.type_url.slice(any.type_url.lastIndexOf('/') + 1);
      const type = errorTypes.lookup(typeName);
      const detail = type instanceof protobuf.Type
        ? type.toObject(type.decode(any.value), {longs: Number}) : null;
      if (typeName === 'google.rpc.ErrorInfo') {
        console.error(`  reason: ${detail.reason} (domain ${detail.domain})`);
        const metadata = detail.metadata || {}; // statusCode, apiCode, requestId, ...
        for (const name of Object.keys(metadata).sort()) {
          console.error(`  metadata: ${name}=${metadata[name]}`);
        }
      } else if (typeName === 'google.rpc.RetryInfo') {
        const delay = detail.retryDelay || {};
        console.error(`  retry after: ${(delay.seconds || 0) + (delay.nanos || 0) / 1e9}s`);
      } else {
        console.error(`  detail: ${any.type_url}`);
      }
    }
  }
}

function usage(message) {
  console.error(`trigger_webhook.js: ${message}
usage: node trigger_webhook.js [--target HOST:PORT] --webhook-id ID [--body JSON] [--timeout SECONDS]
       [--idempotency-key KEY] [--traceparent TRACEPARENT] [--attempts N]`);
  process.exit(2);
}

function parseCommandLine() {
  let values;
  try {
    ({values} = parseArgs({
      options: {
        'target': {type: 'string', default: '127.0.0.1:50051'},
        'webhook-id': {type: 'string'},
        'body': {type: 'string'},
        'timeout': {type: 'string', default: '5'},
        'idempotency-key': {type: 'string'},
        'traceparent': {type: 'string'},
        'attempts': {type: 'string', default: '3'},
      },
    }));
  } catch (e) {
    usage(e.message);
  }
  if (values['webhook-id'] === undefined) usage('--webhook-id is required');
  const timeout = Number(values.timeout);
  if (!(timeout > 0)) usage('--timeout must be a positive number of seconds');
  const attempts = Number(values.attempts);
  if (!Number.isInteger(attempts) || attempts < 1) usage('--attempts must be a positive integer');
  let body;
  if (values.body !== undefined) {
    try {
      body = JSON.parse(values.body);
    } catch (e) {
      usage(`--body is not JSON: ${e.message}`);
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      usage('--body must be a JSON object');
    }
  }
  return {
    target: values.target,
    webhookId: values['webhook-id'],
    body,
    timeout,
    idempotencyKey: values['idempotency-key'],
    traceparent: values.traceparent,
    attempts,
  };
}

function main() {
  const args = parseCommandLine();
  const client = new WebhookService(args.target, grpc.credentials.createInsecure());
  const request = {webhookId: args.webhookId};
  if (args.body !== undefined) request.requestBody = toStruct(args.body);
  // One key per logical trigger: a retry of this trigger must send the same key (keep it with the
  // work item), and then gets the first call's answer instead of firing the webhook again.
  const metadata = new grpc.Metadata();
  metadata.set('idempotency-key', args.idempotencyKey || randomUUID());
  if (args.traceparent) metadata.set('traceparent', args.traceparent);
  // Retried on the codes that mean "try again" — also DEADLINE_EXCEEDED, after which the trigger
  // may have fired: with the same key, a retry joins the first call (carried on by the sidecar) or
  // gets its answer, so the webhook fires at most once.
  const retryable = [grpc.status.DEADLINE_EXCEEDED, grpc.status.UNAVAILABLE,
    grpc.status.RESOURCE_EXHAUSTED];
  const attempt = (n) => {
    // Always set a deadline: it bounds the sidecar's whole call, retries included.
    const deadline = new Date(Date.now() + args.timeout * 1000);
    client.triggerWebhook(request, metadata, {deadline}, (err, reply) => {
      if (err && retryable.includes(err.code) && n < args.attempts) {
        console.error(`attempt ${n}: ${grpc.status[err.code]}; retrying with the same key`);
        setTimeout(() => attempt(n + 1), 200 * n);
        return;
      }
      client.close();
      if (err) {
        printError(err);
        process.exitCode = 1;
        return;
      }
      // reply.response is what the webhook's URL answered (a google.protobuf.Value).
      console.log(JSON.stringify({response: fromValue(reply.response)}, null, 2));
    });
  };
  attempt(1);
}

main();
