// Pure call decisions (see call_decision.h).
#include "upstream/call_decision.h"

#include "errors/error_details.h"

namespace genauth::upstream {
namespace {

// An error that refuses a call before GenAuth was called at all.
absl::Status Refusal(absl::StatusCode code, const std::string& why, const char* error_reason,
                     common::Duration retry_after) {
  absl::Status status(code, why);
  errors::SetErrorInfo(status, error_reason);
  errors::SetRetryInfo(status, retry_after);
  return status;
}

// A call that reached GenAuth and wanted to try again, but `refused_by` would not let it: the last
// attempt's own error (what GenAuth said), marked with what refused the retry and why.
absl::Status RetryRefused(const absl::Status& last_error, const char* refused_by,
                          const std::string& why) {
  absl::Status status = errors::WithMessageSuffix(last_error, "; not retried: " + why);
  errors::AddErrorInfoMetadata(status, kRetryRefusedByKey, refused_by);
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
  const bool refused_token =
      outcome.failure == retry::AttemptFailure::kStatus && outcome.status == 401;
  if (refused_token && context.renewal_wait) {
    // GenAuth refuses even fresh tokens: another renewal would only add a token fetch and a
    // repeat to every call. GenAuth's answer, and when renewing is worth trying again.
    absl::Status status = attempt.status;
    if (context.can_renew_token) {
      status = errors::WithMessageSuffix(
          status, "; the management token was not renewed: GenAuth refused a fresh one");
    }
    errors::SetRetryInfo(status, *context.renewal_wait);
    return Answer(std::move(status), context.can_renew_token ? "token_renewal_backoff" : "");
  }
  if (context.can_renew_token && refused_token) {
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
      errors::SetRetryInfo(status, *attempt.retry_after);
    } else if (context.pause) {
      errors::SetRetryInfo(status, wait);
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
  absl::Status status = RetryRefused(attempt.status, "RETRY_BUDGET",
                                     "the retry budget is spent (GenAuth is failing many calls)");
  if (pause) errors::SetRetryInfo(status, wait);
  return status;
}

absl::Status DeadlineRefusal(const absl::Status& last_error) {
  absl::Status status = absl::DeadlineExceededError(
      last_error.ok() ? "the deadline passed before GenAuth was called"
                      : "the deadline passed; last error: " + std::string(last_error.message()));
  errors::SetErrorInfo(status, errors::reason::kUpstreamTimeout);
  return status;
}

absl::Status RateLimitRefusal(common::Duration remaining, const absl::Status& last_error) {
  if (!last_error.ok()) {
    absl::Status status =
        RetryRefused(last_error, errors::reason::kRateLimited,
                     "GenAuth is rate limiting; calls are paused until its Retry-After has passed");
    errors::SetRetryInfo(status, remaining);
    return status;
  }
  return Refusal(absl::StatusCode::kResourceExhausted,
                 "GenAuth is rate limiting; calls are paused until its Retry-After has passed",
                 errors::reason::kRateLimited, remaining);
}

absl::Status CircuitOpenRefusal(common::Duration retry_after, const absl::Status& last_error) {
  if (!last_error.ok()) {
    absl::Status status = RetryRefused(last_error, errors::reason::kCircuitOpen,
                                       "GenAuth failed repeatedly and the circuit breaker opened");
    errors::SetRetryInfo(status, retry_after);
    return status;
  }
  return Refusal(absl::StatusCode::kUnavailable,
                 "GenAuth failed repeatedly; the circuit breaker is open",
                 errors::reason::kCircuitOpen, retry_after);
}

absl::Status TokenUnavailableRefusal(const absl::Status& error, common::Duration retry_after) {
  absl::Status status = error;
  errors::SetErrorInfo(status, errors::reason::kTokenUnavailable);
  errors::SetRetryInfo(status, retry_after);
  return status;
}

absl::Status ShuttingDownRefusal() {
  absl::Status status = absl::UnavailableError("the sidecar is shutting down");
  errors::SetErrorInfo(status, errors::reason::kShuttingDown);
  errors::SetRetryInfo(status, kShuttingDownRetryAfter);
  return status;
}

absl::Status CancelledByCaller(int attempts) {
  return absl::CancelledError(
      attempts == 0 ? "the caller cancelled the call before it reached GenAuth"
                    : "the caller cancelled the call; its GenAuth request was aborted");
}

}  // namespace genauth::upstream
