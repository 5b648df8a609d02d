// Idempotency keys end to end: repeats of a key — one after another, or ten at once — reach the
// emulator once and all get the first answer; other keys and key-less calls are independent; a
// conflicting reuse is refused; an outcome GenAuth provably did not act on is retried by the
// repeat; an ambiguous one is not sent again; a waiting repeat keeps its own deadline; a first
// call whose caller leaves is carried on to GenAuth's answer, which the caller's repeat gets.
#include <gtest/gtest.h>

#include <future>
#include <thread>
#include <vector>

#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "nlohmann/json.hpp"
#include "support/prometheus_text.h"
#include "support/sidecar_harness.h"

namespace genauth::testing {
namespace {

using genauth::management::v1::TriggerWebhookRequest;
using genauth::management::v1::TriggerWebhookResponse;
using std::chrono::milliseconds;

struct Result {
  grpc::Status status;
  TriggerWebhookResponse response;
};

Result TriggerWithKey(SidecarHarness& h, const std::string& key,
                      const TriggerWebhookRequest& request = TriggerRequest(),
                      milliseconds timeout = milliseconds(5000)) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + timeout);
  if (!key.empty()) context.AddMetadata("idempotency-key", key);
  Result result;
  result.status = h.stub().TriggerWebhook(&context, request, &result.response);
  return result;
}

TriggerWebhookRequest RequestWithBody(const std::string& id) {
  TriggerWebhookRequest request = TriggerRequest();
  auto status = google::protobuf::util::JsonStringToMessage(
      R"({"eventName": "user:created", "data": {"id": ")" + id + R"("}})",
      request.mutable_request_body());
  EXPECT_TRUE(status.ok());
  return request;
}

size_t UpstreamCalls(SidecarHarness& h) { return h.emulator().Requests(kTriggerPath).size(); }

uint64_t KeyCalls(SidecarHarness& h, const char* outcome) {
  return h.sidecar().metrics().CounterValue("genauth_sidecar_idempotency_calls_total",
                                            {{"outcome", outcome}});
}

std::string Reason(const grpc::Status& status) {
  std::string reason;
  ErrorInfoMetadata(status, &reason);
  return reason;
}

bool SameResponse(const TriggerWebhookResponse& a, const TriggerWebhookResponse& b) {
  return google::protobuf::util::MessageDifferencer::Equals(a, b);
}

TEST(IdempotencyE2eTest, ARepeatGetsTheFirstAnswerWithoutCallingGenAuth) {
  SidecarHarness h;
  h.Start();
  Result first = TriggerWithKey(h, "order-1", RequestWithBody("u1"));
  ASSERT_TRUE(first.status.ok()) << first.status.error_message();
  Result repeat = TriggerWithKey(h, "order-1", RequestWithBody("u1"));
  ASSERT_TRUE(repeat.status.ok()) << repeat.status.error_message();
  EXPECT_TRUE(SameResponse(first.response, repeat.response));
  EXPECT_EQ(UpstreamCalls(h), 1u);
  EXPECT_EQ(h.receiver().deliveries().size(), 1u);  // the webhook fired once
  EXPECT_EQ(KeyCalls(h, "first"), 1u);
  EXPECT_EQ(KeyCalls(h, "replayed"), 1u);
  // The log lines say what the key did, never the key.
  EXPECT_EQ(h.Logs().find("order-1"), std::string::npos);
  int replayed_lines = 0;
  for (const auto& line : h.LogLines()) {
    auto json = nlohmann::json::parse(line, nullptr, false);
    if (!json.is_discarded() && json.value("idempotency", "") == "replayed") ++replayed_lines;
  }
  EXPECT_EQ(replayed_lines, 1);
}

TEST(IdempotencyE2eTest, TenConcurrentRepeatsReachGenAuthOnce) {
  SidecarHarness h;
  h.Start();
  h.emulator().ScriptFaults(kTriggerPath, {SlowReply(milliseconds(300))});
  std::vector<std::future<Result>> calls;
  for (int i = 0; i < 10; ++i) {
    calls.push_back(std::async(std::launch::async, [&h] { return TriggerWithKey(h, "burst"); }));
  }
  std::vector<Result> results;
  for (auto& call : calls) results.push_back(call.get());
  for (const Result& r : results) {
    ASSERT_TRUE(r.status.ok()) << r.status.error_message();
    EXPECT_TRUE(SameResponse(r.response, results[0].response));
  }
  EXPECT_EQ(UpstreamCalls(h), 1u);
  EXPECT_EQ(KeyCalls(h, "first"), 1u);
  // Most arrive while the first runs (joined); a late starter may find it finished (replayed).
  EXPECT_EQ(KeyCalls(h, "joined") + KeyCalls(h, "replayed"), 9u);
  EXPECT_GE(KeyCalls(h, "joined"), 1u);
}

