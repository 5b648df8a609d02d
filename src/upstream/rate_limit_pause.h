// GenAuth's pushback: after a 429, calls to GenAuth pause until the reply's Retry-After has passed
// (gRPC's server pushback; Envoy's rate-limited retry back-off). While paused, new calls are
// answered at once with RESOURCE_EXHAUSTED and the remaining delay, instead of adding load to an
// upstream that asked for less. Thread-safe and lock-free: the pause is one atomic deadline.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>

#include "common/clock.h"

namespace genauth::upstream {

class RateLimitPause {
 public:
  // A 429 without Retry-After pauses for this long: GenAuth documents no header, and a short
  // pause still stops a burst of callers from hammering it.
  static constexpr common::Duration kDefaultPause = std::chrono::seconds(1);
  // A Retry-After beyond this is capped: one odd reply must not stop the sidecar for hours.
  static constexpr common::Duration kMaxPause = std::chrono::seconds(60);

  explicit RateLimitPause(common::Clock* clock) : clock_(clock) {}

  // After a 429: pause until now + `retry_after` (or kDefaultPause), capped at kMaxPause. A later
  // end replaces an earlier one, never the reverse. Returns the pause applied.
  common::Duration Pause(std::optional<common::Duration> retry_after);

  // How long calls must still wait; nullopt when not paused.
  std::optional<common::Duration> Remaining() const;

 private:
  common::Clock* const clock_;
  std::atomic<int64_t> paused_until_ns_{0};  // steady-clock nanoseconds; 0 = never paused
};

}  // namespace genauth::upstream
