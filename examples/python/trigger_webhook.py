#!/usr/bin/python3
"""Triggers a GenAuth webhook through genauth-sidecar and reports errors with their ErrorInfo detail.

Needs Debian's python3-grpcio and python3-protobuf (run it with /usr/bin/python3) and the stubs made by
generate.sh on PYTHONPATH; see README.md:

    examples/python/generate.sh build/examples/python
    PYTHONPATH=build/examples/python /usr/bin/python3 examples/python/trigger_webhook.py \
        --webhook-id wh-1 --body '{"eventName": "user:created", "data": {"id": "u1"}}'

Prints the response as JSON and exits 0; on error prints the gRPC code, the message and the decoded
details to stderr and exits 1.

Two metadata entries (docs/api.md, "Metadata"): an `idempotency-key` — one per logical trigger, sent
again unchanged with every retry of it, so the webhook fires once however often you retry — and, when
given, a W3C `traceparent` to continue (with OpenTelemetry, its gRPC instrumentation adds it for you).
"""

import argparse
import json
import sys
import time
import uuid

import grpc
from google.protobuf import json_format, struct_pb2
from google.rpc import error_details_pb2, status_pb2

from genauth.management.v1 import webhook_pb2, webhook_pb2_grpc

# The standard trailer in which a gRPC server sends a google.rpc.Status with typed error details.
STATUS_DETAILS_KEY = "grpc-status-details-bin"


def parse_args():
    parser = argparse.ArgumentParser(description="Trigger a GenAuth webhook through genauth-sidecar.")
    parser.add_argument("--target", default="127.0.0.1:50051", help="the sidecar's host:port")
    parser.add_argument("--webhook-id", required=True, help="the GenAuth webhook id")
    parser.add_argument("--body", default=None, help="JSON object GenAuth POSTs to the webhook's URL")
    parser.add_argument("--timeout", type=float, default=5.0, help="deadline of the call, in seconds")
    parser.add_argument("--idempotency-key", default=None,
                        help="the trigger's idempotency key (default: a new UUID); reuse it to retry")
    parser.add_argument("--traceparent", default=None, help="a W3C traceparent to continue")
    parser.add_argument("--attempts", type=int, default=3,
                        help="tries in all, the retries with the same idempotency key (default 3)")
    args = parser.parse_args()
    if args.body is not None:
        try:
            args.body = json.loads(args.body)
        except json.JSONDecodeError as e:
            parser.error(f"--body is not JSON: {e}")
        if not isinstance(args.body, dict):
            parser.error("--body must be a JSON object")
    return args


def print_error(err):
    """Prints a failed call: its code, message and every detail of its google.rpc.Status."""
    print(f"error: {err.code().name}: {err.details()}", file=sys.stderr)
    for key, value in err.trailing_metadata() or ():
        if key != STATUS_DETAILS_KEY:
            continue
        status = status_pb2.Status.FromString(value)
        for detail in status.details:  # each is a google.protobuf.Any
            info = error_details_pb2.ErrorInfo()
            retry = error_details_pb2.RetryInfo()
            if detail.Unpack(info):
                print(f"  reason: {info.reason} (domain {info.domain})", file=sys.stderr)
                for name in sorted(info.metadata):  # statusCode, apiCode, requestId, ...
                    print(f"  metadata: {name}={info.metadata[name]}", file=sys.stderr)
            elif detail.Unpack(retry):
                print(f"  retry after: {retry.retry_delay.ToTimedelta().total_seconds()}s", file=sys.stderr)
            else:
                print(f"  detail: {detail.type_url}", file=sys.stderr)


def main():
    args = parse_args()
    request = webhook_pb2.TriggerWebhookRequest(webhook_id=args.webhook_id)
    if args.body is not None:
        body = struct_pb2.Struct()
        body.update(args.body)
        request.request_body.CopyFrom(body)

    # One key per logical trigger: a retry of this trigger must send the same key (keep it with the
    # work item), and then gets the first call's answer instead of firing the webhook again.
    metadata = [("idempotency-key", args.idempotency_key or str(uuid.uuid4()))]
    if args.traceparent:
        metadata.append(("traceparent", args.traceparent))

    # Retried on the codes that mean "try again" — also DEADLINE_EXCEEDED, after which the trigger
    # may have fired: with the same key, a retry joins the first call (carried on by the sidecar)
    # or gets its answer, so the webhook fires at most once.
    retryable = (grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.UNAVAILABLE,
                 grpc.StatusCode.RESOURCE_EXHAUSTED)
    with grpc.insecure_channel(args.target) as channel:
        stub = webhook_pb2_grpc.WebhookServiceStub(channel)
        for attempt in range(1, max(1, args.attempts) + 1):
            try:
                # Always set a deadline: it bounds the sidecar's whole call, retries included.
                reply = stub.TriggerWebhook(request, timeout=args.timeout, metadata=metadata)
                break
            except grpc.RpcError as err:
                if err.code() not in retryable or attempt >= args.attempts:
                    print_error(err)
                    return 1
                print(f"attempt {attempt}: {err.code().name}; retrying with the same key",
                      file=sys.stderr)
                time.sleep(0.2 * attempt)
    # reply.response is what the webhook's URL answered (a google.protobuf.Value).
    print(json_format.MessageToJson(reply, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
