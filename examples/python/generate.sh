#!/usr/bin/env bash
# Generates the Python modules trigger_webhook.py imports into OUT_DIR (default build/examples/python):
# messages (protoc --python_out) and the WebhookService stub (grpc_python_plugin), from the repo's
# protos and the googleapis ones (google.api annotations, google.rpc.Status and ErrorInfo).
# Generated code is never committed; run this again after a .proto changes.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=${1:-$ROOT/build/examples/python}
GOOGLEAPIS=${GOOGLEAPIS:-/usr/share/gocode/src/github.com/gogo/googleapis}  # golang-github-gogo-googleapis-dev

mkdir -p "$OUT"
protoc -I "$ROOT/proto" -I "$GOOGLEAPIS" \
  --python_out="$OUT" \
  --grpc_python_out="$OUT" --plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin \
  genauth/management/v1/webhook.proto genauth/management/v1/field_rules.proto
protoc -I "$GOOGLEAPIS" --python_out="$OUT" \
  google/api/annotations.proto google/api/http.proto \
  google/rpc/status.proto google/rpc/error_details.proto
