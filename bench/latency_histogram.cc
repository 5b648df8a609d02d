// Log-linear bucket arithmetic (see latency_histogram.h).
#include "latency_histogram.h"

#include <algorithm>
#include <cmath>

namespace genauth::bench {
namespace {

int BitWidth(uint64_t v) { return v == 0 ? 0 : 64 - __builtin_clzll(v); }

}  // namespace

// Below 256 the bucket is the value itself. Above, `shift` drops the bits beyond the top eight,
// whose value (128..255) picks one of the 128 buckets of that power of two.
size_t LatencyHistogram::BucketOf(uint64_t nanos) {
  const int shift = std::max(0, BitWidth(nanos) - (kSubBucketBits + 1));
  return static_cast<size_t>(shift) * (size_t{1} << kSubBucketBits) +
         static_cast<size_t>(nanos >> shift);
}

uint64_t LatencyHistogram::BucketMidpoint(size_t bucket) {
  if (bucket < 256) return bucket;
  const size_t shift = bucket / (size_t{1} << kSubBucketBits) - 1;
  const uint64_t mantissa = bucket - shift * (size_t{1} << kSubBucketBits);
  const uint64_t low = mantissa << shift;
  return low + ((uint64_t{1} << shift) - 1) / 2;
}

void LatencyHistogram::Record(uint64_t nanos) {
  nanos = std::min(nanos, kMaxNanos);
  ++counts_[BucketOf(nanos)];
  ++count_;
  min_ = std::min(min_, nanos);
  max_ = std::max(max_, nanos);
  sum_ += static_cast<long double>(nanos);
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  for (size_t i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
}

double LatencyHistogram::mean_nanos() const {
  return count_ == 0 ? 0.0 : static_cast<double>(sum_ / static_cast<long double>(count_));
}

uint64_t LatencyHistogram::ValueAtPercentile(double percentile) const {
  if (count_ == 0) return 0;
  const double clamped = std::clamp(percentile, 0.0, 100.0);
  // The rank of the value asked for, 1-based: p50 of 10 values is the 5th.
  const auto rank = std::max<uint64_t>(
      1, static_cast<uint64_t>(std::ceil(clamped / 100.0 * static_cast<double>(count_))));
  uint64_t seen = 0;
  for (size_t i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::clamp(BucketMidpoint(i), min_, max_);
  }
  return max_;
}

}  // namespace genauth::bench
