// Tests of MetricsRegistry: series keyed by name and labels, and the Prometheus text rendering.
#include "observability/metrics.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace genauth::observability {
namespace {

TEST(MetricsRegistryTest, CountersAreKeyedByNameAndLabels) {
  MetricsRegistry registry;
  Counter* ok = registry.GetCounter("calls_total", {{"rpc", "TriggerWebhook"}, {"code", "OK"}});
  Counter* failed =
      registry.GetCounter("calls_total", {{"rpc", "TriggerWebhook"}, {"code", "UNAVAILABLE"}});
  ASSERT_NE(ok, failed);
  EXPECT_EQ(registry.GetCounter("calls_total", {{"rpc", "TriggerWebhook"}, {"code", "OK"}}), ok);

  ok->Increment();
  ok->Increment(4);
  failed->Increment();
  EXPECT_EQ(registry.CounterValue("calls_total", {{"rpc", "TriggerWebhook"}, {"code", "OK"}}), 5u);
  EXPECT_EQ(
      registry.CounterValue("calls_total", {{"rpc", "TriggerWebhook"}, {"code", "UNAVAILABLE"}}),
      1u);
}

TEST(MetricsRegistryTest, MissingSeriesReadAsZero) {
  MetricsRegistry registry;
  EXPECT_EQ(registry.CounterValue("never_created"), 0u);
  EXPECT_EQ(registry.GaugeValue("never_created"), 0);
  registry.GetCounter("retries_total", {{"rpc", "A"}})->Increment(7);
  EXPECT_EQ(registry.CounterValue("retries_total", {{"rpc", "B"}}), 0u);
  EXPECT_EQ(registry.CounterValue("retries_total"), 0u);
  // Label order is part of the series identity (kept as given).
  registry.GetCounter("pairs_total", {{"a", "1"}, {"b", "2"}})->Increment();
  EXPECT_EQ(registry.CounterValue("pairs_total", {{"b", "2"}, {"a", "1"}}), 0u);
  EXPECT_EQ(registry.CounterValue("pairs_total", {{"a", "1"}, {"b", "2"}}), 1u);
}

TEST(MetricsRegistryTest, GaugesSetAndAdd) {
  MetricsRegistry registry;
  Gauge* in_flight = registry.GetGauge("in_flight", {{"rpc", "A"}});
  in_flight->Set(5);
  in_flight->Add(-7);
  EXPECT_EQ(registry.GaugeValue("in_flight", {{"rpc", "A"}}), -2);
  EXPECT_EQ(registry.GaugeValue("in_flight", {{"rpc", "B"}}), 0);
  EXPECT_EQ(registry.GetGauge("in_flight", {{"rpc", "A"}}), in_flight);
}

TEST(MetricsRegistryTest, ConcurrentIncrementsAreAllCounted) {
  MetricsRegistry registry;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&registry] {
      for (int i = 0; i < 1000; ++i) registry.GetCounter("hits_total")->Increment();
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(registry.CounterValue("hits_total"), 4000u);
}

TEST(MetricsRegistryTest, RendersPrometheusText) {
  MetricsRegistry registry;
  registry.GetGauge("sidecar_in_flight", {}, "Calls accepted and not finished.")->Set(2);
  registry
      .GetCounter("sidecar_calls_total", {{"rpc", "TriggerWebhook"}, {"code", "OK"}},
                  "Calls served, by RPC and gRPC code.")
      ->Increment(3);
  registry.GetCounter("sidecar_calls_total", {{"rpc", "TriggerWebhook"}, {"code", "INTERNAL"}})
      ->Increment();
  registry.GetCounter("no_help_total")->Increment(9);
  EXPECT_EQ(registry.RenderPrometheus(),
            "# TYPE no_help_total counter\n"
            "no_help_total 9\n"
            "# HELP sidecar_calls_total Calls served, by RPC and gRPC code.\n"
            "# TYPE sidecar_calls_total counter\n"
            "sidecar_calls_total{rpc=\"TriggerWebhook\",code=\"INTERNAL\"} 1\n"
            "sidecar_calls_total{rpc=\"TriggerWebhook\",code=\"OK\"} 3\n"
            "# HELP sidecar_in_flight Calls accepted and not finished.\n"
            "# TYPE sidecar_in_flight gauge\n"
            "sidecar_in_flight 2\n");
}

TEST(MetricsRegistryTest, HelpIsKeptFromTheFirstCallThatGivesOne) {
  MetricsRegistry registry;
  registry.GetCounter("x_total");
  registry.GetCounter("x_total", {}, "First help.");
  registry.GetCounter("x_total", {}, "Second help.");
  EXPECT_EQ(registry.RenderPrometheus(),
            "# HELP x_total First help.\n"
            "# TYPE x_total counter\n"
            "x_total 0\n");
}

TEST(MetricsRegistryTest, EscapesLabelValues) {
  MetricsRegistry registry;
  registry.GetCounter("errors_total", {{"detail", "say \"hi\"\\path\nnext"}})->Increment();
  EXPECT_EQ(registry.RenderPrometheus(),
            "# TYPE errors_total counter\n"
            "errors_total{detail=\"say \\\"hi\\\"\\\\path\\nnext\"} 1\n");
  EXPECT_EQ(registry.CounterValue("errors_total", {{"detail", "say \"hi\"\\path\nnext"}}), 1u);
}

// Exposition format 0.0.4: in HELP text, backslash and line feed must be escaped as \\ and \n,
// otherwise a newline in the help ends the line and the rest is read as a (broken) sample.
TEST(MetricsRegistryTest, EscapesHelpText) {
  MetricsRegistry registry;
  registry.GetCounter("odd_total", {}, "Line one\nline two, C:\\path.");
  EXPECT_EQ(registry.RenderPrometheus(),
            "# HELP odd_total Line one\\nline two, C:\\\\path.\n"
            "# TYPE odd_total counter\n"
            "odd_total 0\n");
}

}  // namespace
}  // namespace genauth::observability
