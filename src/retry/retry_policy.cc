// The retry decision (see retry_policy.h).
#include "retry/retry_policy.h"

#include <string>

namespace genauth::retry {

absl::Status RetryPolicy::Validate() const {
  if (max_attempts < 1 || max_attempts > 10) {
    return absl::InvalidArgumentError("max_attempts must be between 1 and 10, got " +
                                      std::to_string(max_attempts));
  }
  if (base_delay <= std::chrono::nanoseconds::zero()) {
    return absl::InvalidArgumentError("base_delay must be positive");
  }
  if (max_delay < base_delay) {
    return absl::InvalidArgumentError("max_delay must be at least base_delay");
  }
  return absl::OkStatus();
}

bool IsRetryable(const AttemptOutcome& outcome, Idempotency idempotency) {
  const bool idempotent = idempotency == Idempotency::kIdempotent;
  switch (outcome.failure) {
    case AttemptFailure::kNone:
      return false;
    case AttemptFailure::kNotSent:
      return true;
    case AttemptFailure::kSentNoReply:
    case AttemptFailure::kBrokenReply:
      return idempotent;
    case AttemptFailure::kStatus:
      // 429 and 503: GenAuth refused the call before doing it.
      if (outcome.status == 429 || outcome.status == 503) return true;
      return idempotent &&
             (outcome.status == 500 || outcome.status == 502 || outcome.status == 504);
  }
  return false;
}

bool ProvablyNotProcessed(const AttemptOutcome& outcome) {
  switch (outcome.failure) {
    case AttemptFailure::kNotSent:
      return true;
    case AttemptFailure::kStatus:
      return outcome.status == 401 || outcome.status == 429 || outcome.status == 503;
    case AttemptFailure::kNone:
    case AttemptFailure::kSentNoReply:
    case AttemptFailure::kBrokenReply:
      return false;
  }
  return false;
}

}  // namespace genauth::retry
