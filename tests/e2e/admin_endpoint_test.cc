// The admin endpoint of an in-process sidecar, scraped like Prometheus and probed like the kubelet:
// series values after real calls (parsed line by line, not substring-matched), /readyz turning 503
// at the start of a drain while a call is still in flight, and readiness that does not depend on
// GenAuth being reachable.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>
#include <set>
#include <thread>

#include "httplib.h"
#include "support/prometheus_text.h"
#include "support/sidecar_harness.h"

namespace genauth::testing {
namespace {

using genauth::management::v1::TriggerWebhookResponse;
using std::chrono::milliseconds;

class AdminEndpointTest : public ::testing::Test {
 protected:
  explicit AdminEndpointTest(HarnessOptions options = {}) : h_(std::move(options)) {
    h_.sidecar_options().admin = admin::AdminServerOptions{"127.0.0.1:0"};
  }

  void StartSidecar() {
    h_.Start();
    ASSERT_GT(h_.sidecar().admin_port(), 0);
    admin_ = std::make_unique<httplib::Client>("127.0.0.1", h_.sidecar().admin_port());
    admin_->set_connection_timeout(std::chrono::seconds(2));
    admin_->set_read_timeout(std::chrono::seconds(5));
  }

  // GET `path` on the admin endpoint: the status, or -1 when there was no answer.
  int Status(const std::string& path) {
    httplib::Result result = admin_->Get(path.c_str());
    return result ? result->status : -1;
  }

  PrometheusText Scrape() {
    httplib::Result result = admin_->Get("/metrics");
    EXPECT_TRUE(result);
    if (!result) return {};
    EXPECT_EQ(result->status, 200);
    std::string error;
    std::optional<PrometheusText> parsed = ParsePrometheusText(result->body, &error);
    EXPECT_TRUE(parsed.has_value()) << error << "\n" << result->body;
    return parsed.value_or(PrometheusText{});
  }

