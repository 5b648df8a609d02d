// The life of one upstream call as pure decisions: given what happened to an attempt and where the
// call stands, what to do next — answer the caller, renew the token and repeat, or wait and retry.
// No clock, no randomness, no shared state: the executor (genauth_client.cc) reads those and
// passes them in, then carries the step out with timers on the event loop. Tested exhaustively on
// plain values (tests/upstream/call_decision_test.cc).
#pragma once

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "common/clock.h"
#include "retry/retry_policy.h"
#include "upstream/attempt_classifier.h"

namespace genauth::upstream {

struct RetryContext {
  retry::Idempotency idempotency = retry::Idempotency::kSideEffects;
  int max_attempts = 3;  // the first attempt included
  int retries_done = 0;  // retries already made (a token renewal's repeat is not one)
  // Token auth, and this call has not renewed its token yet: a 401 may be repeated once.
  bool can_renew_token = false;
  // Token auth, and renewals are backing off (token_renewal_backoff.h) for this long yet: a 401 is
  // answered at once, with this as its RetryInfo, instead of renewing.
  std::optional<common::Duration> renewal_wait;
  common::TimePoint now;
  common::TimePoint deadline;
  // Set when this attempt got a 429: the pause every call now observes (RateLimitPause::Pause).
  std::optional<common::Duration> pause;
  // The jittered backoff the next retry would wait, drawn by the executor (retry/backoff.h).
  common::Duration backoff{0};
};

struct NextStep {
  enum class Kind {
    kAnswer,               // finish the call with `status`
    kRenewTokenAndRepeat,  // GenAuth refused the token: drop it, repeat with a fresh one
    kRetryAfter,           // wait `wait`, then try again (if the retry budget allows)
  };
  Kind kind = Kind::kAnswer;
  absl::Status status;  // kAnswer
  // kAnswer: "deadline" when waiting would pass the deadline, "token_renewal_backoff" when a 401
  // would have renewed the token but renewals are backing off.
  std::string stopped_by;
  common::Duration wait{0};  // kRetryAfter
};

// After a failed attempt (attempt.status is not OK).
NextStep DecideAfterFailure(const ClassifiedAttempt& attempt, const RetryContext& context);

// ErrorInfo metadata key on an attempt's own error when the call wanted to try again and was
// refused: the value says by what ("CIRCUIT_OPEN", "RATE_LIMITED" or "RETRY_BUDGET").
inline constexpr char kRetryRefusedByKey[] = "retryRefusedBy";

// The caller's answer when the retry budget refuses the retry DecideAfterFailure asked for: the
// attempt's own error, marked as refused a retry.
absl::Status BudgetRefusal(const ClassifiedAttempt& attempt,
                           const std::optional<common::Duration>& pause, common::Duration wait);

// Answers for a call that stops before its next attempt. With no attempt yet (`last_error` OK),
// the refusal itself: RATE_LIMITED or CIRCUIT_OPEN, meaning GenAuth was not called. After
// attempts, the last attempt's own error — its code, message and ErrorInfo with GenAuth's
// statusCode, apiCode and requestId — so the caller sees what GenAuth said, plus what refused the
// retry (kRetryRefusedByKey, and the message). Both carry a RetryInfo: when to come back.
absl::Status DeadlineRefusal(const absl::Status& last_error);
absl::Status RateLimitRefusal(common::Duration remaining, const absl::Status& last_error);
absl::Status CircuitOpenRefusal(common::Duration retry_after, const absl::Status& last_error);
absl::Status CancelledByCaller(int attempts);

// No management token: the token endpoint failed and its refresher retries in `retry_after`.
absl::Status TokenUnavailableRefusal(const absl::Status& error, common::Duration retry_after);

// How soon a caller refused by a draining sidecar should try again. The drain's own length is no
// useful hint: this sidecar will not serve again (its pod is going away), so a retry succeeds only
// elsewhere — another replica behind the caller's balancer, or the restarted pod. One second keeps
// a caller's retry loop from spinning against a listener that refuses everything until it closes,
// without holding back a caller that has somewhere else to go.
inline constexpr common::Duration kShuttingDownRetryAfter = std::chrono::seconds(1);
// The answer to a call that arrives, or would wait, while the sidecar drains: UNAVAILABLE,
// SHUTTING_DOWN, RetryInfo kShuttingDownRetryAfter.
absl::Status ShuttingDownRefusal();

}  // namespace genauth::upstream
