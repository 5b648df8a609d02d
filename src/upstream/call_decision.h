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
  absl::Status status;       // kAnswer
  std::string stopped_by;    // kAnswer: "deadline" when waiting would pass the deadline
  common::Duration wait{0};  // kRetryAfter
};

// After a failed attempt (attempt.status is not OK).
NextStep DecideAfterFailure(const ClassifiedAttempt& attempt, const RetryContext& context);

// The caller's answer when the retry budget refuses the retry DecideAfterFailure asked for.
absl::Status BudgetRefusal(const ClassifiedAttempt& attempt,
                           const std::optional<common::Duration>& pause, common::Duration wait);

// Answers for a call that stops before its next attempt. `last_error` (OK when there was no
// attempt yet) stays visible in the message.
absl::Status DeadlineRefusal(const absl::Status& last_error);
absl::Status RateLimitRefusal(common::Duration remaining, const absl::Status& last_error);
absl::Status CircuitOpenRefusal(common::Duration retry_after, const absl::Status& last_error);
absl::Status CancelledByCaller(int attempts);

}  // namespace genauth::upstream