  SidecarHarness h_;
  std::unique_ptr<httplib::Client> admin_;
};

TEST_F(AdminEndpointTest, MetricsAfterThreeCallsHaveTheExpectedValues) {
  StartSidecar();
  for (int i = 0; i < 3; ++i) {
    TriggerWebhookResponse response;
    grpc::Status status = h_.Trigger(TriggerRequest(), &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  const PrometheusText m = Scrape();
  const std::map<std::string, std::string> trigger = {{"rpc", "TriggerWebhook"}};

  EXPECT_EQ(m.Value("genauth_sidecar_calls_total", {{"rpc", "TriggerWebhook"}, {"code", "OK"}}),
            3.0);
  EXPECT_EQ(m.Value("genauth_sidecar_call_duration_seconds_count", trigger), 3.0);
  EXPECT_EQ(m.Value("genauth_sidecar_call_duration_seconds_bucket",
                    {{"rpc", "TriggerWebhook"}, {"le", "+Inf"}}),
            3.0);
  EXPECT_GT(m.Value("genauth_sidecar_call_duration_seconds_sum", trigger).value_or(0), 0.0);
  EXPECT_EQ(m.Value("genauth_upstream_attempts_total",
                    {{"rpc", "TriggerWebhook"}, {"outcome", "success"}}),
            3.0);
  EXPECT_EQ(m.Value("genauth_upstream_attempt_duration_seconds_count", trigger), 3.0);
  EXPECT_EQ(m.Value("genauth_token_fetches_total", {{"result", "success"}}), 1.0);
  EXPECT_EQ(m.Value("genauth_token_fetches_total", {{"result", "failure"}}), 0.0);
  EXPECT_EQ(m.Value("genauth_upstream_retries_total"), 0.0);
  EXPECT_EQ(m.Value("genauth_sidecar_calls_shed_total"), 0.0);
  EXPECT_EQ(m.Value("genauth_token_invalidations_total"), 0.0);
  EXPECT_EQ(m.Value("genauth_sidecar_calls_in_flight"), 0.0);
  std::optional<double> age = m.Value("genauth_token_age_seconds");
  ASSERT_TRUE(age.has_value());
  EXPECT_GE(*age, 0.0);
  EXPECT_LT(*age, 60.0);
  // A call that never reached an RPC has no series: only codes that happened are shown.
  EXPECT_FALSE(
      m.Value("genauth_sidecar_calls_total", {{"rpc", "TriggerWebhook"}, {"code", "UNAVAILABLE"}}));

  EXPECT_EQ(m.types.at("genauth_sidecar_calls_total"), "counter");
  EXPECT_EQ(m.types.at("genauth_sidecar_call_duration_seconds"), "histogram");
  EXPECT_EQ(m.types.at("genauth_upstream_attempt_duration_seconds"), "histogram");
  EXPECT_EQ(m.types.at("genauth_token_age_seconds"), "gauge");
  EXPECT_EQ(m.types.at("genauth_sidecar_calls_in_flight"), "gauge");

  // Every histogram series: buckets cumulative, ending in +Inf equal to _count. Every RPC has
  // its series from the start (empty for the ones not called).
  std::set<std::string> rpcs_with_duration;
  for (const char* family :
       {"genauth_sidecar_call_duration_seconds", "genauth_upstream_attempt_duration_seconds"}) {
    std::map<std::string, std::vector<std::pair<std::string, double>>> buckets;  // rpc -> (le, n)
    for (const auto& s : m.samples) {
      if (s.name == std::string(family) + "_bucket") {
        buckets[s.labels.at("rpc")].emplace_back(s.labels.at("le"), s.value);
      }
    }
    EXPECT_EQ(buckets.size(), 8u) << family;
    for (const auto& [rpc, series] : buckets) {
      if (std::string(family) == "genauth_sidecar_call_duration_seconds") {
        rpcs_with_duration.insert(rpc);
      }
      ASSERT_EQ(series.size(), 15u) << family << " " << rpc;  // 14 bounds and +Inf
      EXPECT_EQ(series.front().first, "0.0005");
      EXPECT_EQ(series.back().first, "+Inf");
      for (size_t i = 1; i < series.size(); ++i) EXPECT_GE(series[i].second, series[i - 1].second);
      EXPECT_EQ(m.Value(std::string(family) + "_count", {{"rpc", rpc}}), series.back().second);
    }
  }
  EXPECT_EQ(rpcs_with_duration.count("ListWebhookEvents"), 1u);

  EXPECT_EQ(Status("/healthz"), 200);
  EXPECT_EQ(Status("/readyz"), 200);
}

TEST_F(AdminEndpointTest, ReadyzTurns503AtTheStartOfTheDrainWhileACallFinishes) {
  h_.sidecar_options().shutdown_grace = std::chrono::seconds(5);
  StartSidecar();
  TriggerWebhookResponse response;
  ASSERT_TRUE(h_.Trigger(TriggerRequest(), &response).ok());  // token cached
  ASSERT_EQ(Status("/readyz"), 200);

  emulator::Fault slow;
  slow.pass_through = true;
  slow.delay = milliseconds(1500);
  h_.emulator().ScriptFaults(kTriggerPath, {slow});
  auto call = std::async(std::launch::async, [this] {
    TriggerWebhookResponse reply;
    return h_.Trigger(TriggerRequest(), &reply);
  });
  for (int i = 0; i < 1000 && h_.emulator().CountRequests(kTriggerPath) < 2; ++i) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  ASSERT_EQ(h_.emulator().CountRequests(kTriggerPath), 2u);  // the slow call is in flight

  auto shutdown = std::async(std::launch::async, [this] { h_.sidecar().Shutdown(); });
  int readyz = 200;
  for (int i = 0; i < 500 && readyz == 200; ++i) {
    readyz = Status("/readyz");
    if (readyz == 200) std::this_thread::sleep_for(milliseconds(2));
  }
  EXPECT_EQ(readyz, 503);
  // Still draining: the slow call has not finished, and the endpoint still answers.
  EXPECT_EQ(call.wait_for(milliseconds(0)), std::future_status::timeout);
  EXPECT_EQ(Status("/healthz"), 200);
  EXPECT_EQ(Scrape().Value("genauth_sidecar_calls_in_flight"), 1.0);

  grpc::Status status = call.get();
  EXPECT_TRUE(status.ok()) << status.error_message();
  shutdown.get();
  EXPECT_EQ(Status("/healthz"), -1);  // stopped with the sidecar
}

// The upstream is a closed port: every call fails, yet the sidecar stays ready (a restart or a
// pod leaving its Services would not bring GenAuth back) and the failures show in /metrics.
class UnreachableUpstreamTest : public AdminEndpointTest {
 protected:
  UnreachableUpstreamTest() : AdminEndpointTest(Options()) {}
  static HarnessOptions Options() {
    HarnessOptions options;
    options.upstream_override = "http://127.0.0.1:1";
    return options;
  }
};

TEST_F(UnreachableUpstreamTest, ReadinessDoesNotDependOnGenAuth) {
  StartSidecar();
  TriggerWebhookResponse response;
  grpc::Status status = h_.Trigger(TriggerRequest(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Status("/readyz"), 200);
  EXPECT_EQ(Status("/healthz"), 200);
  const PrometheusText m = Scrape();
  EXPECT_GE(m.Value("genauth_token_fetches_total", {{"result", "failure"}}).value_or(0), 1.0);
  EXPECT_EQ(
      m.Value("genauth_sidecar_calls_total", {{"rpc", "TriggerWebhook"}, {"code", "UNAVAILABLE"}}),
      1.0);
  EXPECT_FALSE(m.Value("genauth_token_age_seconds"));  // no token, no sample
}

// Binds a TCP socket on 127.0.0.1:`port` (0: any) and closes it; returns the port, 0 on failure.
int BindAndRelease(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  socklen_t length = sizeof(addr);
  int bound = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length) == 0) {
    bound = ntohs(addr.sin_port);
  }
  close(fd);
  return bound;
}

TEST(AdminEndpointStartTest, AnAdminAddressInUseFailsTheStartAndFreesTheGrpcPort) {
  SidecarHarness h;
  h.sidecar_options().admin =
      admin::AdminServerOptions{"127.0.0.1:" + std::to_string(h.emulator().port())};
  // A fixed gRPC port, found free, so the test can check that it is released again.
  const int grpc_port = BindAndRelease(0);
  ASSERT_GT(grpc_port, 0);
  h.sidecar_options().listen_address = "127.0.0.1:" + std::to_string(grpc_port);
  auto logger = std::make_shared<observability::JsonLogger>(
      std::make_shared<spdlog::logger>("null"), common::SystemClock::Get());
  common::SystemRandom random;
  auto started = server::SidecarServer::Start(h.sidecar_options(), logger,
                                              common::SystemClock::Get(), &random);
  ASSERT_FALSE(started.ok());
  EXPECT_NE(started.status().message().find(
                "could not listen on 127.0.0.1:" + std::to_string(h.emulator().port()) +
                " for the admin endpoint"),
            std::string::npos)
      << started.status();
  EXPECT_EQ(BindAndRelease(grpc_port), grpc_port);
}

}  // namespace
}  // namespace genauth::testing