TEST(IdempotencyE2eTest, OtherKeysAndKeylessCallsAreIndependent) {
  SidecarHarness h;
  h.Start();
  ASSERT_TRUE(TriggerWithKey(h, "a").status.ok());
  ASSERT_TRUE(TriggerWithKey(h, "b").status.ok());
  ASSERT_TRUE(TriggerWithKey(h, "").status.ok());
  ASSERT_TRUE(TriggerWithKey(h, "").status.ok());
  EXPECT_EQ(UpstreamCalls(h), 4u);
  // A key on a call without side effects is ignored: reads are safe to repeat.
  grpc::ClientContext context;
  context.AddMetadata("idempotency-key", "a");
  genauth::management::v1::ListWebhookEventsRequest list;
  genauth::management::v1::ListWebhookEventsResponse events;
  EXPECT_TRUE(h.stub().ListWebhookEvents(&context, list, &events).ok());
  EXPECT_EQ(KeyCalls(h, "first"), 2u);
}

TEST(IdempotencyE2eTest, TheSameKeyWithAnotherRequestIsRefused) {
  SidecarHarness h;
  h.Start();
  ASSERT_TRUE(TriggerWithKey(h, "k", RequestWithBody("u1")).status.ok());
  Result other = TriggerWithKey(h, "k", RequestWithBody("u2"));
  EXPECT_EQ(other.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Reason(other.status), "IDEMPOTENCY_KEY_CONFLICT");
  EXPECT_NE(other.status.error_message().find("a different TriggerWebhook request"),
            std::string::npos)
      << other.status.error_message();
  EXPECT_EQ(UpstreamCalls(h), 1u);
  EXPECT_EQ(KeyCalls(h, "conflict"), 1u);
  // An invalid key is refused before anything else.
  Result too_long = TriggerWithKey(h, std::string(256, 'x'));
  EXPECT_EQ(too_long.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Reason(too_long.status), "INVALID_REQUEST");
}

