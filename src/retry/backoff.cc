// Full-jitter backoff (see backoff.h).
#include "retry/backoff.h"

#include <algorithm>

namespace genauth::retry {

std::chrono::nanoseconds BackoffCeiling(const RetryPolicy& policy, int retry_number) {
  // Doubling past 2^30 cannot matter: max_delay caps it long before. Avoids overflow.
  int doublings = std::clamp(retry_number - 1, 0, 30);
  auto base = policy.base_delay.count();
  auto cap = policy.max_delay.count();
  if (base > (cap >> doublings)) return policy.max_delay;
  return std::chrono::nanoseconds(base << doublings);
}

std::chrono::nanoseconds FullJitterBackoff(const RetryPolicy& policy, int retry_number,
                                           common::Random& random) {
  auto ceiling = BackoffCeiling(policy, retry_number);
  return std::chrono::nanoseconds(
      static_cast<int64_t>(static_cast<double>(ceiling.count()) * random.NextUnit()));
}

}  // namespace genauth::retry
