// A Prometheus histogram with fixed buckets: observations are counted into the first bucket whose
// upper bound is at least the value, and the sum is kept beside them. Observe is lock-free (one
// binary search over the bounds and two atomic operations), so it is cheap enough for every call.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

namespace genauth::observability {

class Histogram {
 public:
  // `bounds`: the buckets' upper bounds, strictly increasing; the +Inf bucket is implicit.
  explicit Histogram(std::vector<double> bounds);

  // Counts `value` (NaN is ignored: it belongs to no bucket and would poison the sum).
  void Observe(double value);
  // Counts a duration in seconds, the unit Prometheus expects for time.
  void ObserveDuration(std::chrono::nanoseconds d) {
    Observe(std::chrono::duration<double>(d).count());
  }

  struct Snapshot {
    std::vector<uint64_t> cumulative;  // per bound, then +Inf: observations <= that bound
    double sum = 0;
    uint64_t count = 0;  // equals cumulative.back()
  };
  // The counts as Prometheus renders them. Taken while observations continue, so it may be a few
  // observations out of step with `sum`; `count` is derived from the buckets so that it always
  // matches the +Inf bucket, which scrapers check.
  Snapshot Take() const;

  const std::vector<double>& bounds() const { return bounds_; }

 private:
  const std::vector<double> bounds_;
  const std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // per bucket, not cumulative; +Inf last
  std::atomic<double> sum_{0};
};

// Buckets for latencies in seconds, 0.5 ms to 10 s: loopback calls to the sidecar land in the low
// ones, GenAuth round trips and webhook deliveries (which include the customer's URL) in the
// middle, timeouts at the top.
const std::vector<double>& LatencySecondsBuckets();

}  // namespace genauth::observability
