// The trivial WebhookService servers of genauth-grpc-floor: the floor under the sidecar's cost in
// `make bench`. Each serves the sidecar's real service name and methods and answers TriggerWebhook,
// GetWebhook and ListWebhooks at once with a prebuilt reply (floor_replies.h); requests stay
// unparsed bytes (raw methods), so a call costs what gRPC itself does and nothing more. The other
// five methods are not served (callback: UNIMPLEMENTED; CQ: never requested, so such a call waits
// for its deadline).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace genauth::bench {

enum class FloorApi {
  kCallback,  // generated callback service with raw methods, as the sidecar (callback, raw bytes)
  kCq,        // generated AsyncService with raw methods, `cq_threads` completion queues
};

struct FloorOptions {
  FloorApi api = FloorApi::kCallback;
  std::string listen_address = "127.0.0.1:0";
  // CQ API only: threads, each draining its own server completion queue.
  int cq_threads = 1;
  // Also switch on gRPC's default health service and server reflection, as the sidecar does
  // (reflection is a synchronous service, so the server then runs a sync thread pool too).
  bool health_and_reflection = false;
  // See BuildFloorReplies: the size of the payload echoed in TriggerWebhook's reply.
  size_t echo_bytes = 1024;
};

class FloorServer {
 public:
  virtual ~FloorServer() = default;
  // The bound port (the real one for port 0).
  virtual int port() const = 0;
  // Calls answered so far. Thread-safe.
  virtual uint64_t calls() const = 0;
  // Stops accepting, gives calls in flight up to a second, joins this server's threads. Idempotent;
  // the destructor calls it.
  virtual void Shutdown() = 0;
};

// Builds and starts the server; nullptr with `error` set when it cannot listen.
std::unique_ptr<FloorServer> StartFloorServer(const FloorOptions& options, std::string* error);

}  // namespace genauth::bench
