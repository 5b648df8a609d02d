// One unary gRPC call made from descriptors alone (grpc::GenericStub over protobuf messages), so
// the CLI needs no generated stub per RPC.
#pragma once

#include <chrono>
#include <string>

#include "cli/method_registry.h"
#include "google/protobuf/message.h"
#include "grpcpp/support/status.h"

namespace genauth::cli {

struct CallOptions {
  std::string target;                  // gRPC target: "host:port" or "unix:/path"
  std::chrono::nanoseconds timeout{};  // the call's deadline, from when the call starts; > 0
  // Wait (until the deadline) for the server to become reachable instead of failing fast with
  // UNAVAILABLE: for scripts that start the sidecar and call it right away.
  bool wait_for_ready = false;
};

// Calls `method` on a fresh insecure channel (the sidecar listens on the pod's loopback only) and
// fills `response` on success. Blocks until the call completes or its deadline passes.
grpc::Status CallUnary(const CallOptions& options, const ResolvedMethod& method,
                       const google::protobuf::Message& request,
                       google::protobuf::Message* response);

}  // namespace genauth::cli
