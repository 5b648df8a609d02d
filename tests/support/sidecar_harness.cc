// In-process sidecar + emulator harness (see sidecar_harness.h).
#include "support/sidecar_harness.h"

#include <gtest/gtest.h>

#include "app/server_options.h"
#include "config/config.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace genauth::testing {

SidecarHarness::SidecarHarness(HarnessOptions options)
    : options_(std::move(options)), log_sink_(std::make_shared<CapturedLogSink>()) {
  options_.emulator.access_key_id = kKeyId;
  options_.emulator.access_key_secret = kKeySecret;
  emulator_ = std::make_unique<emulator::Emulator>(options_.emulator);
  EXPECT_TRUE(emulator_->Start());
  emulator_->AddWebhook({{"webhookId", kWebhookId},
                         {"name", "harness"},
                         {"url", receiver_.url()},
                         {"contentType", "application/json"},
                         {"events", {"test"}},
                         {"enabled", true},
                         {"secret", "webhook-secret"}});

  auto sink_logger = std::make_shared<spdlog::logger>("harness", log_sink_);
  sink_logger->set_level(observability::ParseLogLevel(options_.log_level));
  logger_ = std::make_shared<observability::JsonLogger>(sink_logger, common::SystemClock::Get());

  // The sidecar's options come from a Config through the mapping main uses, so every test built
  // on the harness exercises it; then what only tests need (no Config setting exists for it).
  config::Config c;
  c.grpc_listen = "127.0.0.1:0";
  c.admin_listen.clear();  // tests that want it set sidecar_options().admin
  c.genauth_host =
      options_.upstream_override.empty() ? emulator_->base_url() : options_.upstream_override;
  c.access_key_id = kKeyId;
  c.access_key_secret = kKeySecret;
  c.lang = "en-US";
  c.max_attempts = 3;
  c.retry_base_delay = std::chrono::milliseconds(10);
  c.retry_max_delay = std::chrono::milliseconds(40);
  c.attempt_timeout = std::chrono::seconds(5);
  // The emulator serves a kept-alive connection per thread (32), and it delivers each trigger to
  // the test receiver, an httplib server with 8 threads and a listen backlog of 5: more connections
  // than that make the loopback test servers, not the sidecar, drop calls. GenAuth's own front end
  // takes thousands.
  c.upstream_max_connections = 8;
  c.shutdown_grace = std::chrono::seconds(2);
  // Tests stop the sidecar at once; the drain is tested where a test sets it.
  c.drain_delay = std::chrono::milliseconds(0);
  sidecar_options_ = app::ServerOptionsFromConfig(c);

  auto& o = sidecar_options_;
  // The emulator records this header: a test marker rather than the build's version.
  o.token_fetcher.sdk_version = "genauth-sidecar:test";
  o.client.sdk_version = "genauth-sidecar:test";
  o.token_cache.prefetch = options_.prefetch;
  o.token_cache.retry_base_delay = std::chrono::milliseconds(20);
  o.token_cache.retry_max_delay = std::chrono::milliseconds(100);
}

SidecarHarness::~SidecarHarness() {
  stub_.reset();
  channel_.reset();
  if (sidecar_) sidecar_->Shutdown();
  sidecar_.reset();
  emulator_->Stop();
}

void SidecarHarness::Start() {
  auto started =
      server::SidecarServer::Start(sidecar_options_, logger_, common::SystemClock::Get(), &random_);
  ASSERT_TRUE(started.ok()) << started.status();
  sidecar_ = *std::move(started);
  channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(sidecar_->port()),
                                 grpc::InsecureChannelCredentials());
  stub_ = genauth::management::v1::WebhookService::NewStub(channel_);
}

std::string SidecarHarness::Logs() const { return log_sink_->Text(); }

std::vector<std::string> SidecarHarness::LogLines() const {
  std::vector<std::string> lines;
  std::istringstream in(Logs());
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

grpc::Status SidecarHarness::Trigger(const genauth::management::v1::TriggerWebhookRequest& request,
                                     genauth::management::v1::TriggerWebhookResponse* response,
                                     std::chrono::milliseconds timeout) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + timeout);
  return stub_->TriggerWebhook(&context, request, response);
}

namespace {

bool Details(const grpc::Status& status, google::rpc::Status* out) {
  return !status.error_details().empty() && out->ParseFromString(status.error_details());
}

}  // namespace

std::map<std::string, std::string> ErrorInfoMetadata(const grpc::Status& status,
                                                     std::string* reason) {
  std::map<std::string, std::string> metadata;
  google::rpc::Status details;
  if (!Details(status, &details)) return metadata;
  for (const auto& any : details.details()) {
    google::rpc::ErrorInfo info;
    if (any.UnpackTo(&info)) {
      if (reason != nullptr) *reason = info.reason();
      for (const auto& [k, v] : info.metadata()) metadata[k] = v;
    }
  }
  return metadata;
}

bool HasRetryInfo(const grpc::Status& status, int64_t* delay_ms) {
  google::rpc::Status details;
  if (!Details(status, &details)) return false;
  for (const auto& any : details.details()) {
    google::rpc::RetryInfo info;
    if (any.UnpackTo(&info)) {
      if (delay_ms != nullptr) {
        *delay_ms = info.retry_delay().seconds() * 1000 + info.retry_delay().nanos() / 1000000;
      }
      return true;
    }
  }
  return false;
}

genauth::management::v1::TriggerWebhookRequest TriggerRequest() {
  genauth::management::v1::TriggerWebhookRequest request;
  request.set_webhook_id(kWebhookId);
  return request;
}

emulator::Fault SlowReply(std::chrono::milliseconds delay) {
  emulator::Fault fault;
  fault.pass_through = true;
  fault.delay = delay;
  return fault;
}

}  // namespace genauth::testing
