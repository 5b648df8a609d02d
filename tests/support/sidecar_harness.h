// An in-process sidecar wired to an in-process GenAuth emulator and a webhook receiver, all on
// loopback with port 0. Logs are captured in memory for assertions. One per test.
#pragma once

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "emulator/emulator.h"
#include "genauth/management/v1/webhook.grpc.pb.h"
#include "server/sidecar_server.h"
#include "support/captured_log_sink.h"
#include "support/webhook_receiver.h"

namespace genauth::testing {

inline constexpr char kWebhookId[] = "wh-test-1";
inline constexpr char kTriggerPath[] = "/api/v3/trigger-webhook";  // GenAuth's, on the emulator
inline constexpr char kKeyId[] = "harness-key-id";
inline constexpr char kKeySecret[] = "harness-SECRET-do-not-log-3f9c";

struct HarnessOptions {
  emulator::EmulatorOptions emulator;  // keys are filled in by the harness
  std::string log_level = "debug";
  bool prefetch = false;
  // Point the sidecar at this base URL instead of the emulator (e.g. a closed port).
  std::string upstream_override;
};

class SidecarHarness {
 public:
  explicit SidecarHarness(HarnessOptions options = {});
  ~SidecarHarness();

  // Options the sidecar starts with; tests may edit them before Start().
  server::SidecarServerOptions& sidecar_options() { return sidecar_options_; }
  // Starts the sidecar (the emulator and receiver already run). Fails the test on error.
  void Start();

  emulator::Emulator& emulator() { return *emulator_; }
  WebhookReceiver& receiver() { return receiver_; }
  server::SidecarServer& sidecar() { return *sidecar_; }
  genauth::management::v1::WebhookService::Stub& stub() { return *stub_; }
  std::shared_ptr<grpc::Channel> channel() { return channel_; }

  // Everything the sidecar logged so far, one JSON object per line.
  std::vector<std::string> LogLines() const;
  std::string Logs() const;

  // A trigger call with a deadline `timeout` from now.
  grpc::Status Trigger(const genauth::management::v1::TriggerWebhookRequest& request,
                       genauth::management::v1::TriggerWebhookResponse* response,
                       std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));

 private:
  HarnessOptions options_;
  WebhookReceiver receiver_;
  std::unique_ptr<emulator::Emulator> emulator_;
  std::shared_ptr<CapturedLogSink> log_sink_;
  std::shared_ptr<observability::JsonLogger> logger_;
  common::SystemRandom random_;
  server::SidecarServerOptions sidecar_options_;
  std::unique_ptr<server::SidecarServer> sidecar_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<genauth::management::v1::WebhookService::Stub> stub_;
};

// A TriggerWebhook request for kWebhookId, without a body.
genauth::management::v1::TriggerWebhookRequest TriggerRequest();

// An emulator fault that lets the request through but answers only after `delay`.
emulator::Fault SlowReply(std::chrono::milliseconds delay);

// Metadata of the google.rpc.ErrorInfo detail in `status` (empty when none); `reason` if asked.
std::map<std::string, std::string> ErrorInfoMetadata(const grpc::Status& status,
                                                     std::string* reason = nullptr);
// Whether `status` carries a google.rpc.RetryInfo detail; its delay in `delay_ms` if so.
bool HasRetryInfo(const grpc::Status& status, int64_t* delay_ms = nullptr);

}  // namespace genauth::testing
