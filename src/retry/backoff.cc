// Full-jitter backoff between attempts (see backoff.h); the arithmetic is common/backoff.h's.
#include "retry/backoff.h"

#include "common/backoff.h"

namespace genauth::retry {

std::chrono::nanoseconds BackoffCeiling(const RetryPolicy& policy, int retry_number) {
  return common::ExponentialCeiling(policy.base_delay, policy.max_delay, retry_number);
}

std::chrono::nanoseconds FullJitterBackoff(const RetryPolicy& policy, int retry_number,
                                           common::Random& random) {
  return common::FullJitter(BackoffCeiling(policy, retry_number), random.NextUnit());
}

}  // namespace genauth::retry
