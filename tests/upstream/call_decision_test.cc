// Tests of the pure call decisions: every kind of attempt outcome against idempotency, attempts
// left, the deadline, a 429 pause, Retry-After and token renewal. Plain values, no clock.
#include "upstream/call_decision.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "errors/error_details.h"

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
  EXPECT_EQ(errors::RetryInfoDelay(step.status), seconds(5));

  // A 429 whose pause (capped) passes the deadline: GenAuth's own Retry-After is the hint.
  context.pause = seconds(60);
  step = DecideAfterFailure(Failed(AttemptFailure::kStatus, 429, seconds(90)), context);
  EXPECT_EQ(step.stopped_by, "deadline");
  EXPECT_EQ(errors::RetryInfoDelay(step.status), seconds(90));
  // Without a Retry-After, the pause is.
  step = DecideAfterFailure(Failed(AttemptFailure::kStatus, 429), context);
  EXPECT_EQ(errors::RetryInfoDelay(step.status), seconds(60));
  // A backoff past the deadline: no hint at all.
  context.pause.reset();
  context.backoff = seconds(2);
  step = DecideAfterFailure(Failed(AttemptFailure::kNotSent), context);
  EXPECT_EQ(step.stopped_by, "deadline");
  EXPECT_FALSE(errors::RetryInfoDelay(step.status).has_value());
}

