// Tests of the pure call decisions: every kind of attempt outcome against idempotency, attempts
// left, the deadline, a 429 pause, Retry-After and token renewal. Plain values, no clock.
#include "upstream/call_decision.h"

#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include "upstream/error_details.h"

namespace genauth::upstream {
namespace {

using retry::AttemptFailure;
using retry::Idempotency;
using std::chrono::milliseconds;
using std::chrono::seconds;

const common::TimePoint kNow = common::TimePoint() + std::chrono::hours(1);

ClassifiedAttempt Failed(AttemptFailure failure, int status = 0,
                         std::optional<common::Duration> retry_after = std::nullopt) {
  ClassifiedAttempt attempt;
  attempt.outcome = {failure, status};
  attempt.status = absl::UnavailableError("attempt failed");
  attempt.retry_after = retry_after;
  return attempt;
}

RetryContext Context(Idempotency idempotency, int retries_done = 0) {
  RetryContext context;
  context.idempotency = idempotency;
  context.max_attempts = 3;
  context.retries_done = retries_done;
  context.now = kNow;
  context.deadline = kNow + seconds(10);
  context.backoff = milliseconds(70);
  return context;
}

// Whether each outcome is retried, for a trigger (side effects) and for a read.
TEST(CallDecisionTest, RetriesOnlyWhatIsSafeForTheCall) {
  struct Case {
    AttemptFailure failure;
    int status;
    bool side_effects_retried;
    bool idempotent_retried;
  };
  const std::vector<Case> cases = {
      {AttemptFailure::kNotSent, 0, true, true},
      {AttemptFailure::kSentNoReply, 0, false, true},
      {AttemptFailure::kBrokenReply, 0, false, true},
      {AttemptFailure::kStatus, 429, true, true},
      {AttemptFailure::kStatus, 503, true, true},
      {AttemptFailure::kStatus, 500, false, true},
      {AttemptFailure::kStatus, 502, false, true},
      {AttemptFailure::kStatus, 400, false, false},
      {AttemptFailure::kStatus, 404, false, false},
      {AttemptFailure::kStatus, 401, false, false},  // without a token to renew
  };
  for (const Case& c : cases) {
    for (Idempotency idempotency : {Idempotency::kSideEffects, Idempotency::kIdempotent}) {
      const bool expected =
          idempotency == Idempotency::kSideEffects ? c.side_effects_retried : c.idempotent_retried;
      NextStep step = DecideAfterFailure(Failed(c.failure, c.status), Context(idempotency));
      EXPECT_EQ(step.kind == NextStep::Kind::kRetryAfter, expected)
          << static_cast<int>(c.failure) << "/" << c.status
          << " idempotent=" << (idempotency == Idempotency::kIdempotent);
      if (!expected) {
        EXPECT_EQ(step.kind, NextStep::Kind::kAnswer);
        EXPECT_EQ(step.status.message(), "attempt failed");  // the attempt's own error
        EXPECT_EQ(step.stopped_by, "");
      }
    }
  }
}

TEST(CallDecisionTest, A401WithATokenIsRenewedOnceThenAnswered) {
  RetryContext context = Context(Idempotency::kSideEffects);
  context.can_renew_token = true;
  EXPECT_EQ(DecideAfterFailure(Failed(AttemptFailure::kStatus, 401), context).kind,
            NextStep::Kind::kRenewTokenAndRepeat);
  context.can_renew_token = false;  // renewed already
  NextStep second = DecideAfterFailure(Failed(AttemptFailure::kStatus, 401), context);
  EXPECT_EQ(second.kind, NextStep::Kind::kAnswer);
  // Renewal is for 401 only: a 403 is GenAuth's answer to a valid token.
  context.can_renew_token = true;
  EXPECT_EQ(DecideAfterFailure(Failed(AttemptFailure::kStatus, 403), context).kind,
            NextStep::Kind::kAnswer);
}

TEST(CallDecisionTest, TheLastAttemptIsAnswered) {
  EXPECT_EQ(
      DecideAfterFailure(Failed(AttemptFailure::kNotSent), Context(Idempotency::kIdempotent, 1))
          .kind,
      NextStep::Kind::kRetryAfter);
  EXPECT_EQ(
      DecideAfterFailure(Failed(AttemptFailure::kNotSent), Context(Idempotency::kIdempotent, 2))
          .kind,
      NextStep::Kind::kAnswer);
}

TEST(CallDecisionTest, TheWaitIsThePauseElseRetryAfterElseTheBackoff) {
  RetryContext context = Context(Idempotency::kIdempotent);
  EXPECT_EQ(DecideAfterFailure(Failed(AttemptFailure::kNotSent), context).wait, milliseconds(70));
  EXPECT_EQ(DecideAfterFailure(Failed(AttemptFailure::kStatus, 503, seconds(2)), context).wait,
            seconds(2));
  context.pause = seconds(3);  // a 429's pause, which every call now observes
  EXPECT_EQ(DecideAfterFailure(Failed(AttemptFailure::kStatus, 429, seconds(2)), context).wait,
            seconds(3));
}

TEST(CallDecisionTest, AWaitThatWouldPassTheDeadlineEndsTheCallWithGenAuthsRetryAfter) {
  RetryContext context = Context(Idempotency::kIdempotent);
  context.deadline = kNow + seconds(1);
  NextStep step = DecideAfterFailure(Failed(AttemptFailure::kStatus, 503, seconds(5)), context);
  EXPECT_EQ(step.kind, NextStep::Kind::kAnswer);
  EXPECT_EQ(step.stopped_by, "deadline");
  EXPECT_EQ(RetryInfoDelay(step.status), seconds(5));

  // A 429 whose pause (capped) passes the deadline: GenAuth's own Retry-After is the hint.
  context.pause = seconds(60);
  step = DecideAfterFailure(Failed(AttemptFailure::kStatus, 429, seconds(90)), context);
  EXPECT_EQ(step.stopped_by, "deadline");
  EXPECT_EQ(RetryInfoDelay(step.status), seconds(90));
  // Without a Retry-After, the pause is.
  step = DecideAfterFailure(Failed(AttemptFailure::kStatus, 429), context);
  EXPECT_EQ(RetryInfoDelay(step.status), seconds(60));
  // A backoff past the deadline: no hint at all.
  context.pause.reset();
  context.backoff = seconds(2);
  step = DecideAfterFailure(Failed(AttemptFailure::kNotSent), context);
  EXPECT_EQ(step.stopped_by, "deadline");
  EXPECT_FALSE(RetryInfoDelay(step.status).has_value());
}

TEST(CallDecisionTest, RefusalsSayWhyKeepTheLastErrorAndCarryRetryInfo) {
  const absl::Status last = absl::UnavailableError("GenAuth answered HTTP 503");
  absl::Status rate = RateLimitRefusal(milliseconds(1500), last);
  EXPECT_EQ(rate.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ErrorInfoReason(rate), reason::kRateLimited);
  EXPECT_EQ(RetryInfoDelay(rate), milliseconds(1500));
  EXPECT_NE(rate.message().find("last error: GenAuth answered HTTP 503"), std::string::npos);

  absl::Status open = CircuitOpenRefusal(seconds(4), absl::OkStatus());
  EXPECT_EQ(open.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ErrorInfoReason(open), reason::kCircuitOpen);
  EXPECT_EQ(RetryInfoDelay(open), seconds(4));
  EXPECT_EQ(open.message().find("last error"), std::string::npos);

  absl::Status late = DeadlineRefusal(last);
  EXPECT_EQ(late.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(ErrorInfoReason(late), reason::kUpstreamTimeout);

  EXPECT_EQ(CancelledByCaller(0).code(), absl::StatusCode::kCancelled);
  EXPECT_NE(CancelledByCaller(1).message().find("aborted"), std::string::npos);

  ClassifiedAttempt throttled = Failed(AttemptFailure::kStatus, 429);
  EXPECT_EQ(RetryInfoDelay(BudgetRefusal(throttled, seconds(1), seconds(1))), seconds(1));
  EXPECT_FALSE(RetryInfoDelay(
                   BudgetRefusal(Failed(AttemptFailure::kNotSent), std::nullopt, milliseconds(70)))
                   .has_value());
}

}  // namespace
}  // namespace genauth::upstream
