// In-process metrics: monotonic counters, gauges and histograms keyed by name and labels,
// rendered in the Prometheus text format. Every degraded path (retry, token failure, shed call)
// has a counter, and tests assert counters rather than log text. Lookups take a mutex; hot paths
// keep the returned pointer, which stays valid for the registry's lifetime, and then only touch
// atomics. Gauges whose value is cheaper to compute when scraped (a token's age) are functions.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "observability/histogram.h"

namespace genauth::observability {

// Label pairs, e.g. {{"rpc", "TriggerWebhook"}, {"code", "OK"}}. Order is kept as given.
using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void Increment(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  void Set(int64_t v) { value_.store(v, std::memory_order_relaxed); }
  void Add(int64_t d) { value_.fetch_add(d, std::memory_order_relaxed); }
  int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

class MetricsRegistry {
 public:
  // Returns the counter, creating it at zero. `help` is kept from the first call for a name.
  Counter* GetCounter(const std::string& name, const Labels& labels = {},
                      const std::string& help = "");
  Gauge* GetGauge(const std::string& name, const Labels& labels = {}, const std::string& help = "");
  // Returns the histogram, creating it empty with `bounds` (later calls keep the first bounds).
  Histogram* GetHistogram(const std::string& name, const Labels& labels, const std::string& help,
                          const std::vector<double>& bounds);

  // A gauge computed when scraped: `value` is called by RenderPrometheus, from the scraping
  // thread, and the sample is left out when it returns nullopt. Replaces an earlier function of the
  // same series; an empty `value` removes it. Removal waits for a render in progress, so an owner
  // removes its function before the state it reads goes away. `value` must not call the registry.
  using GaugeFunction = std::function<std::optional<double>()>;
  void SetGaugeFunction(const std::string& name, const Labels& labels, const std::string& help,
                        GaugeFunction value);

  // Current value, 0 when the series does not exist (tests).
  uint64_t CounterValue(const std::string& name, const Labels& labels = {}) const;
  int64_t GaugeValue(const std::string& name, const Labels& labels = {}) const;

  // Prometheus text exposition format 0.0.4.
  std::string RenderPrometheus() const;

 private:
  enum class Type { kCounter, kGauge, kHistogram };
  struct Family {
    std::string help;
    Type type = Type::kCounter;
    std::map<std::string, std::unique_ptr<Counter>> counters;  // key: rendered label set
    std::map<std::string, std::unique_ptr<Gauge>> gauges;
    std::map<std::string, GaugeFunction> gauge_functions;
    std::map<std::string, std::unique_ptr<Histogram>> histograms;
  };

  Family& FamilyLocked(const std::string& name, const std::string& help, Type type);

  // Held while gauge functions run (outside mu_, so they may take their owners' locks freely) and
  // while one is replaced, so that a function is never called after its removal returned.
  mutable std::mutex functions_mu_;
  mutable std::mutex mu_;  // guards families_; taken after functions_mu_ when both are held
  std::map<std::string, Family> families_;
};

}  // namespace genauth::observability
