// See rate_limit_pause.h.
#include "upstream/rate_limit_pause.h"

#include <algorithm>

namespace genauth::upstream {

common::Duration RateLimitPause::Pause(std::optional<common::Duration> retry_after) {
  const common::Duration pause =
      std::clamp(retry_after.value_or(kDefaultPause), common::Duration::zero(), kMaxPause);
  const int64_t until = (clock_->Now() + pause).time_since_epoch().count();
  int64_t current = paused_until_ns_.load(std::memory_order_relaxed);
  while (current < until &&
         !paused_until_ns_.compare_exchange_weak(current, until, std::memory_order_relaxed)) {
  }
  return pause;
}

std::optional<common::Duration> RateLimitPause::Remaining() const {
  const int64_t until = paused_until_ns_.load(std::memory_order_relaxed);
  if (until == 0) return std::nullopt;
  const int64_t now = clock_->Now().time_since_epoch().count();
  if (now >= until) return std::nullopt;
  return common::Duration(until - now);
}

}  // namespace genauth::upstream
