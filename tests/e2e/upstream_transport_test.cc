// The event-driven upstream seen from a caller: replies no ordinary server sends (chunked or
// close-delimited past the size bound, cut short), a CONNECT proxy in the path, an IPv6 literal
// host, and a caller that cancels while its attempt is in flight. Real sidecar, real sockets.
#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "errors/error_details.h"
#include "support/connect_proxy.h"
#include "support/https_emulator_test.h"
#include "support/raw_http_server.h"
#include "support/sidecar_harness.h"

namespace genauth::testing {
namespace {

using genauth::management::v1::TriggerWebhookRequest;
using genauth::management::v1::TriggerWebhookResponse;
using std::chrono::milliseconds;

std::string Reason(const grpc::Status& status) {
  std::string reason;
  ErrorInfoMetadata(status, &reason);
  return reason;
}

// A sidecar whose GenAuth is a RawHttpServer playing scripted bytes. Requests are signed (no
// token endpoint needed), so every request the server sees is the call's own.
class RawUpstreamTest : public ::testing::Test {
 protected:
  RawUpstreamTest() : h_(Options()) {
    h_.sidecar_options().signature = auth::RequestSignerOptions{"x-authing"};
    h_.sidecar_options().transport.max_reply_bytes = 64 * 1024;
  }
  HarnessOptions Options() {
    HarnessOptions options;
    options.upstream_override = raw_.base_url();
    return options;
  }
  grpc::Status Trigger() {
    TriggerWebhookResponse response;
    return h_.Trigger(TriggerRequest(), &response, milliseconds(5000));
  }

  RawHttpServer raw_;
  SidecarHarness h_;
};

TEST_F(RawUpstreamTest, AChunkedReplyPastTheBoundIsRefusedAndTheTriggerNotRepeated) {
  raw_.SetDefaultScript(ChunkedReply(1024 * 1024, 4096));
  h_.Start();
  grpc::Status status = Trigger();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Reason(status), "UPSTREAM_MALFORMED_REPLY");
  EXPECT_NE(status.error_message().find("larger than 65536 bytes"), std::string::npos)
      << status.error_message();
  EXPECT_EQ(raw_.requests().size(), 1u);  // GenAuth may have acted: a trigger is not repeated
}

TEST_F(RawUpstreamTest, ACloseDelimitedReplyPastTheBoundIsRefused) {
  raw_.SetDefaultScript(CloseDelimitedReply(1024 * 1024));
  h_.Start();
  grpc::Status status = Trigger();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Reason(status), "UPSTREAM_MALFORMED_REPLY");
  EXPECT_EQ(raw_.requests().size(), 1u);
}

TEST_F(RawUpstreamTest, ADeclaredLengthPastTheBoundIsRefusedBeforeTheBodyIsRead) {
  raw_.SetDefaultScript(TruncatedReply(10 * 1024 * 1024, 10));
  h_.Start();
  grpc::Status status = Trigger();
  EXPECT_EQ(Reason(status), "UPSTREAM_MALFORMED_REPLY");
  EXPECT_NE(status.error_message().find("larger than"), std::string::npos);
}

TEST_F(RawUpstreamTest, AReplyCutShortIsABrokenReplyAndTheTriggerNotRepeated) {
  raw_.SetDefaultScript(TruncatedReply(1000, 10));
  h_.Start();
  grpc::Status status = Trigger();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Reason(status), "UPSTREAM_BROKEN_REPLY");
  EXPECT_EQ(raw_.requests().size(), 1u);
}

TEST_F(RawUpstreamTest, AConnectionClosedWithoutAReplyIsNotRetriedForATrigger) {
  raw_.SetDefaultScript(ReplyScript{{}, AfterReply::kClose});  // reads, then closes
  h_.Start();
  grpc::Status status = Trigger();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(raw_.requests().size(), 1u);  // neither we nor libcurl sent it again
}

