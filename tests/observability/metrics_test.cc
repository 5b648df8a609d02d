// Tests of MetricsRegistry and Histogram: series keyed by name and labels, bucket counting, gauge
// functions, and the Prometheus text rendering.
#include "observability/metrics.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <mutex>
#include <optional>
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

TEST(HistogramTest, CountsIntoTheFirstBucketWhoseBoundIsAtLeastTheValue) {
  Histogram histogram({0.1, 1, 10});
  for (double v : {0.05, 0.1, 0.5, 1.0, 7.0, 11.0, 1e9}) histogram.Observe(v);
  Histogram::Snapshot s = histogram.Take();
  EXPECT_EQ(s.cumulative, (std::vector<uint64_t>{2, 4, 5, 7}));  // le is "less than or equal"
  EXPECT_EQ(s.count, 7u);
  EXPECT_DOUBLE_EQ(s.sum, 0.05 + 0.1 + 0.5 + 1.0 + 7.0 + 11.0 + 1e9);
}

TEST(HistogramTest, IgnoresNaNAndCountsDurationsInSeconds) {
  Histogram histogram(LatencySecondsBuckets());
  histogram.Observe(std::nan(""));
  histogram.ObserveDuration(std::chrono::milliseconds(3));
  Histogram::Snapshot s = histogram.Take();
  EXPECT_EQ(s.count, 1u);
  EXPECT_DOUBLE_EQ(s.sum, 0.003);
  // 0.003 s falls in the 0.005 bucket: nothing at or below 0.0025, everything from 0.005 on.
  const auto& bounds = histogram.bounds();
  for (size_t i = 0; i < bounds.size(); ++i) {
    EXPECT_EQ(s.cumulative[i], bounds[i] >= 0.003 ? 1u : 0u) << bounds[i];
  }
}

TEST(HistogramTest, ConcurrentObservationsAreAllCounted) {
  Histogram histogram({1});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&histogram] {
      for (int i = 0; i < 1000; ++i) histogram.Observe(0.5);
    });
  }
  for (auto& thread : threads) thread.join();
  Histogram::Snapshot s = histogram.Take();
  EXPECT_EQ(s.count, 4000u);
  EXPECT_DOUBLE_EQ(s.sum, 2000.0);  // halves add up exactly
}

TEST(MetricsRegistryTest, RendersHistogramsWithCumulativeBuckets) {
  MetricsRegistry registry;
  Histogram* h = registry.GetHistogram("call_duration_seconds", {{"rpc", "A"}}, "Call latency.",
                                       {0.0005, 0.25, 2.5});
  EXPECT_EQ(registry.GetHistogram("call_duration_seconds", {{"rpc", "A"}}, "", {1}), h);
  h->Observe(0.000244140625);  // 2^-12: exact in binary, so the sum below is exact too
  h->Observe(0.25);
  h->Observe(3);
  registry.GetHistogram("plain_seconds", {}, "", {1})->Observe(1);
  EXPECT_EQ(registry.RenderPrometheus(),
            "# HELP call_duration_seconds Call latency.\n"
            "# TYPE call_duration_seconds histogram\n"
            "call_duration_seconds_bucket{rpc=\"A\",le=\"0.0005\"} 1\n"
            "call_duration_seconds_bucket{rpc=\"A\",le=\"0.25\"} 2\n"
            "call_duration_seconds_bucket{rpc=\"A\",le=\"2.5\"} 2\n"
            "call_duration_seconds_bucket{rpc=\"A\",le=\"+Inf\"} 3\n"
            "call_duration_seconds_sum{rpc=\"A\"} 3.250244140625\n"
            "call_duration_seconds_count{rpc=\"A\"} 3\n"
            "# TYPE plain_seconds histogram\n"
            "plain_seconds_bucket{le=\"1\"} 1\n"
            "plain_seconds_bucket{le=\"+Inf\"} 1\n"
            "plain_seconds_sum 1\n"
            "plain_seconds_count 1\n");
}

TEST(MetricsRegistryTest, GaugeFunctionsAreComputedAtRenderTime) {
  MetricsRegistry registry;
  std::optional<double> age;
  registry.SetGaugeFunction("token_age_seconds", {}, "Age of the token.", [&age] { return age; });
  // No value yet: the family is announced without a sample.
  EXPECT_EQ(registry.RenderPrometheus(),
            "# HELP token_age_seconds Age of the token.\n"
            "# TYPE token_age_seconds gauge\n");
  age = 12.5;
  EXPECT_EQ(registry.RenderPrometheus(),
            "# HELP token_age_seconds Age of the token.\n"
            "# TYPE token_age_seconds gauge\n"
            "token_age_seconds 12.5\n");
  age = 13;
  EXPECT_NE(registry.RenderPrometheus().find("token_age_seconds 13\n"), std::string::npos);

  registry.SetGaugeFunction("token_age_seconds", {}, "", nullptr);  // removed
  EXPECT_EQ(registry.RenderPrometheus().find("token_age_seconds 13"), std::string::npos);
}

// A gauge function may take its owner's lock while the owner, under that lock, uses the registry.
TEST(MetricsRegistryTest, GaugeFunctionMayRunWhileItsOwnerUsesTheRegistry) {
  MetricsRegistry registry;
  std::mutex owner_mu;
  registry.SetGaugeFunction("owned", {}, "", [&owner_mu]() -> std::optional<double> {
    std::lock_guard<std::mutex> lock(owner_mu);
    return 1.0;
  });
  std::thread owner([&] {
    for (int i = 0; i < 200; ++i) {
      std::lock_guard<std::mutex> lock(owner_mu);
      registry.GetCounter("owner_total")->Increment();
    }
  });
  for (int i = 0; i < 200; ++i) registry.RenderPrometheus();
  owner.join();
  EXPECT_EQ(registry.CounterValue("owner_total"), 200u);
}

}  // namespace
}  // namespace genauth::observability
