// Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter"):
// the n-th retry waits a uniform random time in [0, min(max_delay, base_delay * 2^(n-1))).
#pragma once

#include <chrono>

#include "common/random.h"
#include "retry/retry_policy.h"

namespace genauth::retry {

// `retry_number` counts from 1 (the wait before the second attempt).
std::chrono::nanoseconds FullJitterBackoff(const RetryPolicy& policy, int retry_number,
                                           common::Random& random);

// The upper bound of that wait, without jitter.
std::chrono::nanoseconds BackoffCeiling(const RetryPolicy& policy, int retry_number);

}  // namespace genauth::retry
