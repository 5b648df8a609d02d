// The fault-injection suite: one test per upstream fault, each through the real sidecar and the
// emulator's scripted faults over loopback. Every test asserts the exact gRPC code, the exact
// number of upstream attempts the emulator recorded (a trigger is never sent again unless GenAuth
// provably did not process it), and how long the call took. The "Failure behaviour" table of
// docs/calling-genauth.md is this file in prose; keep the two in step.
#include <gtest/gtest.h>

#include <ctime>
#include <future>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "support/prometheus_text.h"
#include "support/sidecar_harness.h"

namespace genauth::testing {
namespace {

using emulator::Fault;
namespace v1 = genauth::management::v1;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// Upper time bounds say "at once" or "not after waiting"; under ThreadSanitizer everything runs
// 5-15x slower, so they widen there (lower bounds, the waits that must happen, stay exact).
#ifdef SIDECAR_TSAN_BUILD
constexpr int64_t kSlack = 10;
#else
constexpr int64_t kSlack = 1;
#endif

constexpr char kGetPath[] = "/api/v3/get-webhook";
constexpr char kTokenPath[] = "/api/v3/get-management-token";

Fault Envelope(int status, const std::string& retry_after = "") {
  Fault fault;
  fault.http_status = status >= 100 && status < 600 ? status : 200;
  fault.body_status = status;
  fault.message = "scripted " + std::to_string(status);
  fault.retry_after = retry_after;
  return fault;
}

Fault Raw(int http_status, const std::string& body, const std::string& content_type) {
  Fault fault;
  fault.http_status = http_status;
  fault.raw_body = body;
  fault.content_type = content_type;
  return fault;
}

std::vector<Fault> Times(int n, const Fault& fault) { return std::vector<Fault>(n, fault); }

std::string Reason(const grpc::Status& status) {
  std::string reason;
  ErrorInfoMetadata(status, &reason);
  return reason;
}

// An HTTP-date `seconds` from now, as a Retry-After header carries it.
std::string HttpDateIn(int seconds) {
  std::time_t when = std::time(nullptr) + seconds;
  std::tm tm{};
  gmtime_r(&when, &tm);
  char text[64];
  std::strftime(text, sizeof(text), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return text;
}

// What one call did: its status, how long it took, and the attempts the emulator saw.
struct Outcome {
  grpc::Status status;
  int64_t ms = 0;
};

class FaultInjectionTest : public ::testing::Test {
 protected:
  // Settings every test starts from: short backoffs so that retries cost milliseconds, a short
  // attempt timeout, and the breaker out of the way unless a test is about it.
  void SetUp() override {
    auto& o = h_.sidecar_options();
    o.client.attempt_timeout = milliseconds(300);
    o.client.circuit_breaker.failure_threshold = 0;
  }

  // Starts the sidecar and makes one good call, so that the token is cached and the connection
  // pooled: the faults then hit the call itself. Clears the emulator's records afterwards.
  void StartWarm() {
    h_.Start();
    v1::TriggerWebhookResponse response;
    ASSERT_TRUE(h_.Trigger(Trigger(), &response).ok());
    h_.emulator().ClearRecords();
  }

  static v1::TriggerWebhookRequest Trigger() {
    v1::TriggerWebhookRequest request;
    request.set_webhook_id(kWebhookId);
    return request;
  }

  Outcome CallTrigger(milliseconds timeout = milliseconds(5000)) {
    v1::TriggerWebhookResponse response;
    const auto start = Clock::now();
    Outcome outcome;
    outcome.status = h_.Trigger(Trigger(), &response, timeout);
    outcome.ms = ElapsedMs(start);
    return outcome;
  }

  Outcome CallGet(milliseconds timeout = milliseconds(3000)) {
    v1::GetWebhookRequest request;
    request.set_webhook_id(kWebhookId);
    v1::Webhook response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + timeout);
    const auto start = Clock::now();
    Outcome outcome;
    outcome.status = h_.stub().GetWebhook(&context, request, &response);
    outcome.ms = ElapsedMs(start);
    return outcome;
  }

  static int64_t ElapsedMs(Clock::time_point since) {
    return std::chrono::duration_cast<milliseconds>(Clock::now() - since).count();
  }

  size_t Triggers() { return h_.emulator().CountRequests(kTriggerPath); }
  size_t Gets() { return h_.emulator().CountRequests(kGetPath); }
  uint64_t Counter(const std::string& name, const observability::Labels& labels = {}) {
    return h_.sidecar().metrics().CounterValue(name, labels);
  }
  // The breaker's state as /metrics shows it (a gauge computed when scraped).
  double CircuitState() {
    std::string error;
    auto text = ParsePrometheusText(h_.sidecar().metrics().RenderPrometheus(), &error);
    EXPECT_TRUE(text) << error;
    return text ? text->Value("genauth_upstream_circuit_state").value_or(-1) : -1;
  }

  SidecarHarness h_;
};

// --- connection-level faults ---

TEST_F(FaultInjectionTest, RefusedConnectionIsRetriedBecauseNothingWasSent) {
  HarnessOptions options;
  options.emulator.keep_alive_timeout_s = 1;  // Stop() waits for the pooled idle connection
  SidecarHarness h(options);
  h.sidecar_options().client.circuit_breaker.failure_threshold = 0;
  h.Start();
  v1::TriggerWebhookResponse response;
  ASSERT_TRUE(h.Trigger(Trigger(), &response).ok());
  h.emulator().Stop();
  const auto start = Clock::now();
  grpc::Status status = h.Trigger(Trigger(), &response, milliseconds(3000));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Reason(status), "UPSTREAM_UNREACHABLE");
  EXPECT_LT(ElapsedMs(start), 1000 * kSlack);  // three refused connects and two short backoffs
  // The emulator cannot record a refused connection: the sidecar's attempt counter does.
  EXPECT_EQ(
      h.sidecar().metrics().CounterValue("genauth_upstream_attempts_total",
                                         {{"rpc", "TriggerWebhook"}, {"outcome", "not_sent"}}),
      3u);
}

TEST_F(FaultInjectionTest, ResetBeforeReplyIsNotRetriedForATrigger) {
  StartWarm();
  Fault reset;
  reset.drop_connection = true;
  h_.emulator().ScriptFaults(kTriggerPath, {reset});
  Outcome call = CallTrigger();
  EXPECT_EQ(call.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Reason(call.status), "UPSTREAM_BROKEN_REPLY");
  EXPECT_EQ(Triggers(), 1u);  // GenAuth may have fired the webhook: never sent twice
  EXPECT_LT(call.ms, 1000 * kSlack);
}

TEST_F(FaultInjectionTest, ResetBeforeReplyIsRetriedForARead) {
  StartWarm();
  Fault reset;
  reset.drop_connection = true;
  h_.emulator().ScriptFaults(kGetPath, {reset});
  Outcome call = CallGet();
  EXPECT_TRUE(call.status.ok()) << call.status.error_message();
  EXPECT_EQ(Gets(), 2u);
  EXPECT_LT(call.ms, 1000 * kSlack);
}

TEST_F(FaultInjectionTest, ResetMidBodyIsNotRetriedForATrigger) {
  StartWarm();
  Fault truncated = Envelope(200);
  truncated.truncate_body = true;
  h_.emulator().ScriptFaults(kTriggerPath, {truncated});
  Outcome call = CallTrigger();
  EXPECT_EQ(call.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Reason(call.status), "UPSTREAM_BROKEN_REPLY");
  EXPECT_EQ(Triggers(), 1u);
  EXPECT_LT(call.ms, 1000 * kSlack);
}

TEST_F(FaultInjectionTest, ResetMidBodyIsRetriedForARead) {
  StartWarm();
  Fault truncated = Envelope(200);
  truncated.truncate_body = true;
  h_.emulator().ScriptFaults(kGetPath, {truncated});
  Outcome call = CallGet();
  EXPECT_TRUE(call.status.ok()) << call.status.error_message();
  EXPECT_EQ(Gets(), 2u);
}

// --- slow upstream ---

TEST_F(FaultInjectionTest, SlowHeadersEndTheAttemptAtItsTimeoutAndATriggerIsNotRepeated) {
  StartWarm();
  Fault slow;
  slow.pass_through = true;
  slow.delay = milliseconds(2000);
  h_.emulator().ScriptFaults(kTriggerPath, {slow});
  Outcome call = CallTrigger();
  EXPECT_EQ(call.status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_EQ(Reason(call.status), "UPSTREAM_TIMEOUT");
  EXPECT_EQ(Triggers(), 1u);
  EXPECT_GE(call.ms, 290);  // the 300 ms attempt timeout
  EXPECT_LT(call.ms, 1000 * kSlack);
}

TEST_F(FaultInjectionTest, SlowHeadersOnAReadAreRetriedWithinTheDeadline) {
  StartWarm();
  const Fault slow = SlowReply(milliseconds(2000));
  h_.emulator().ScriptFaults(kGetPath, {slow});
  Outcome call = CallGet();
  EXPECT_TRUE(call.status.ok()) << call.status.error_message();
  EXPECT_EQ(Gets(), 2u);
  EXPECT_GE(call.ms, 290);
  EXPECT_LT(call.ms, 1500 * kSlack);
}

TEST_F(FaultInjectionTest, ASlowTrickleCannotHoldACallPastTheAttemptTimeout) {
  StartWarm();
  Fault trickle = Envelope(200);
  trickle.trickle_interval = milliseconds(50);  // ~80 bytes: 4 s to send it all
  h_.emulator().ScriptFaults(kTriggerPath, {trickle});
  Outcome call = CallTrigger();
  EXPECT_EQ(call.status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_EQ(Triggers(), 1u);
  EXPECT_GE(call.ms, 290);
  EXPECT_LT(call.ms, 1000 * kSlack);
}

TEST_F(FaultInjectionTest, ASlowTrickleCannotHoldACallPastTheCallersDeadline) {
  h_.sidecar_options().client.attempt_timeout = milliseconds(5000);
  StartWarm();
  Fault trickle = Envelope(200);
  trickle.trickle_interval = milliseconds(50);
  h_.emulator().ScriptFaults(kTriggerPath, {trickle});
  Outcome call = CallTrigger(milliseconds(400));
  EXPECT_EQ(call.status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_EQ(Triggers(), 1u);
  EXPECT_GE(call.ms, 390);
  EXPECT_LT(call.ms, 1200 * kSlack);
}

// --- GenAuth's status replies ---

TEST_F(FaultInjectionTest, RateLimitWithRetryAfterSecondsPausesEveryCall) {
  StartWarm();
  Fault limited = Envelope(429, "2");
  h_.emulator().ScriptFaults(kTriggerPath, {limited});
  // This caller cannot wait 2 s: it gets the 429 at once, with when to come back.
  Outcome first = CallTrigger(milliseconds(1000));
  EXPECT_EQ(first.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  int64_t delay_ms = 0;
  ASSERT_TRUE(HasRetryInfo(first.status, &delay_ms));
  EXPECT_EQ(delay_ms, 2000);
  EXPECT_LT(first.ms, 500 * kSlack);
  // The next caller is not sent to GenAuth at all while the pause lasts.
  Outcome second = CallTrigger();
  EXPECT_EQ(second.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(Reason(second.status), "RATE_LIMITED");
  ASSERT_TRUE(HasRetryInfo(second.status, &delay_ms));
  EXPECT_GT(delay_ms, 1000);
  EXPECT_LE(delay_ms, 2000);
  EXPECT_LT(second.ms, 500 * kSlack);  // at once, against a 2 s pause
  EXPECT_EQ(Triggers(), 1u);
  EXPECT_EQ(Counter("genauth_upstream_calls_rejected_total", {{"why", "rate_limited"}}), 1u);
  // After the pause, calls go again.
  std::this_thread::sleep_for(milliseconds(delay_ms + 50));
  EXPECT_TRUE(CallTrigger().status.ok());
  EXPECT_EQ(Triggers(), 2u);
}

TEST_F(FaultInjectionTest, RateLimitWithinTheDeadlineWaitsAndRetriesOnce) {
  StartWarm();
  h_.emulator().ScriptFaults(kTriggerPath, {Envelope(429, "1")});
  Outcome call = CallTrigger(milliseconds(3000));
  EXPECT_TRUE(call.status.ok()) << call.status.error_message();
  EXPECT_EQ(Triggers(), 2u);  // 429 means not processed: one repeat after the pause is safe
  EXPECT_GE(call.ms, 1000);
  EXPECT_LT(call.ms, 2000 * kSlack);
}

TEST_F(FaultInjectionTest, RateLimitWithAnHttpDatePausesUntilThatDate) {
  StartWarm();
  h_.emulator().ScriptFaults(kTriggerPath, {Envelope(429, HttpDateIn(3))});
  Outcome first = CallTrigger(milliseconds(1000));
  EXPECT_EQ(first.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  Outcome second = CallTrigger(milliseconds(1000));
  EXPECT_EQ(second.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(Reason(second.status), "RATE_LIMITED");
  int64_t delay_ms = 0;
  ASSERT_TRUE(HasRetryInfo(second.status, &delay_ms));
  EXPECT_GT(delay_ms, 1000);  // the date has one-second resolution: 2 to 3 s remain
  EXPECT_LE(delay_ms, 3000);
  EXPECT_LT(first.ms + second.ms, 500 * kSlack);
  EXPECT_EQ(Triggers(), 1u);
}

TEST_F(FaultInjectionTest, A503BurstIsRetriedBecauseGenAuthDidNotProcessIt) {
  StartWarm();
  h_.emulator().ScriptFaults(kTriggerPath, Times(2, Envelope(503)));
  Outcome call = CallTrigger();
  EXPECT_TRUE(call.status.ok()) << call.status.error_message();
  EXPECT_EQ(Triggers(), 3u);
  EXPECT_LT(call.ms, 500 * kSlack);  // two backoffs of at most 40 ms
}

TEST_F(FaultInjectionTest, ALong503BurstEndsAtMaxAttempts) {
  StartWarm();
  h_.emulator().ScriptFaults(kTriggerPath, Times(5, Envelope(503)));
  Outcome call = CallTrigger();
  EXPECT_EQ(call.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Reason(call.status), "GENAUTH_ERROR");
  EXPECT_EQ(Triggers(), 3u);
  EXPECT_LT(call.ms, 500 * kSlack);
}

TEST_F(FaultInjectionTest, The503sOfManyCallsAreRetriedOnlyWithinTheBudget) {
  // Every attempt fails; 20 calls would make 60 attempts without a budget. Budget: 20% of calls
  // plus a floor of 2 -> at most 20 + 4 + 2 = 26 attempts.
  auto& o = h_.sidecar_options();
  o.client.retry_budget = {0.2, 2, std::chrono::seconds(10)};
  StartWarm();
  h_.emulator().ScriptFaults(kTriggerPath, Times(100, Envelope(503)));
  const auto start = Clock::now();
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(CallTrigger().status.error_code(), grpc::StatusCode::UNAVAILABLE);
  }
  // The warm-up call counts as one of the budget's calls: 21 calls -> 2 + 4.2 = 6 retries.
  EXPECT_EQ(Triggers(), 26u);
  EXPECT_EQ(Counter("genauth_upstream_retries_total"), 6u);
  EXPECT_GE(Counter("genauth_upstream_retries_refused_total", {{"why", "budget"}}), 14u);
  EXPECT_LT(ElapsedMs(start), 3000 * kSlack);
}

TEST_F(FaultInjectionTest, A500IsNotRetriedForATriggerButIsForARead) {
  StartWarm();
  h_.emulator().ScriptFaults(kTriggerPath, {Envelope(500)});
  Outcome trigger = CallTrigger();
  EXPECT_EQ(trigger.status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(Triggers(), 1u);
  h_.emulator().ScriptFaults(kGetPath, {Envelope(500)});
  Outcome get = CallGet();
  EXPECT_TRUE(get.status.ok()) << get.status.error_message();
  EXPECT_EQ(Gets(), 2u);
  EXPECT_LT(trigger.ms + get.ms, 1000 * kSlack);
}

// --- the circuit breaker ---

TEST_F(FaultInjectionTest, ConsecutiveFailuresOpenTheBreakerAndAProbeClosesIt) {
  auto& o = h_.sidecar_options();
  o.client.retry.max_attempts = 1;
  o.client.circuit_breaker = {3, milliseconds(500)};
  StartWarm();
  h_.emulator().ScriptFaults(kTriggerPath, Times(3, Envelope(503)));
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(CallTrigger().status.error_code(), grpc::StatusCode::UNAVAILABLE);
  }
  // Open: answered at once, GenAuth not called, RetryInfo says when to come back.
  Outcome refused = CallTrigger();
  EXPECT_EQ(refused.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Reason(refused.status), "CIRCUIT_OPEN");
  int64_t delay_ms = 0;
  ASSERT_TRUE(HasRetryInfo(refused.status, &delay_ms));
  EXPECT_GT(delay_ms, 0);
  EXPECT_LE(delay_ms, 500);
  EXPECT_LT(refused.ms, 250 * kSlack);  // at once, against a 500 ms open time
  EXPECT_EQ(Triggers(), 3u);
  EXPECT_EQ(CircuitState(), 1);
  // GenAuth has recovered; after the open time one probe goes and closes the breaker.
  std::this_thread::sleep_for(milliseconds(delay_ms + 20));
  EXPECT_TRUE(CallTrigger().status.ok());
  EXPECT_TRUE(CallTrigger().status.ok());
  EXPECT_EQ(Triggers(), 5u);
  EXPECT_EQ(CircuitState(), 0);
  EXPECT_EQ(Counter("genauth_upstream_circuit_transitions_total", {{"to", "open"}}), 1u);
  EXPECT_NE(h_.Logs().find("circuit breaker opened"), std::string::npos);
}

TEST_F(FaultInjectionTest, AFailedProbeKeepsTheBreakerOpen) {
  auto& o = h_.sidecar_options();
  o.client.retry.max_attempts = 1;
  o.client.circuit_breaker = {2, milliseconds(300)};
  StartWarm();
  h_.emulator().ScriptFaults(kTriggerPath, Times(3, Envelope(502)));
  CallTrigger();
  CallTrigger();
  std::this_thread::sleep_for(milliseconds(320));
  Outcome probe = CallTrigger();  // the probe meets the third 502
  EXPECT_EQ(probe.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Reason(probe.status), "GENAUTH_ERROR");
  Outcome refused = CallTrigger();
  EXPECT_EQ(Reason(refused.status), "CIRCUIT_OPEN");
  EXPECT_EQ(Triggers(), 3u);
}

TEST_F(FaultInjectionTest, CallerErrorsDoNotOpenTheBreaker) {
  auto& o = h_.sidecar_options();
  o.client.circuit_breaker = {2, std::chrono::seconds(30)};
  StartWarm();
  h_.emulator().ScriptFaults(kTriggerPath, Times(5, Envelope(404)));
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(CallTrigger().status.error_code(), grpc::StatusCode::NOT_FOUND);
  }
  EXPECT_TRUE(CallTrigger().status.ok());
  EXPECT_EQ(Triggers(), 6u);
}

// --- the management token ---

TEST_F(FaultInjectionTest, TokenEndpointDownFailsFastWithoutCallingTheApi) {
  h_.Start();
  h_.emulator().ScriptFaults(kTokenPath, Times(50, Envelope(503)));
  Outcome call = CallTrigger();
  EXPECT_EQ(call.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Reason(call.status), "TOKEN_UNAVAILABLE");
  EXPECT_EQ(Triggers(), 0u);
  EXPECT_LT(call.ms, 1000 * kSlack);
  // The caller is told when the token endpoint will be tried again: within the refresher's
  // back-off, which the harness caps at 100 ms.
  int64_t delay_ms = -1;
  ASSERT_TRUE(HasRetryInfo(call.status, &delay_ms));
  EXPECT_GE(delay_ms, 0);
  EXPECT_LE(delay_ms, 100);
  // While the token endpoint stays down, callers fail fast instead of each hammering it.
  const size_t fetches = h_.emulator().CountRequests(kTokenPath);
  Outcome again = CallTrigger();
  EXPECT_EQ(again.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Reason(again.status), "TOKEN_UNAVAILABLE");
  ASSERT_TRUE(HasRetryInfo(again.status, &delay_ms));
  EXPECT_LE(delay_ms, 100);
  EXPECT_LT(again.ms, 500 * kSlack);
  EXPECT_LE(h_.emulator().CountRequests(kTokenPath), fetches + 1);
}

TEST_F(FaultInjectionTest, ATokenEndpoint429IsWaitedOutBeforeTheTokenEndpointIsAskedAgain) {
  h_.Start();
  h_.emulator().ScriptFaults(kTokenPath, {Envelope(429, "2")});
  Outcome call = CallTrigger();
  EXPECT_EQ(call.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Reason(call.status), "TOKEN_UNAVAILABLE");
  EXPECT_NE(call.status.error_message().find("pushed back: statusCode 429 (rate limited), "
                                             "Retry-After 2s"),
            std::string::npos)
      << call.status.error_message();
  // Not the harness's 100 ms back-off: GenAuth's 2 s, spread by up to half again.
  int64_t delay_ms = -1;
  ASSERT_TRUE(HasRetryInfo(call.status, &delay_ms));
  EXPECT_GE(delay_ms, 1900);
  EXPECT_LE(delay_ms, 3000);
  // Callers fail fast meanwhile; the token endpoint is not asked again.
  Outcome again = CallTrigger();
  EXPECT_EQ(Reason(again.status), "TOKEN_UNAVAILABLE");
  EXPECT_LT(again.ms, 500 * kSlack);
  EXPECT_EQ(h_.emulator().CountRequests(kTokenPath), 1u);
  EXPECT_EQ(Triggers(), 0u);
  EXPECT_EQ(Counter("genauth_token_endpoint_pushbacks_total"), 1u);
}

TEST_F(FaultInjectionTest, ATokenEndpoint503WithAnHttpDatePushesBackUntilThatDate) {
  h_.Start();
  h_.emulator().ScriptFaults(kTokenPath, {Envelope(503, HttpDateIn(3))});
  Outcome call = CallTrigger();
  int64_t delay_ms = -1;
  ASSERT_TRUE(HasRetryInfo(call.status, &delay_ms)) << call.status.error_message();
  EXPECT_GE(delay_ms, 1900);  // the date is in whole seconds: 2 to 3 s ahead, then the spread
  EXPECT_LE(delay_ms, 4500);
  EXPECT_NE(call.status.error_message().find("statusCode 503 (unavailable)"), std::string::npos)
      << call.status.error_message();
  EXPECT_EQ(Counter("genauth_token_endpoint_pushbacks_total"), 1u);
}

TEST_F(FaultInjectionTest, ATokenEndpoint429InsideAnHttp200PushesBackToo) {
  h_.Start();
  Fault inside_200 = Envelope(429, "3");
  inside_200.http_status = 200;
  h_.emulator().ScriptFaults(kTokenPath, {inside_200});
  Outcome call = CallTrigger();
  int64_t delay_ms = -1;
  ASSERT_TRUE(HasRetryInfo(call.status, &delay_ms)) << call.status.error_message();
  EXPECT_GE(delay_ms, 2900);
  EXPECT_LE(delay_ms, 4500);
  EXPECT_EQ(h_.emulator().CountRequests(kTokenPath), 1u);
}

TEST_F(FaultInjectionTest, ATokenRevokedMidFlightIsRenewedAndTheCallRepeatedOnce) {
  StartWarm();
  h_.emulator().RevokeAllTokens();
  Outcome call = CallTrigger();
  EXPECT_TRUE(call.status.ok()) << call.status.error_message();
  EXPECT_EQ(Triggers(), 2u);  // a 401 was not processed: repeating it is safe
  EXPECT_EQ(h_.emulator().CountRequests(kTokenPath), 1u);
  EXPECT_LT(call.ms, 1000 * kSlack);
}

TEST_F(FaultInjectionTest, WhenGenAuthRefusesFreshTokensRenewalsBackOffInsteadOfOneFetchPerCall) {
  // Short enough to wait out here, long enough for the calls in between (waits of 0.5-1 s, then
  // 1-2 s).
  auto& o = h_.sidecar_options();
  o.client.token_renewal.base_delay = std::chrono::seconds(1);
  o.client.token_renewal.max_delay = std::chrono::seconds(2);
  StartWarm();  // its token was accepted
  Fault refused = Envelope(401);
  refused.api_code = "2004";
  h_.emulator().ScriptFaults(kTriggerPath, Times(100, refused));
  auto fetches = [this] { return h_.emulator().CountRequests(kTokenPath); };
  auto expect_genauths_401 = [](const grpc::Status& status) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
    std::string reason;
    std::map<std::string, std::string> metadata = ErrorInfoMetadata(status, &reason);
    EXPECT_EQ(reason, "GENAUTH_ERROR");
    EXPECT_EQ(metadata["statusCode"], "401");
    EXPECT_EQ(metadata["apiCode"], "2004");
    EXPECT_FALSE(metadata["requestId"].empty());
  };

  // A token that worked is refused: revoked, so it is renewed and the call repeated; the fresh
  // token is refused too, which starts the back-off, and the caller learns how long it is.
  Outcome first = CallTrigger();
  expect_genauths_401(first.status);
  int64_t delay_ms = 0;
  ASSERT_TRUE(HasRetryInfo(first.status, &delay_ms));
  EXPECT_GT(delay_ms, 0);
  EXPECT_LE(delay_ms, 1000);
  EXPECT_EQ(Triggers(), 2u);
  EXPECT_EQ(fetches(), 1u);

  // During the back-off each call is answered after its one attempt: no token fetch, no repeat.
  for (int i = 0; i < 5; ++i) {
    Outcome call = CallTrigger();
    expect_genauths_401(call.status);
    ASSERT_TRUE(HasRetryInfo(call.status, &delay_ms));
    EXPECT_GT(delay_ms, 0);
    EXPECT_LE(delay_ms, 1000);
    EXPECT_NE(call.status.error_message().find("not renewed"), std::string::npos)
        << call.status.error_message();
    EXPECT_LT(call.ms, 500 * kSlack);
  }
  EXPECT_EQ(Triggers(), 7u);
  EXPECT_EQ(fetches(), 1u);
  EXPECT_EQ(Counter("genauth_upstream_token_renewals_refused_total"), 5u);
  EXPECT_EQ(Counter("genauth_upstream_token_renewal_backoffs_total"), 1u);
  EXPECT_NE(h_.Logs().find("GenAuth refused a fresh management token"), std::string::npos);

  // Once the wait is over, one renewal goes; its token is refused as well, and the wait doubles.
  std::this_thread::sleep_for(milliseconds(delay_ms + 50));
  Outcome renewed = CallTrigger();
  expect_genauths_401(renewed.status);
  ASSERT_TRUE(HasRetryInfo(renewed.status, &delay_ms));
  EXPECT_GE(delay_ms, 900);  // 1-2 s, less the time the call took
  EXPECT_LE(delay_ms, 2000);
  EXPECT_EQ(Triggers(), 9u);
  EXPECT_EQ(fetches(), 2u);
  EXPECT_EQ(Counter("genauth_upstream_token_renewal_backoffs_total"), 2u);

  // GenAuth accepts the token again: the call succeeds, which ends the back-off; a later 401 for
  // that token (which worked) is a revocation and is renewed at once.
  h_.emulator().ClearFaults();
  EXPECT_TRUE(CallTrigger().status.ok());
  h_.emulator().ScriptFaults(kTriggerPath, {refused});
  Outcome revoked = CallTrigger();
  EXPECT_TRUE(revoked.status.ok()) << revoked.status.error_message();
  EXPECT_EQ(Triggers(), 12u);
  EXPECT_EQ(fetches(), 3u);
}

// --- a call that reached GenAuth, then was refused a retry ---

TEST_F(FaultInjectionTest, ACallWhoseOwnAttemptsOpenTheBreakerIsAnsweredWithWhatGenAuthSaid) {
  auto& o = h_.sidecar_options();
  o.client.circuit_breaker = {2, milliseconds(500)};
  StartWarm();
  h_.emulator().ScriptFaults(kTriggerPath, Times(2, Envelope(503)));
  // Two 503s in a row: the second opens the breaker, which then refuses the third attempt.
  Outcome call = CallTrigger();
  EXPECT_EQ(call.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  std::string reason;
  std::map<std::string, std::string> metadata = ErrorInfoMetadata(call.status, &reason);
  EXPECT_EQ(reason, "GENAUTH_ERROR");  // not CIRCUIT_OPEN: GenAuth was called, and said 503
  EXPECT_EQ(metadata["statusCode"], "503");
  EXPECT_EQ(metadata["httpStatus"], "503");
  EXPECT_FALSE(metadata["requestId"].empty());
  EXPECT_EQ(metadata["retryRefusedBy"], "CIRCUIT_OPEN");
  EXPECT_NE(call.status.error_message().find("not retried: GenAuth failed repeatedly and the "
                                             "circuit breaker opened"),
            std::string::npos)
      << call.status.error_message();
  int64_t delay_ms = 0;
  ASSERT_TRUE(HasRetryInfo(call.status, &delay_ms));
  EXPECT_GT(delay_ms, 0);
  EXPECT_LE(delay_ms, 500);
  EXPECT_EQ(Triggers(), 2u);
  // A call that arrives now is refused before reaching GenAuth: that, and only that, is
  // CIRCUIT_OPEN.
  Outcome next = CallTrigger();
  EXPECT_EQ(Reason(next.status), "CIRCUIT_OPEN");
  EXPECT_TRUE(ErrorInfoMetadata(next.status).empty());
  EXPECT_EQ(Triggers(), 2u);
  // The log line of the first call has both what GenAuth said and what stopped the call.
  bool logged = false;
  for (const std::string& line : h_.LogLines()) {
    if (line.find("\"stoppedBy\":\"circuit_open\"") != std::string::npos &&
        line.find("\"genauthStatus\":503") != std::string::npos &&
        line.find("\"requestId\"") != std::string::npos) {
      logged = true;
    }
  }
  EXPECT_TRUE(logged) << h_.Logs();
}

TEST_F(FaultInjectionTest, ARetryRefusedByAnotherCallsRateLimitIsAnsweredWithWhatGenAuthSaid) {
  StartWarm();
  // A read meets a 503 that asks for 1 s; while it waits, a trigger meets a 429 that pauses every
  // call for 2 s, so the read's retry is refused.
  h_.emulator().ScriptFaults(kGetPath, {Envelope(503, "1")});
  auto read = std::async(std::launch::async, [this] { return CallGet(milliseconds(3000)); });
  for (int i = 0; i < 200 && Gets() < 1; ++i) std::this_thread::sleep_for(milliseconds(5));
  ASSERT_EQ(Gets(), 1u);
  h_.emulator().ScriptFaults(kTriggerPath, {Envelope(429, "2")});
  Outcome limited = CallTrigger(milliseconds(500));
  EXPECT_EQ(limited.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  Outcome got = read.get();
  EXPECT_EQ(got.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  std::string reason;
  std::map<std::string, std::string> metadata = ErrorInfoMetadata(got.status, &reason);
  EXPECT_EQ(reason, "GENAUTH_ERROR");
  EXPECT_EQ(metadata["statusCode"], "503");
  EXPECT_FALSE(metadata["requestId"].empty());
  EXPECT_EQ(metadata["retryRefusedBy"], "RATE_LIMITED");
  int64_t delay_ms = 0;
  ASSERT_TRUE(HasRetryInfo(got.status, &delay_ms));  // what is left of the 2 s pause
  EXPECT_GT(delay_ms, 0);
  EXPECT_LE(delay_ms, 2000);
  EXPECT_EQ(Gets(), 1u);
  EXPECT_GE(got.ms, 990);
  EXPECT_LT(got.ms, 2000 * kSlack);
}

// --- bad replies ---

TEST_F(FaultInjectionTest, AnHtmlErrorPageIsAGatewayErrorByItsHttpStatus) {
  StartWarm();
  const Fault page = Raw(502, "<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html");
  h_.emulator().ScriptFaults(kTriggerPath, {page});
  Outcome trigger = CallTrigger();
  // A 502 may come after GenAuth acted: a trigger is not repeated. A read is.
  EXPECT_EQ(trigger.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Reason(trigger.status), "GENAUTH_ERROR");
  EXPECT_NE(trigger.status.error_message().find("HTTP 502 without a JSON envelope"),
            std::string::npos)
      << trigger.status.error_message();
  EXPECT_EQ(Triggers(), 1u);
  h_.emulator().ScriptFaults(kGetPath, {page});
  EXPECT_TRUE(CallGet().status.ok());
  EXPECT_EQ(Gets(), 2u);
}

TEST_F(FaultInjectionTest, An200HtmlPageIsAMalformedReplyAndNotRetried) {
  StartWarm();
  h_.emulator().ScriptFaults(kTriggerPath,
                             {Raw(200, R"({"statusCode":200,"data":{}})", "text/html")});
  Outcome call = CallTrigger();
  EXPECT_EQ(call.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Reason(call.status), "UPSTREAM_MALFORMED_REPLY");
  EXPECT_NE(call.status.error_message().find("Content-Type is text/html"), std::string::npos)
      << call.status.error_message();
  EXPECT_EQ(Triggers(), 1u);
}

TEST_F(FaultInjectionTest, TruncatedJsonIsAMalformedReply) {
  StartWarm();
  h_.emulator().ScriptFaults(
      kTriggerPath, {Raw(200, R"({"statusCode":200,"data":{"response":)", "application/json")});
  Outcome call = CallTrigger();
  EXPECT_EQ(call.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Reason(call.status), "UPSTREAM_MALFORMED_REPLY");
  EXPECT_NE(call.status.error_message().find("could not be read"), std::string::npos)
      << call.status.error_message();
  EXPECT_EQ(Triggers(), 1u);
}

TEST_F(FaultInjectionTest, JsonThatIsNotAnEnvelopeIsAMalformedReply) {
  StartWarm();
  h_.emulator().ScriptFaults(kTriggerPath,
                             {Raw(200, R"(["not", "an", "envelope"])", "application/json"),
                              Raw(200, R"({"ok": true})", "application/json")});
  for (int i = 0; i < 2; ++i) {
    Outcome call = CallTrigger();
    EXPECT_EQ(call.status.error_code(), grpc::StatusCode::UNAVAILABLE);
    EXPECT_EQ(Reason(call.status), "UPSTREAM_MALFORMED_REPLY");
  }
  EXPECT_EQ(Triggers(), 2u);
}

TEST_F(FaultInjectionTest, AReadWithoutDataIsAnErrorButAWriteWithoutDataSucceeds) {
  StartWarm();
  h_.emulator().ScriptFaults(
      kGetPath, Times(3, Raw(200, R"({"statusCode":200,"message":"ok"})", "application/json")));
  Outcome get = CallGet();
  EXPECT_EQ(get.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Reason(get.status), "UPSTREAM_MALFORMED_REPLY");
  EXPECT_NE(get.status.error_message().find("no data"), std::string::npos);
  EXPECT_EQ(Gets(), 1u);
  // GenAuth said the trigger happened: an error would invite a duplicate.
  h_.emulator().ScriptFaults(
      kTriggerPath, {Raw(200, R"({"statusCode":200,"message":"ok"})", "application/json")});
  EXPECT_TRUE(CallTrigger().status.ok());
  EXPECT_EQ(Triggers(), 1u);
}

TEST_F(FaultInjectionTest, AnOversizedReplyIsRefusedAndNotRetried) {
  h_.sidecar_options().transport.max_reply_bytes = 64 * 1024;
  StartWarm();
  Fault huge = Raw(
      200, R"({"statusCode":200,"data":{"response":")" + std::string(200 * 1024, 'x') + R"("}})",
      "application/json");
  h_.emulator().ScriptFaults(kTriggerPath, {huge});
  Outcome call = CallTrigger();
  EXPECT_EQ(call.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Reason(call.status), "UPSTREAM_MALFORMED_REPLY");
  EXPECT_NE(call.status.error_message().find("larger than"), std::string::npos);
  EXPECT_EQ(Triggers(), 1u);
  EXPECT_LT(call.ms, 1000 * kSlack);
}

// --- load shedding ---

TEST_F(FaultInjectionTest, BeyondTheInFlightBoundCallsAreRefusedAtOnce) {
  auto& o = h_.sidecar_options();
  o.handler.admission.max_calls = 2;
  o.client.attempt_timeout = std::chrono::seconds(3);
  StartWarm();
  const Fault slow =
      SlowReply(milliseconds(1000));  // long enough for the third call to find both slots taken
  h_.emulator().ScriptFaults(kTriggerPath, Times(2, slow));
  // Two calls in flight at GenAuth at once (no worker pool: both wait on the event loop) ...
  auto first = std::async(std::launch::async, [this] { return CallTrigger(); });
  auto second = std::async(std::launch::async, [this] { return CallTrigger(); });
  for (int i = 0; i < 200 && Triggers() < 2; ++i) std::this_thread::sleep_for(milliseconds(5));
  ASSERT_EQ(Triggers(), 2u);
  EXPECT_EQ(h_.sidecar().metrics().GaugeValue("genauth_sidecar_calls_in_flight"), 2);
  // ... and the third finds no room: refused at once, with a hint when to come back.
  Outcome shed = CallTrigger();
  EXPECT_EQ(shed.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(Reason(shed.status), "OVERLOADED");
  EXPECT_NE(shed.status.error_message().find("SIDECAR_MAX_IN_FLIGHT_CALLS"), std::string::npos)
      << shed.status.error_message();
  EXPECT_TRUE(HasRetryInfo(shed.status));
  EXPECT_LT(shed.ms, 500 * kSlack);  // at once, against a 1 s call
  EXPECT_TRUE(first.get().status.ok());
  EXPECT_TRUE(second.get().status.ok());
  EXPECT_EQ(Triggers(), 2u);
  EXPECT_EQ(Counter("genauth_sidecar_calls_shed_total"), 1u);
  EXPECT_EQ(h_.sidecar().metrics().GaugeValue("genauth_sidecar_calls_in_flight"), 0);
}

TEST_F(FaultInjectionTest, BeyondTheInFlightByteBoundLargeCallsAreRefusedAtOnce) {
  auto& o = h_.sidecar_options();
  o.handler.admission.max_bytes = 4 * 1024 * 1024;
  o.client.attempt_timeout = std::chrono::seconds(3);
  StartWarm();
  const Fault slow = SlowReply(milliseconds(1000));
  h_.emulator().ScriptFaults(kTriggerPath, {slow});
  auto call_with = [this](size_t blob_bytes) {
    genauth::management::v1::TriggerWebhookRequest request;
    request.set_webhook_id(kWebhookId);
    (*request.mutable_request_body()->mutable_fields())["blob"].set_string_value(
        std::string(blob_bytes, 'b'));
    genauth::management::v1::TriggerWebhookResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    const auto start = Clock::now();
    grpc::Status status = h_.stub().TriggerWebhook(&context, request, &response);
    return Outcome{status, ElapsedMs(start)};
  };
  // The first holds about its 300 KB JSON body while GenAuth is slow ...
  auto first = std::async(std::launch::async, [&] { return call_with(300 * 1024); });
  for (int i = 0; i < 200 && Triggers() < 1; ++i) std::this_thread::sleep_for(milliseconds(5));
  ASSERT_EQ(Triggers(), 1u);
  EXPECT_GT(h_.sidecar().metrics().GaugeValue("genauth_sidecar_request_bytes_in_flight"),
            300 * 1024);
  // ... so a 500 KB one, charged 8x while it would be transcoded, does not fit beside it.
  Outcome refused = call_with(500 * 1024);
  EXPECT_EQ(refused.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(Reason(refused.status), "OVERLOADED");
  EXPECT_NE(refused.status.error_message().find("SIDECAR_MAX_IN_FLIGHT_BYTES"), std::string::npos)
      << refused.status.error_message();
  EXPECT_TRUE(HasRetryInfo(refused.status));
  EXPECT_LT(refused.ms, 500 * kSlack);
  EXPECT_TRUE(first.get().status.ok());
  // Alone, it fits: the bound refused it for what was held, not for its size.
  EXPECT_TRUE(call_with(500 * 1024).status.ok());
  EXPECT_EQ(Triggers(), 2u);
  EXPECT_EQ(h_.sidecar().metrics().GaugeValue("genauth_sidecar_request_bytes_in_flight"), 0);
  EXPECT_EQ(h_.sidecar().metrics().GaugeValue("genauth_sidecar_calls_in_flight"), 0);
}

// --- drain ---

TEST_F(FaultInjectionTest, DrainServesDuringTheDelayThenRefusesAndLetsInFlightCallsFinish) {
  auto& o = h_.sidecar_options();
  o.drain_delay = milliseconds(400);
  o.shutdown_grace = std::chrono::seconds(5);
  o.client.attempt_timeout = std::chrono::seconds(2);
  StartWarm();
  const Fault slow = SlowReply(milliseconds(800));
  h_.emulator().ScriptFaults(kTriggerPath, {slow});
  auto in_flight = std::async(std::launch::async, [this] { return CallTrigger(); });
  for (int i = 0; i < 100 && Triggers() == 0; ++i) std::this_thread::sleep_for(milliseconds(5));
  const auto drain_start = Clock::now();
  auto drained = std::async(std::launch::async, [this] { h_.sidecar().Shutdown(); });
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_FALSE(h_.sidecar().ready());
  // Within the drain delay: health says NOT_SERVING, calls are still served.
  EXPECT_TRUE(CallTrigger().status.ok());
  std::this_thread::sleep_for(milliseconds(400));
  // After it: refused at once.
  Outcome refused = CallTrigger();
  EXPECT_EQ(refused.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Reason(refused.status), "SHUTTING_DOWN");
  int64_t delay_ms = 0;
  ASSERT_TRUE(HasRetryInfo(refused.status, &delay_ms));
  EXPECT_EQ(delay_ms, 1000);
  EXPECT_LT(refused.ms, 500 * kSlack);       // at once, against an 800 ms call
  EXPECT_TRUE(in_flight.get().status.ok());  // the call accepted before the drain finished
  drained.get();
  EXPECT_LT(ElapsedMs(drain_start), 3000 * kSlack);
  EXPECT_EQ(Triggers(), 2u);
}

}  // namespace
}  // namespace genauth::testing
