// Via-sidecar mode: each request is an asynchronous unary call on the generated WebhookService
// stub (CompletionQueue API), over `channels` HTTP/2 channels as an application's gRPC client
// would hold them. One thread drains the completion queue per channel; the scheduler thread only
// serializes and starts calls, so sending never waits for a reply.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "call_driver.h"
#include "genauth/management/v1/webhook.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "workload.h"

namespace genauth::bench {

struct GrpcDriverOptions {
  std::string target;  // host:port or unix:/path
  int channels = 1;
  std::chrono::milliseconds timeout{5000};  // each call's deadline
  // Metadata on every call: a unique `idempotency-key` ("<run id>-<index>"; the run id keeps
  // two runs against one sidecar from replaying each other), and a W3C `traceparent` with a new
  // trace id per call.
  bool idempotency_keys = false;
  bool traceparent = false;
};

class GrpcDriver final : public CallDriver {
 public:
  // `workload` and `sink` must outlive the driver.
  GrpcDriver(const GrpcDriverOptions& options, const Workload* workload, CompletionSink* sink);
  ~GrpcDriver() override;

  // Waits up to `timeout` for every channel to connect; false if one did not.
  bool WaitForReady(std::chrono::milliseconds timeout);

  void Start(const CallSpec& call) override;
  void Shutdown() override;

 private:
  struct Lane {  // one channel, its stub, its completion queue and the thread draining it
    std::shared_ptr<grpc::Channel> channel;
    std::unique_ptr<management::v1::WebhookService::Stub> stub;
    grpc::CompletionQueue queue;
    std::thread poller;
  };
  void Poll(Lane* lane);

  const GrpcDriverOptions options_;
  const Workload* const workload_;
  CompletionSink* const sink_;
  std::vector<std::unique_ptr<Lane>> lanes_;
  std::string run_id_;  // prefix of the idempotency keys
  bool shut_down_ = false;
};

}  // namespace genauth::bench
