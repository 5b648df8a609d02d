// W3C trace context end to end: a caller's traceparent is continued on GenAuth's request (every
// attempt) with the sidecar's own span id, tracestate passed on, and the call's log line carries
// traceId and spanId. Without one, nothing is sent unless SIDECAR_START_TRACES is on.
#include <gtest/gtest.h>

#include "nlohmann/json.hpp"
#include "support/sidecar_harness.h"

namespace genauth::testing {
namespace {

using genauth::management::v1::TriggerWebhookResponse;

constexpr char kTraceId[] = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr char kCallerTraceParent[] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

grpc::Status TriggerWith(SidecarHarness& h, const std::multimap<std::string, std::string>& md) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  for (const auto& [key, value] : md) context.AddMetadata(key, value);
  TriggerWebhookResponse response;
  return h.stub().TriggerWebhook(&context, TriggerRequest(), &response);
}

// The "rpc" log lines, parsed.
std::vector<nlohmann::json> RpcLines(const SidecarHarness& h) {
  std::vector<nlohmann::json> lines;
  for (const auto& line : h.LogLines()) {
    auto json = nlohmann::json::parse(line, nullptr, false);
    if (!json.is_discarded() && json.value("msg", "") == "rpc") lines.push_back(json);
  }
  return lines;
}

TEST(TraceContextE2eTest, ContinuesTheCallersTraceOnEveryAttemptAndLogsIt) {
  SidecarHarness h;
  h.Start();
  emulator::Fault unavailable;
  unavailable.body_status = 503;
  h.emulator().ScriptFaults(kTriggerPath, {unavailable});  // one retry: two attempts
  grpc::Status status = TriggerWith(
      h, {{"traceparent", kCallerTraceParent}, {"tracestate", "rojo=00f067aa0ba902b7,congo=t61"}});
  ASSERT_TRUE(status.ok()) << status.error_message();

  auto calls = h.emulator().Requests(kTriggerPath);
  ASSERT_EQ(calls.size(), 2u);
  const std::string sent = calls[0].headers["traceparent"];
  ASSERT_EQ(sent.size(), 55u) << sent;
  EXPECT_EQ(sent.substr(0, 3), "00-");
  EXPECT_EQ(sent.substr(3, 32), kTraceId);
  const std::string span_id = sent.substr(36, 16);
  EXPECT_NE(span_id, "00f067aa0ba902b7");  // the sidecar's own span, not the caller's
  EXPECT_EQ(sent.substr(52), "-01");
  EXPECT_EQ(calls[1].headers["traceparent"], sent);  // the retry is the same span's attempt
  EXPECT_EQ(calls[0].headers["tracestate"], "rojo=00f067aa0ba902b7,congo=t61");
  EXPECT_EQ(calls[1].headers["tracestate"], "rojo=00f067aa0ba902b7,congo=t61");

  auto lines = RpcLines(h);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["traceId"], kTraceId);
  EXPECT_EQ(lines[0]["spanId"], span_id);
}

TEST(TraceContextE2eTest, WithoutATraceParentNothingIsSentOrLogged) {
  SidecarHarness h;
  h.Start();
  ASSERT_TRUE(TriggerWith(h, {}).ok());
  // An invalid one is ignored the same way (W3C), and so is its tracestate.
  ASSERT_TRUE(
      TriggerWith(h, {{"traceparent", "00-zz-00f067aa0ba902b7-01"}, {"tracestate", "a=b"}}).ok());
  auto calls = h.emulator().Requests(kTriggerPath);
  ASSERT_EQ(calls.size(), 2u);
  for (const auto& call : calls) {
    EXPECT_EQ(call.headers.count("traceparent"), 0u);
    EXPECT_EQ(call.headers.count("tracestate"), 0u);
  }
  for (const auto& line : RpcLines(h)) {
    EXPECT_FALSE(line.contains("traceId")) << line.dump();
    EXPECT_FALSE(line.contains("spanId")) << line.dump();
  }
}

TEST(TraceContextE2eTest, StartsATraceWhenConfigured) {
  SidecarHarness h;
  h.sidecar_options().handler.start_traces = true;
  h.Start();
  ASSERT_TRUE(TriggerWith(h, {}).ok());
  auto calls = h.emulator().Requests(kTriggerPath);
  ASSERT_EQ(calls.size(), 1u);
  const std::string sent = calls[0].headers["traceparent"];
  ASSERT_EQ(sent.size(), 55u) << sent;
  EXPECT_EQ(sent.substr(53), "01");  // sampled
  auto lines = RpcLines(h);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["traceId"], sent.substr(3, 32));
  EXPECT_EQ(lines[0]["spanId"], sent.substr(36, 16));
}

}  // namespace
}  // namespace genauth::testing