TEST(IdempotencyE2eTest, AnOutcomeGenAuthDidNotActOnIsRetriedByTheRepeat) {
  SidecarHarness h;
  h.sidecar_options().client.retry.max_attempts = 1;
  h.Start();
  emulator::Fault unavailable;
  unavailable.body_status = 503;  // GenAuth refused the call before doing it
  h.emulator().ScriptFaults(kTriggerPath, {unavailable});
  Result first = TriggerWithKey(h, "k");
  EXPECT_EQ(first.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  Result repeat = TriggerWithKey(h, "k");
  ASSERT_TRUE(repeat.status.ok()) << repeat.status.error_message();
  EXPECT_EQ(UpstreamCalls(h), 2u);
  EXPECT_EQ(h.receiver().deliveries().size(), 1u);
  EXPECT_EQ(h.sidecar().metrics().CounterValue("genauth_sidecar_idempotency_forgotten_total"), 1u);
  // Now finished: a third call is a replay.
  ASSERT_TRUE(TriggerWithKey(h, "k").status.ok());
  EXPECT_EQ(UpstreamCalls(h), 2u);
}

TEST(IdempotencyE2eTest, AnAmbiguousOutcomeIsNotSentAgain) {
  SidecarHarness h;
  h.sidecar_options().client.retry.max_attempts = 1;
  h.sidecar_options().client.attempt_timeout = milliseconds(200);
  h.Start();
  h.emulator().ScriptFaults(kTriggerPath, {SlowReply(milliseconds(1000))});
  Result first = TriggerWithKey(h, "k");
  EXPECT_EQ(first.status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_EQ(Reason(first.status), "UPSTREAM_TIMEOUT");
  Result repeat = TriggerWithKey(h, "k");
  EXPECT_EQ(repeat.status.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(Reason(repeat.status), "IDEMPOTENCY_OUTCOME_UNKNOWN");
  EXPECT_EQ(UpstreamCalls(h), 1u);
}

TEST(IdempotencyE2eTest, AWaitingRepeatKeepsItsOwnDeadline) {
  SidecarHarness h;
  h.Start();
  h.emulator().ScriptFaults(kTriggerPath, {SlowReply(milliseconds(800))});
  auto first = std::async(std::launch::async, [&h] { return TriggerWithKey(h, "k"); });
  // Let the first call reach the emulator before the repeat.
  for (int i = 0; i < 200 && UpstreamCalls(h) == 0; ++i) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  ASSERT_EQ(UpstreamCalls(h), 1u);
  const auto started = std::chrono::steady_clock::now();
  Result impatient = TriggerWithKey(h, "k", TriggerRequest(), milliseconds(150));
  const auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(impatient.status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_LT(waited, milliseconds(700));
  Result done = first.get();
  ASSERT_TRUE(done.status.ok()) << done.status.error_message();
  // The one that gave up can repeat and get the answer.
  Result later = TriggerWithKey(h, "k");
  ASSERT_TRUE(later.status.ok());
  EXPECT_TRUE(SameResponse(later.response, done.response));
  EXPECT_EQ(UpstreamCalls(h), 1u);
}

TEST(IdempotencyE2eTest, AWaitingRepeatWithoutADeadlineGetsTheSidecarsDefault) {
  SidecarHarness h;
  h.sidecar_options().handler.default_timeout = milliseconds(300);
  h.Start();
  h.emulator().ScriptFaults(kTriggerPath, {SlowReply(milliseconds(1000))});
  auto first = std::async(std::launch::async, [&h] { return TriggerWithKey(h, "k"); });
  for (int i = 0; i < 200 && UpstreamCalls(h) == 0; ++i) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  ASSERT_EQ(UpstreamCalls(h), 1u);
  grpc::ClientContext context;  // no deadline: the sidecar's SIDECAR_DEFAULT_TIMEOUT applies
  context.AddMetadata("idempotency-key", "k");
  TriggerWebhookResponse response;
  const auto started = std::chrono::steady_clock::now();
  grpc::Status waited = h.stub().TriggerWebhook(&context, TriggerRequest(), &response);
  EXPECT_LT(std::chrono::steady_clock::now() - started, milliseconds(900));
  EXPECT_EQ(waited.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_EQ(Reason(waited), "UPSTREAM_TIMEOUT");
  EXPECT_TRUE(first.get().status.ok());
  EXPECT_EQ(UpstreamCalls(h), 1u);
}

// Log lines whose "idempotency" field is `value`.
int IdempotencyLogLines(SidecarHarness& h, const std::string& value) {
  int lines = 0;
  for (const auto& line : h.LogLines()) {
    auto json = nlohmann::json::parse(line, nullptr, false);
    if (!json.is_discarded() && json.value("idempotency", "") == value) ++lines;
  }
  return lines;
}

uint64_t CallsInFlight(SidecarHarness& h) {
  std::string error;
  auto text = ParsePrometheusText(h.sidecar().metrics().RenderPrometheus(), &error);
  EXPECT_TRUE(text.has_value()) << error;
  return text ? static_cast<uint64_t>(text->Value("genauth_sidecar_calls_in_flight").value_or(0))
              : 0;
}

// Waits (bounded) until no call is in flight: a carried-on call stops counting just after the
// repeats that joined it have their answer.
uint64_t AwaitNoCallsInFlight(SidecarHarness& h) {
  for (int i = 0; i < 300 && CallsInFlight(h) != 0; ++i) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  return CallsInFlight(h);
}

// The issue's case: the caller's deadline passes while GenAuth is slow, and the caller retries
// with the same key. The first call is not aborted with its caller: the retry joins it and gets
// GenAuth's real answer, and the webhook fires once.
TEST(IdempotencyE2eTest, AFirstCallWhoseCallerLeftIsCarriedOnForTheRetry) {
  SidecarHarness h;
  h.Start();
  h.emulator().ScriptFaults(kTriggerPath, {SlowReply(milliseconds(700))});
  Result impatient = TriggerWithKey(h, "k", TriggerRequest(), milliseconds(150));
  EXPECT_EQ(impatient.status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  Result retry = TriggerWithKey(h, "k");
  ASSERT_TRUE(retry.status.ok()) << retry.status.error_message();
  EXPECT_EQ(UpstreamCalls(h), 1u);
  EXPECT_EQ(h.receiver().deliveries().size(), 1u);
  EXPECT_EQ(KeyCalls(h, "joined"), 1u);
  EXPECT_EQ(h.sidecar().metrics().CounterValue("genauth_sidecar_idempotency_carried_on_total"), 1u);
  EXPECT_EQ(h.sidecar().metrics().CounterValue("genauth_upstream_calls_cancelled_total"), 0u);
  // One line for the caller that left, one for the call's end, one for the retry.
  EXPECT_EQ(AwaitNoCallsInFlight(h), 0u);
  EXPECT_EQ(IdempotencyLogLines(h, "carried-on"), 1);
  // Later repeats are replays of the same answer.
  Result later = TriggerWithKey(h, "k");
  ASSERT_TRUE(later.status.ok());
  EXPECT_TRUE(SameResponse(later.response, retry.response));
  EXPECT_EQ(UpstreamCalls(h), 1u);
}

// Carried on without any repeat waiting: the answer is kept for one that comes later, and the
// call counts as in flight until then. A call without a key is still aborted with its caller.
TEST(IdempotencyE2eTest, ACarriedOnCallKeepsItsAnswerForALaterRepeat) {
  SidecarHarness h;
  h.Start();
  h.emulator().ScriptFaults(kTriggerPath,
                            {SlowReply(milliseconds(400)), SlowReply(milliseconds(400))});
  EXPECT_EQ(TriggerWithKey(h, "k", TriggerRequest(), milliseconds(100)).status.error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_EQ(CallsInFlight(h), 1u);  // carried on
  ASSERT_EQ(AwaitNoCallsInFlight(h), 0u);
  EXPECT_EQ(IdempotencyLogLines(h, "carried-on"), 1);
  Result repeat = TriggerWithKey(h, "k");
  ASSERT_TRUE(repeat.status.ok()) << repeat.status.error_message();
  EXPECT_EQ(KeyCalls(h, "replayed"), 1u);
  EXPECT_EQ(UpstreamCalls(h), 1u);

  // Without a key, the caller leaving aborts the upstream call, as it always did.
  EXPECT_EQ(TriggerWithKey(h, "", TriggerRequest(), milliseconds(100)).status.error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_EQ(AwaitNoCallsInFlight(h), 0u);
  EXPECT_EQ(IdempotencyLogLines(h, "carried-on"), 1);
  EXPECT_EQ(h.sidecar().metrics().CounterValue("genauth_sidecar_idempotency_carried_on_total"), 1u);
}

// A carried-on call ends by its own bound (SIDECAR_DEFAULT_TIMEOUT from its start) when GenAuth
// does not answer: it stops counting in flight, and its repeats learn that the outcome is unknown.
TEST(IdempotencyE2eTest, ACarriedOnCallEndsAtItsOwnBound) {
  SidecarHarness h;
  h.sidecar_options().handler.default_timeout = milliseconds(400);
  h.Start();
  h.emulator().ScriptFaults(kTriggerPath, {SlowReply(milliseconds(3000))});
  EXPECT_EQ(TriggerWithKey(h, "k", TriggerRequest(), milliseconds(100)).status.error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_EQ(AwaitNoCallsInFlight(h), 0u);
  Result repeat = TriggerWithKey(h, "k");
  EXPECT_EQ(repeat.status.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(Reason(repeat.status), "IDEMPOTENCY_OUTCOME_UNKNOWN");
  EXPECT_EQ(UpstreamCalls(h), 1u);
}

// Shutting down does not wait for carried-on calls past the grace: they are cancelled, and the
// sidecar stops.
TEST(IdempotencyE2eTest, ShutdownCancelsCarriedOnCallsAfterTheGrace) {
  SidecarHarness h;
  h.sidecar_options().shutdown_grace = milliseconds(300);
  h.Start();
  h.emulator().ScriptFaults(kTriggerPath, {SlowReply(milliseconds(5000))});
  EXPECT_EQ(TriggerWithKey(h, "k", TriggerRequest(), milliseconds(100)).status.error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
  ASSERT_EQ(CallsInFlight(h), 1u);
  const auto started = std::chrono::steady_clock::now();
  h.sidecar().Shutdown();
  EXPECT_LT(std::chrono::steady_clock::now() - started, milliseconds(3000));
  EXPECT_EQ(CallsInFlight(h), 0u);
  EXPECT_EQ(h.sidecar().metrics().CounterValue("genauth_upstream_calls_cancelled_total"), 1u);
}

// Unique keys, as a busy caller sends them: the keys and answers held stay within the configured
// bytes and count (the oldest answers make room), as the /metrics gauges show.
TEST(IdempotencyE2eTest, UniqueKeysStayWithinTheBounds) {
  SidecarHarness h;
  h.sidecar_options().handler.idempotency.max_bytes = 8 * 1024;
  h.sidecar_options().handler.idempotency.max_entries = 20;
  h.Start();
  auto gauge = [&h](const char* name) {
    std::string error;
    auto text = ParsePrometheusText(h.sidecar().metrics().RenderPrometheus(), &error);
    EXPECT_TRUE(text.has_value()) << error;
    return text ? text->Value(name).value_or(-1) : -1;
  };
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(
        TriggerWithKey(h, "unique-" + std::to_string(i), RequestWithBody("u" + std::to_string(i)))
            .status.ok());
    ASSERT_LE(gauge("genauth_sidecar_idempotency_bytes"), 8 * 1024);
    ASSERT_LE(gauge("genauth_sidecar_idempotency_keys"), 20);
  }
  EXPECT_GT(gauge("genauth_sidecar_idempotency_keys"), 0);
  EXPECT_GE(h.sidecar().metrics().CounterValue("genauth_sidecar_idempotency_evictions_total",
                                               {{"why", "capacity"}}),
            180u);
  EXPECT_EQ(UpstreamCalls(h), 200u);
  // The newest key is still answered from the store.
  ASSERT_TRUE(TriggerWithKey(h, "unique-199", RequestWithBody("u199")).status.ok());
  EXPECT_EQ(UpstreamCalls(h), 200u);
}

}  // namespace
}  // namespace genauth::testing
