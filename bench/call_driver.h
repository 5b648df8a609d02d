// The seam between the open-loop scheduler and a transport: the scheduler hands each request to
// a CallDriver at its scheduled time, and the driver reports its completion to the sink, from
// any thread. Two drivers exist: gRPC to the sidecar (grpc_driver.h) and REST to GenAuth or the
// emulator directly (rest_driver.h).
#pragma once

#include <cstdint>
#include <string>

#include "workload.h"

namespace genauth::bench {

// One request as scheduled. Times are steady_clock nanoseconds since its epoch.
struct CallSpec {
  uint64_t index = 0;
  RpcKind kind = RpcKind::kTrigger;
  int64_t scheduled_ns = 0;  // when the request was due: latency is measured from here
  bool measured = false;     // after the warm-up and inside the measured window
};

class CompletionSink {
 public:
  virtual ~CompletionSink() = default;
  // `status`: a gRPC code name ("OK", "UNAVAILABLE"), or in REST mode the HTTP status and, when
  // the envelope's statusCode differs from 200, "http 200 / genauth 404"; transport failures are
  // "error: <what>". Called exactly once per started call, from any thread.
  virtual void OnCompleted(const CallSpec& call, int64_t completed_ns,
                           const std::string& status) = 0;
};

class CallDriver {
 public:
  virtual ~CallDriver() = default;
  // Starts `call`; returns quickly (the scheduler's timing depends on it). Thread: the scheduler.
  virtual void Start(const CallSpec& call) = 0;
  // Stops the driver's threads once every started call has completed (or the drain gave up:
  // then the remaining calls are cancelled and still reported). Called once.
  virtual void Shutdown() = 0;
};

// steady_clock now, in nanoseconds since its epoch.
int64_t NowNanos();

}  // namespace genauth::bench