TEST(CallDecisionTest, RefusalsBeforeAnyAttemptSayGenAuthWasNotCalledAndCarryRetryInfo) {
  absl::Status rate = RateLimitRefusal(milliseconds(1500), absl::OkStatus());
  EXPECT_EQ(rate.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(errors::ErrorInfoReason(rate), errors::reason::kRateLimited);
  EXPECT_EQ(errors::RetryInfoDelay(rate), milliseconds(1500));

  absl::Status open = CircuitOpenRefusal(seconds(4), absl::OkStatus());
  EXPECT_EQ(open.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(errors::ErrorInfoReason(open), errors::reason::kCircuitOpen);
  EXPECT_EQ(errors::RetryInfoDelay(open), seconds(4));
  EXPECT_EQ(open.message().find("last error"), std::string::npos);

  absl::Status late = DeadlineRefusal(absl::UnavailableError("GenAuth answered HTTP 503"));
  EXPECT_EQ(late.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(errors::ErrorInfoReason(late), errors::reason::kUpstreamTimeout);

  EXPECT_EQ(CancelledByCaller(0).code(), absl::StatusCode::kCancelled);
  EXPECT_NE(CancelledByCaller(1).message().find("aborted"), std::string::npos);
}

// GenAuth's 503 as the attempt classifier reports it.
absl::Status GenAuth503() {
  absl::Status status = absl::UnavailableError("service unavailable");
  errors::SetErrorInfo(status, errors::reason::kGenAuthError,
                       {{"statusCode", "503"}, {"httpStatus", "503"}, {"requestId", "req-42"}});
  return status;
}

// A call that reached GenAuth and whose retry is refused answers with what GenAuth said, marked
// with what refused the retry: never a reason that claims GenAuth was not called.
TEST(CallDecisionTest, ARetryRefusedAfterAttemptsCarriesTheLastAttemptsGenAuthDetails) {
  ClassifiedAttempt attempt = Failed(AttemptFailure::kStatus, 503);
  attempt.status = GenAuth503();
  struct Case {
    const char* refused_by;
    absl::Status status;
    std::optional<common::Duration> retry_info;
  };
  const std::vector<Case> cases = {
      {"CIRCUIT_OPEN", CircuitOpenRefusal(seconds(4), GenAuth503()), seconds(4)},
      {"RATE_LIMITED", RateLimitRefusal(milliseconds(1500), GenAuth503()), milliseconds(1500)},
      {"RETRY_BUDGET", BudgetRefusal(attempt, std::nullopt, milliseconds(70)), std::nullopt},
      {"RETRY_BUDGET", BudgetRefusal(attempt, seconds(1), seconds(1)), seconds(1)},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(c.status.code(), absl::StatusCode::kUnavailable) << c.refused_by;
    EXPECT_EQ(errors::ErrorInfoReason(c.status), errors::reason::kGenAuthError) << c.refused_by;
    std::map<std::string, std::string> metadata = errors::ErrorInfoMetadata(c.status);
    EXPECT_EQ(metadata["statusCode"], "503") << c.refused_by;
    EXPECT_EQ(metadata["httpStatus"], "503") << c.refused_by;
    EXPECT_EQ(metadata["requestId"], "req-42") << c.refused_by;
    EXPECT_EQ(metadata[kRetryRefusedByKey], c.refused_by);
    EXPECT_EQ(c.status.message().rfind("service unavailable; not retried: ", 0), 0u)
        << c.status.message();
    EXPECT_EQ(errors::RetryInfoDelay(c.status), c.retry_info) << c.refused_by;
  }
}

TEST(CallDecisionTest, TokenUnavailableAndShuttingDownCarryRetryInfo) {
  absl::Status token = TokenUnavailableRefusal(
      absl::UnavailableError("could not obtain a GenAuth management token: refused"),
      milliseconds(750));
  EXPECT_EQ(token.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(errors::ErrorInfoReason(token), errors::reason::kTokenUnavailable);
  EXPECT_EQ(errors::RetryInfoDelay(token), milliseconds(750));
  EXPECT_NE(token.message().find("refused"), std::string::npos);

  absl::Status draining = ShuttingDownRefusal();
  EXPECT_EQ(draining.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(errors::ErrorInfoReason(draining), errors::reason::kShuttingDown);
  EXPECT_EQ(errors::RetryInfoDelay(draining), kShuttingDownRetryAfter);
}

// A 401 while token renewals back off: answered with GenAuth's own error and the time left,
// whether or not this call could still have renewed; other statuses are unaffected.
TEST(CallDecisionTest, A401WhileRenewalsBackOffIsAnsweredWithTheWaitInsteadOfRenewing) {
  struct Case {
    int status;
    bool can_renew;
    std::optional<common::Duration> renewal_wait;
    NextStep::Kind kind;
    const char* stopped_by;
    std::optional<common::Duration> retry_info;
  };
  const std::vector<Case> cases = {
      {401, true, std::nullopt, NextStep::Kind::kRenewTokenAndRepeat, "", std::nullopt},
      {401, false, std::nullopt, NextStep::Kind::kAnswer, "", std::nullopt},
      {401, true, milliseconds(800), NextStep::Kind::kAnswer, "token_renewal_backoff",
       milliseconds(800)},
      // This call renewed already and its fresh token was refused: the same hint, no other change.
      {401, false, milliseconds(800), NextStep::Kind::kAnswer, "", milliseconds(800)},
      {403, true, milliseconds(800), NextStep::Kind::kAnswer, "", std::nullopt},
      {503, true, milliseconds(800), NextStep::Kind::kRetryAfter, "", std::nullopt},
  };
  for (const Case& c : cases) {
    ClassifiedAttempt attempt = Failed(AttemptFailure::kStatus, c.status);
    attempt.status = absl::UnauthenticatedError("token invalid");
    errors::SetErrorInfo(attempt.status, errors::reason::kGenAuthError,
                         {{"statusCode", std::to_string(c.status)}, {"requestId", "req-9"}});
    RetryContext context = Context(Idempotency::kSideEffects);
    context.can_renew_token = c.can_renew;
    context.renewal_wait = c.renewal_wait;
    NextStep step = DecideAfterFailure(attempt, context);
    const std::string name = std::to_string(c.status) + (c.can_renew ? " renewable" : "") +
                             (c.renewal_wait ? " backing off" : "");
    EXPECT_EQ(step.kind, c.kind) << name;
    if (step.kind != NextStep::Kind::kAnswer) continue;
    EXPECT_EQ(step.stopped_by, c.stopped_by) << name;
    EXPECT_EQ(errors::RetryInfoDelay(step.status), c.retry_info) << name;
    EXPECT_EQ(step.status.code(), absl::StatusCode::kUnauthenticated) << name;
    EXPECT_EQ(errors::ErrorInfoMetadata(step.status)["requestId"], "req-9")
        << name;  // GenAuth's, kept
  }
}

}  // namespace
}  // namespace genauth::upstream
