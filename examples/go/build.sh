#!/usr/bin/env bash
# Builds examples/go into OUT_DIR/trigger_webhook (default build/examples/go), offline, from Debian's
# packaged Go sources (/usr/share/gocode): golang-go, golang-google-grpc-dev,
# golang-google-protobuf-dev, golang-github-golang-protobuf-1-5-dev, golang-google-genproto-dev,
# protoc-gen-go and protoc-gen-go-grpc. The stubs are generated into OUT_DIR/gopath (never
# committed) at the import path of webhook.proto's go_package, and the program is built in GOPATH
# mode, so no module proxy is needed.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=${1:-$ROOT/build/examples/go}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
GOOGLEAPIS=${GOOGLEAPIS:-/usr/share/gocode/src/github.com/gogo/googleapis}  # golang-github-gogo-googleapis-dev

# The googleapis .proto files come from gogo's copy, whose go_package is not an import path: map
# google.api to the packaged genproto Go package.
MAP=Mgoogle/api/annotations.proto=google.golang.org/genproto/googleapis/api/annotations
MAP=$MAP,Mgoogle/api/http.proto=google.golang.org/genproto/googleapis/api/annotations
mkdir -p "$OUT/gopath/src"
protoc -I "$ROOT/proto" -I "$GOOGLEAPIS" \
  --go_out="$MAP:$OUT/gopath/src" --go-grpc_out="$MAP:$OUT/gopath/src" \
  genauth/management/v1/webhook.proto genauth/management/v1/field_rules.proto

cd "$HERE"
GO111MODULE=off GOPATH="$OUT/gopath:/usr/share/gocode" GOPROXY=off GOFLAGS='' \
  GOCACHE="${GOCACHE:-$OUT/cache}" \
  go build -o "$OUT/trigger_webhook" .
