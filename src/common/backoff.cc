// Exponential back-off arithmetic (see backoff.h).
#include "common/backoff.h"

#include <algorithm>
#include <cstdint>

namespace genauth::common {

std::chrono::nanoseconds ExponentialCeiling(std::chrono::nanoseconds base,
                                            std::chrono::nanoseconds max, int step) {
  // Doubling past 2^30 cannot matter: max caps it long before. Avoids overflow.
  const int doublings = std::clamp(step - 1, 0, 30);
  if (base.count() > (max.count() >> doublings)) return max;
  return std::chrono::nanoseconds(base.count() << doublings);
}

std::chrono::nanoseconds FullJitter(std::chrono::nanoseconds ceiling, double unit) {
  return std::chrono::nanoseconds(
      static_cast<int64_t>(static_cast<double>(ceiling.count()) * unit));
}

std::chrono::nanoseconds EqualJitter(std::chrono::nanoseconds ceiling, double unit) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
      ceiling * (0.5 + 0.5 * std::clamp(unit, 0.0, 1.0)));
}

}  // namespace genauth::common
