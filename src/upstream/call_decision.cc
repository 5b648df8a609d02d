// Pure call decisions (see call_decision.h).
#include "upstream/call_decision.h"

#include "upstream/error_details.h"

namespace genauth::upstream {
namespace {

// An error that ends a call before its next attempt, keeping the last attempt's cause visible.
absl::Status Refusal(absl::StatusCode code, const std::string& why, const absl::Status& last_error,
                     const char* error_reason, common::Duration retry_after) {
  absl::Status status(
      code, last_error.ok() ? why : why + "; last error: " + std::string(last_error.message()));
  SetErrorInfo(status, error_reason);
  SetRetryInfo(status, retry_after);
  return status;
}

NextStep Answer(absl::Status status, std::string stopped_by = "") {
  NextStep step;
  step.kind = NextStep::Kind::kAnswer;
  step.status = std::move(status);
  step.stopped_by = std::move(stopped_by);
  return step;
}

}  // namespace

NextStep DecideAfterFailure(const ClassifiedAttempt& attempt, const RetryContext& context) {
  const retry::AttemptOutcome& outcome = attempt.outcome;
  if (context.can_renew_token && outcome.failure == retry::AttemptFailure::kStatus &&
      outcome.status == 401) {
    // GenAuth refused the token, so it did not process the call: renew and repeat once.
    NextStep step;
    step.kind = NextStep::Kind::kRenewTokenAndRepeat;
    return step;
  }
  if (!retry::IsRetryable(outcome, context.idempotency) ||
      context.retries_done + 1 >= context.max_attempts) {
    return Answer(attempt.status);
  }
  // After a 429 the wait is the pause every call now observes (Retry-After, capped, or the
  // default); otherwise the reply's Retry-After or the backoff.
  const common::Duration wait = context.pause         ? *context.pause
                                : attempt.retry_after ? *attempt.retry_after
                                                      : context.backoff;
  if (context.now + wait >= context.deadline) {
    absl::Status status = attempt.status;
    // GenAuth's own Retry-After when it sent one (the pause may be capped shorter).
    if (attempt.retry_after) {
      SetRetryInfo(status, *attempt.retry_after);
    } else if (context.pause) {
      SetRetryInfo(status, wait);
    }
    return Answer(std::move(status), "deadline");
  }
  NextStep step;
  step.kind = NextStep::Kind::kRetryAfter;
  step.wait = wait;
  return step;
}

absl::Status BudgetRefusal(const ClassifiedAttempt& attempt,
                           const std::optional<common::Duration>& pause, common::Duration wait) {
  absl::Status status = attempt.status;
  if (pause) SetRetryInfo(status, wait);
  return status;
}

absl::Status DeadlineRefusal(const absl::Status& last_error) {
  absl::Status status = absl::DeadlineExceededError(
      last_error.ok() ? "the deadline passed before GenAuth was called"
                      : "the deadline passed; last error: " + std::string(last_error.message()));
  SetErrorInfo(status, reason::kUpstreamTimeout);
  return status;
}

absl::Status RateLimitRefusal(common::Duration remaining, const absl::Status& last_error) {
  return Refusal(absl::StatusCode::kResourceExhausted,
                 "GenAuth is rate limiting; calls are paused until its Retry-After has passed",
                 last_error, reason::kRateLimited, remaining);
}

absl::Status CircuitOpenRefusal(common::Duration retry_after, const absl::Status& last_error) {
  return Refusal(absl::StatusCode::kUnavailable,
                 "GenAuth failed repeatedly; the circuit breaker is open", last_error,
                 reason::kCircuitOpen, retry_after);
}

absl::Status CancelledByCaller(int attempts) {
  return absl::CancelledError(
      attempts == 0 ? "the caller cancelled the call before it reached GenAuth"
                    : "the caller cancelled the call; its GenAuth request was aborted");
}

}  // namespace genauth::upstream
