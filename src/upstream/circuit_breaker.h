// A circuit breaker for one upstream (Envoy's outlier ejection and Hystrix's breaker have the same
// shape). Closed: every attempt goes. After `failure_threshold` attempts in a row fail in a way
// that says GenAuth itself is unwell (nothing sent, no reply, broken reply, 5xx), it opens:
// attempts are refused at once for `open_duration`, so callers get a fast UNAVAILABLE instead of
// each waiting out a timeout, and GenAuth gets room to recover. Then it lets exactly one probe
// through (half-open): its success closes the breaker, its failure opens it again. Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>

#include "absl/status/status.h"
#include "common/clock.h"

namespace genauth::upstream {

struct CircuitBreakerOptions {
  int failure_threshold = 5;  // consecutive failures that open it; 0 disables the breaker
  common::Duration open_duration = std::chrono::seconds(5);

  absl::Status Validate() const;
};

enum class CircuitState { kClosed = 0, kOpen = 1, kHalfOpen = 2 };

const char* CircuitStateName(CircuitState state);

class CircuitBreaker {
 public:
  // Called on every state change, under the breaker's lock: keep it short (a log line).
  using Listener = std::function<void(CircuitState from, CircuitState to, int failures)>;

  CircuitBreaker(CircuitBreakerOptions options, common::Clock* clock, Listener listener = {});

  struct Admission {
    bool allowed = true;
    bool probe = false;  // this attempt is the half-open probe: its result decides the state
    common::Duration retry_after{0};  // when refused: how long until an attempt may go again
    uint64_t successes_at_start = 0;  // the breaker's success count when this attempt began
  };
  // Before an attempt. An allowed attempt must be followed by exactly one Record* call.
  Admission Admit();
  // GenAuth answered (any reply that shows it is up, a 4xx included).
  void RecordSuccess(const Admission& admission);
  // The attempt showed GenAuth unwell. It counts towards opening only if no attempt succeeded
  // while it ran: a success that ended meanwhile proves GenAuth was answering, so this failure was
  // the call's own (a slow reply, one dropped connection). Without that rule, the slow failures
  // still in flight when traffic pauses (a 429 pause) would arrive in a row and open the breaker.
  void RecordFailure(const Admission& admission);
  // The attempt ended without telling anything about GenAuth's health (e.g. the caller's deadline
  // cut it short before a reply could come); a probe hands its turn back.
  void RecordNeutral(const Admission& admission);

  CircuitState state() const;

 private:
  void MoveTo(CircuitState to);  // caller holds mu_

  const CircuitBreakerOptions options_;
  common::Clock* const clock_;
  const Listener listener_;
  mutable std::mutex mu_;
  CircuitState state_ = CircuitState::kClosed;
  int consecutive_failures_ = 0;
  uint64_t successes_ = 0;  // attempts that succeeded, ever
  common::TimePoint open_until_{};
  bool probe_in_flight_ = false;
};

}  // namespace genauth::upstream
