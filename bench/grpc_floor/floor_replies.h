// The fixed replies of genauth-grpc-floor, serialized once at start-up so that answering a call
// copies a reference-counted buffer and builds or parses nothing.
#pragma once

#include <cstddef>

#include "grpcpp/support/byte_buffer.h"

namespace genauth::bench {

struct FloorReplies {
  // TriggerWebhookResponse shaped like the sidecar's reply in `make bench`: the emulator's
  // data.response, i.e. the webhook receiver's {"received": true, "echo": <request_body>}, where
  // request_body is genauth-loadgen's payload of `echo_bytes` (so the reply has the same size).
  grpc::ByteBuffer trigger;
  grpc::ByteBuffer get;   // a Webhook with an id, a name and a URL
  grpc::ByteBuffer list;  // ListWebhooksResponse holding that webhook, total 1
};

// `echo_bytes` is genauth-loadgen's --payload-bytes; 0 leaves the echo out ({"received": true}).
FloorReplies BuildFloorReplies(size_t echo_bytes);

}  // namespace genauth::bench