TEST(UpstreamTransportTest, ACallerWhoCancelsAbortsTheAttemptInFlight) {
  SidecarHarness h;
  h.Start();
  {
    TriggerWebhookResponse warm;
    ASSERT_TRUE(h.Trigger(TriggerRequest(), &warm).ok());  // the token is cached
  }
  emulator::Fault slow;
  slow.pass_through = true;
  slow.delay = milliseconds(3000);
  h.emulator().ScriptFaults(kTriggerPath, {slow});
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  TriggerWebhookRequest request = TriggerRequest();
  TriggerWebhookResponse response;
  auto call = std::async(std::launch::async, [&] {
    const auto start = std::chrono::steady_clock::now();
    grpc::Status status = h.stub().TriggerWebhook(&context, request, &response);
    return std::make_pair(status, std::chrono::steady_clock::now() - start);
  });
  for (int i = 0; i < 400 && h.emulator().CountRequests(kTriggerPath) < 2; ++i) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  ASSERT_EQ(h.emulator().CountRequests(kTriggerPath), 2u);
  context.TryCancel();
  auto [status, elapsed] = call.get();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_LT(elapsed, milliseconds(2500));
  // The sidecar saw the cancellation and dropped the attempt (not left to run for 3 s).
  auto& metrics = h.sidecar().metrics();
  for (int i = 0; i < 400 && metrics.CounterValue("genauth_upstream_calls_cancelled_total") == 0;
       ++i) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  EXPECT_EQ(metrics.CounterValue("genauth_upstream_calls_cancelled_total"), 1u);
  for (int i = 0; i < 400 && metrics.GaugeValue("genauth_sidecar_calls_in_flight") != 0; ++i) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  EXPECT_EQ(metrics.GaugeValue("genauth_sidecar_calls_in_flight"), 0);
  EXPECT_NE(metrics.RenderPrometheus().find("genauth_upstream_transfers_in_flight 0"),
            std::string::npos);
  for (int i = 0; i < 400 && h.Logs().find("\"stoppedBy\":\"cancelled\"") == std::string::npos;
       ++i) {
    std::this_thread::sleep_for(milliseconds(5));  // the log line follows the gauge
  }
  EXPECT_NE(h.Logs().find("\"stoppedBy\":\"cancelled\""), std::string::npos);
  // A cancelled attempt says nothing about GenAuth's health.
  EXPECT_NE(metrics.RenderPrometheus().find("genauth_upstream_circuit_state 0"), std::string::npos);
  EXPECT_EQ(metrics.CounterValue("genauth_upstream_circuit_transitions_total", {{"to", "open"}}),
            0u);
}

TEST(UpstreamTransportTest, AnIpv6LiteralHostWorks) {
  HarnessOptions options;
  options.emulator.bind_host = "::1";
  SidecarHarness h(options);
  ASSERT_NE(h.emulator().base_url().find("[::1]"), std::string::npos) << h.emulator().base_url();
  h.Start();
  TriggerWebhookResponse response;
  grpc::Status status = h.Trigger(TriggerRequest(), &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(h.receiver().deliveries().size(), 1u);
}

// GenAuth over HTTPS through an HTTP CONNECT proxy, as corporate clusters route egress.
using ProxyTest = HttpsEmulatorTest;

TEST_F(ProxyTest, CallsGoThroughTheProxyWhoseCredentialsStayOutOfTheLogs) {
  ConnectProxyOptions proxy_options;
  proxy_options.username = "egress";
  proxy_options.password = "proxy-PASSWORD-never-logged";
  ConnectProxy proxy(proxy_options);
  SidecarHarness h(HttpsOptions());
  auto& o = h.sidecar_options();
  o.transport.ca_file = cert();
  o.transport.proxy =
      "http://egress:proxy-PASSWORD-never-logged@127.0.0.1:" + std::to_string(proxy.port());
  h.Start();
  TriggerWebhookResponse response;
  grpc::Status status = h.Trigger(TriggerRequest(), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(h.receiver().deliveries().size(), 1u);
  const std::string target = "127.0.0.1:" + std::to_string(h.emulator().port());
  ASSERT_FALSE(proxy.connect_targets().empty());
  for (const std::string& seen : proxy.connect_targets()) EXPECT_EQ(seen, target);
  const std::string logs = h.Logs();
  EXPECT_NE(logs.find("\"proxy\":\"http://***@127.0.0.1:"), std::string::npos) << logs;
  EXPECT_EQ(logs.find("proxy-PASSWORD-never-logged"), std::string::npos);
}

TEST_F(ProxyTest, AProxyThatRefusesIsNotSentAndSaysSo) {
  ConnectProxyOptions proxy_options;
  proxy_options.username = "egress";
  proxy_options.password = "right";
  ConnectProxy proxy(proxy_options);
  SidecarHarness h(HttpsOptions());
  auto& o = h.sidecar_options();
  o.transport.ca_file = cert();
  o.transport.proxy = "http://egress:wrong@127.0.0.1:" + std::to_string(proxy.port());
  o.token_cache.retry_base_delay = std::chrono::seconds(5);  // one token fetch, then fail fast
  h.Start();
  TriggerWebhookResponse response;
  grpc::Status status = h.Trigger(TriggerRequest(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(h.emulator().Requests().size(), 0u);  // nothing reached GenAuth
  EXPECT_EQ(h.Logs().find("wrong"), std::string::npos);
}

TEST_F(ProxyTest, NoProxyHostsAreReachedDirectly) {
  ConnectProxy proxy;
  SidecarHarness h(HttpsOptions());
  auto& o = h.sidecar_options();
  o.transport.ca_file = cert();
  o.transport.proxy = proxy.url();
  o.transport.no_proxy = "127.0.0.1";
  h.Start();
  TriggerWebhookResponse response;
  ASSERT_TRUE(h.Trigger(TriggerRequest(), &response).ok());
  EXPECT_EQ(proxy.tunnels(), 0);
}

}  // namespace
}  // namespace genauth::testing
