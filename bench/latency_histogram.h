// A fixed-size log-linear latency histogram (HdrHistogram's layout, written here): values below
// 256 ns get a bucket each, and every power-of-two range above is split into 128 equal buckets,
// so a recorded value is known to within 0.8% from 1 ns to ~18 minutes in 4,352 counters (34 KiB)
// however many values are recorded. Long soak runs therefore use constant memory.
// Not thread-safe: the owner serializes Record and reads (see run_recorder.h).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace genauth::bench {

class LatencyHistogram {
 public:
  // Values above kMaxNanos are counted as kMaxNanos (and reported as such).
  static constexpr uint64_t kMaxNanos = (uint64_t{1} << 40) - 1;

  void Record(uint64_t nanos);
  void Merge(const LatencyHistogram& other);

  uint64_t count() const { return count_; }
  uint64_t min_nanos() const { return count_ == 0 ? 0 : min_; }
  uint64_t max_nanos() const { return max_; }
  double mean_nanos() const;

  // The value below which `percentile` percent of the recorded values fall (0..100), as the
  // midpoint of the bucket holding it, clamped to [min, max]. 0 when empty.
  uint64_t ValueAtPercentile(double percentile) const;

 private:
  static constexpr int kSubBucketBits = 7;  // 128 buckets per power of two
  // 256 exact buckets, then 128 for each power of two from 2^8 up to 2^40.
  static constexpr size_t kBuckets =
      (40 - (kSubBucketBits + 1)) * (size_t{1} << kSubBucketBits) + 256;

  static size_t BucketOf(uint64_t nanos);
  static uint64_t BucketMidpoint(size_t bucket);

  std::array<uint64_t, kBuckets> counts_{};
  uint64_t count_ = 0;
  uint64_t min_ = UINT64_MAX;
  uint64_t max_ = 0;
  long double sum_ = 0;
};

}  // namespace genauth::bench
