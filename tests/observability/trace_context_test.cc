// Tests of W3C Trace Context parsing, the sidecar's span ids and the traceparent it sends.
#include "observability/trace_context.h"

#include <gtest/gtest.h>

#include <string>

namespace genauth::observability {
namespace {

constexpr char kValid[] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

TEST(TraceContextTest, ParsesAValidTraceParent) {
  auto parsed = ParseTraceParent(kValid);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(parsed->parent_id, "00f067aa0ba902b7");
  EXPECT_EQ(parsed->flags, 0x01);
  EXPECT_EQ(ParseTraceParent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")->flags, 0);
}

TEST(TraceContextTest, RefusesInvalidTraceParents) {
  for (const char* bad : {
           "",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0",     // short
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",  // 00 with extra
           "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",    // version ff
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",    // zero trace id
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",    // zero parent id
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",    // upper case
           "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",    // separator
           "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",    // not hex
           "0g-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",    // version not hex
           "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",   // later, no '-'
       }) {
    EXPECT_FALSE(ParseTraceParent(bad).has_value()) << bad;
  }
}

TEST(TraceContextTest, ReadsALaterVersionByItsFirstFields) {
  auto parsed = ParseTraceParent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_TRUE(ParseTraceParent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
}

TEST(TraceContextTest, TraceStateIsBoundedByWholeMembers) {
  EXPECT_EQ(BoundedTraceState(" congo=t61rcWkgMzE,rojo=00f067aa0ba902b7 "),
            "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7");
  EXPECT_EQ(BoundedTraceState("a=1\n"), "");  // not printable: dropped whole
  std::string longer;
  for (int i = 0; longer.size() < 700; ++i) {
    if (!longer.empty()) longer += ",";
    longer += "vendor" + std::to_string(i) + "=" + std::string(20, 'x');
  }
  const std::string bounded = BoundedTraceState(longer);
  EXPECT_LE(bounded.size(), kMaxTraceStateLength);
  EXPECT_GT(bounded.size(), kMaxTraceStateLength - 40);
  EXPECT_EQ(longer.rfind(bounded, 0), 0u);                  // a prefix of the original
  EXPECT_EQ(longer[bounded.size()], ',');                   // cut at a member boundary
  EXPECT_EQ(BoundedTraceState(std::string(600, 'x')), "");  // one member too long: none kept
}

TEST(TraceContextTest, ContinuesTheCallersTraceWithItsOwnSpan) {
  common::FixedRandom random({0.5});
  auto trace = TraceForCall(kValid, "rojo=00f067aa0ba902b7", false, random);
  ASSERT_TRUE(trace.has_value());
  EXPECT_EQ(trace->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(trace->span_id, "8080808080808080");
  EXPECT_FALSE(trace->started_here);
  EXPECT_EQ(trace->trace_state, "rojo=00f067aa0ba902b7");
  EXPECT_EQ(trace->TraceParentHeader(), "00-4bf92f3577b34da6a3ce929d0e0e4736-8080808080808080-01");
}

TEST(TraceContextTest, WithoutAValidTraceParentStartsATraceOnlyWhenAsked) {
  common::FixedRandom random({0.0});
  EXPECT_FALSE(TraceForCall(std::nullopt, std::nullopt, false, random).has_value());
  EXPECT_FALSE(TraceForCall("garbage", "a=b", false, random).has_value());
  auto started = TraceForCall("garbage", "a=b", true, random);
  ASSERT_TRUE(started.has_value());
  EXPECT_TRUE(started->started_here);
  EXPECT_EQ(started->trace_id, "00000000000000000000000000000001");  // never all zero
  EXPECT_EQ(started->span_id, "0000000000000001");
  EXPECT_EQ(started->flags, 0x01);
  EXPECT_EQ(started->trace_state, "");  // belonged to the invalid traceparent
}

}  // namespace
}  // namespace genauth::observability
