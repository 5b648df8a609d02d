// Consecutive-failure circuit breaker (see circuit_breaker.h).
#include "upstream/circuit_breaker.h"

#include <utility>

namespace genauth::upstream {
namespace {

// While a probe is out, other callers are told to come back after this long: the probe usually
// answers within an attempt timeout, and a short hint keeps them from waiting a whole open period.
constexpr common::Duration kProbeRetryHint = std::chrono::milliseconds(100);

}  // namespace

absl::Status CircuitBreakerOptions::Validate() const {
  if (failure_threshold < 0) {
    return absl::InvalidArgumentError("circuit breaker threshold must be 0 or more");
  }
  if (failure_threshold > 0 && open_duration <= common::Duration::zero()) {
    return absl::InvalidArgumentError("circuit breaker open time must be over 0");
  }
  return absl::OkStatus();
}

const char* CircuitStateName(CircuitState state) {
  switch (state) {
    case CircuitState::kClosed:
      return "closed";
    case CircuitState::kOpen:
      return "open";
    case CircuitState::kHalfOpen:
      return "half-open";
  }
  return "unknown";
}

CircuitBreaker::CircuitBreaker(CircuitBreakerOptions options, common::Clock* clock,
                               Listener listener)
    : options_(options), clock_(clock), listener_(std::move(listener)) {}

CircuitBreaker::Admission CircuitBreaker::Admit() {
  if (options_.failure_threshold == 0) return {};
  std::lock_guard<std::mutex> lock(mu_);
  switch (state_) {
    case CircuitState::kClosed:
      return {true, false, common::Duration::zero(), successes_};
    case CircuitState::kOpen: {
      const common::TimePoint now = clock_->Now();
      if (now < open_until_) return {false, false, open_until_ - now, successes_};
      MoveTo(CircuitState::kHalfOpen);
      probe_in_flight_ = true;
      return {true, true, common::Duration::zero(), successes_};
    }
    case CircuitState::kHalfOpen:
      if (probe_in_flight_) return {false, false, kProbeRetryHint, successes_};
      probe_in_flight_ = true;
      return {true, true, common::Duration::zero(), successes_};
  }
  return {};
}

void CircuitBreaker::RecordSuccess(const Admission& admission) {
  if (options_.failure_threshold == 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  consecutive_failures_ = 0;
  ++successes_;
  if (admission.probe) {
    probe_in_flight_ = false;
    MoveTo(CircuitState::kClosed);
  }
}

void CircuitBreaker::RecordFailure(const Admission& admission) {
  if (options_.failure_threshold == 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (!admission.probe && admission.successes_at_start != successes_) return;  // see the header
  ++consecutive_failures_;
  if (admission.probe) probe_in_flight_ = false;
  // Attempts admitted before the breaker opened may still fail afterwards; they do not extend
  // the open period. Only a closed breaker reaching the threshold, or a failed probe, opens it.
  const bool opens = admission.probe || (state_ == CircuitState::kClosed &&
                                         consecutive_failures_ >= options_.failure_threshold);
  if (opens) {
    open_until_ = clock_->Now() + options_.open_duration;
    MoveTo(CircuitState::kOpen);
  }
}

void CircuitBreaker::RecordNeutral(const Admission& admission) {
  if (options_.failure_threshold == 0 || !admission.probe) return;
  std::lock_guard<std::mutex> lock(mu_);
  probe_in_flight_ = false;
}

CircuitState CircuitBreaker::state() const {
  std::lock_guard<std::mutex> lock(mu_);
  return state_;
}

void CircuitBreaker::MoveTo(CircuitState to) {
  if (state_ == to) return;
  const CircuitState from = state_;
  state_ = to;
  if (listener_) listener_(from, to, consecutive_failures_);
}

}  // namespace genauth::upstream
