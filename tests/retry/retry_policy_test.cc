// Table-driven tests of IsRetryable over every failure kind, the GenAuth statuses that matter and
// both idempotencies, plus RetryPolicy::Validate.
#include "retry/retry_policy.h"

#include <gtest/gtest.h>

#include <chrono>
#include <ostream>
#include <string>

#include "support/param_name.h"

namespace genauth::retry {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;

const char* Name(AttemptFailure f) {
  switch (f) {
    case AttemptFailure::kNone:
      return "kNone";
    case AttemptFailure::kNotSent:
      return "kNotSent";
    case AttemptFailure::kSentNoReply:
      return "kSentNoReply";
    case AttemptFailure::kBrokenReply:
      return "kBrokenReply";
    case AttemptFailure::kStatus:
      return "kStatus";
  }
  return "?";
}

struct RetryCase {
  AttemptFailure failure;
  int status;
  bool retry_with_side_effects;
  bool retry_when_idempotent;
};

std::ostream& operator<<(std::ostream& os, const RetryCase& c) {
  return os << Name(c.failure) << "/" << c.status;
}

// "kStatus_503".
std::string RetryCaseName(const testing::TestParamInfo<RetryCase>& info) {
  return test_names::FromText(std::string(Name(info.param.failure)) + "_" +
                              std::to_string(info.param.status));
}

class IsRetryableTest : public testing::TestWithParam<RetryCase> {};

TEST_P(IsRetryableTest, Decides) {
  const RetryCase& c = GetParam();
  const AttemptOutcome outcome{c.failure, c.status};
  EXPECT_EQ(IsRetryable(outcome, Idempotency::kSideEffects), c.retry_with_side_effects)
      << "side effects, " << c;
  EXPECT_EQ(IsRetryable(outcome, Idempotency::kIdempotent), c.retry_when_idempotent)
      << "idempotent, " << c;
}

// Only "GenAuth provably did not process it" retries a call with side effects: nothing sent, 429,
// 503. Idempotent calls also retry timeouts, broken replies and 500/502/504.
INSTANTIATE_TEST_SUITE_P(Status, IsRetryableTest,
                         testing::Values(RetryCase{AttemptFailure::kStatus, 400, false, false},
                                         RetryCase{AttemptFailure::kStatus, 401, false, false},
                                         RetryCase{AttemptFailure::kStatus, 403, false, false},
                                         RetryCase{AttemptFailure::kStatus, 404, false, false},
                                         RetryCase{AttemptFailure::kStatus, 409, false, false},
                                         RetryCase{AttemptFailure::kStatus, 429, true, true},
                                         RetryCase{AttemptFailure::kStatus, 500, false, true},
                                         RetryCase{AttemptFailure::kStatus, 501, false, false},
                                         RetryCase{AttemptFailure::kStatus, 502, false, true},
                                         RetryCase{AttemptFailure::kStatus, 503, true, true},
                                         RetryCase{AttemptFailure::kStatus, 504, false, true},
                                         RetryCase{AttemptFailure::kStatus, 601, false, false}),
                         RetryCaseName);

// For the other kinds the status is irrelevant: each is tried with no status and with statuses
// that would be retryable (or not) under kStatus.
INSTANTIATE_TEST_SUITE_P(Transport, IsRetryableTest,
                         testing::Values(RetryCase{AttemptFailure::kNone, 0, false, false},
                                         RetryCase{AttemptFailure::kNone, 200, false, false},
                                         RetryCase{AttemptFailure::kNone, 503, false, false},
                                         RetryCase{AttemptFailure::kNotSent, 0, true, true},
                                         RetryCase{AttemptFailure::kNotSent, 400, true, true},
                                         RetryCase{AttemptFailure::kSentNoReply, 0, false, true},
                                         RetryCase{AttemptFailure::kSentNoReply, 503, false, true},
                                         RetryCase{AttemptFailure::kSentNoReply, 400, false, true},
                                         RetryCase{AttemptFailure::kBrokenReply, 0, false, true},
                                         RetryCase{AttemptFailure::kBrokenReply, 429, false, true},
                                         RetryCase{AttemptFailure::kBrokenReply, 404, false, true}),
                         RetryCaseName);

TEST(RetryPolicyValidateTest, DefaultsAndBoundariesAreValid) {
  EXPECT_TRUE(RetryPolicy{}.Validate().ok());
  EXPECT_TRUE((RetryPolicy{1, milliseconds(1), milliseconds(1)}).Validate().ok());
  EXPECT_TRUE((RetryPolicy{10, nanoseconds(1), seconds(60)}).Validate().ok());
}

struct BadPolicyCase {
  RetryPolicy policy;
  std::string message;
};

class RetryPolicyInvalidTest : public testing::TestWithParam<BadPolicyCase> {};

TEST_P(RetryPolicyInvalidTest, IsRefusedWithAMessage) {
  absl::Status status = GetParam().policy.Validate();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Table, RetryPolicyInvalidTest,
    testing::Values(BadPolicyCase{{0, milliseconds(100), seconds(2)},
                                  "max_attempts must be between 1 and 10, got 0"},
                    BadPolicyCase{{-1, milliseconds(100), seconds(2)},
                                  "max_attempts must be between 1 and 10, got -1"},
                    BadPolicyCase{{11, milliseconds(100), seconds(2)},
                                  "max_attempts must be between 1 and 10, got 11"},
                    BadPolicyCase{{3, nanoseconds(0), seconds(2)}, "base_delay must be positive"},
                    BadPolicyCase{{3, milliseconds(-5), seconds(2)}, "base_delay must be positive"},
                    BadPolicyCase{{3, milliseconds(100), milliseconds(99)},
                                  "max_delay must be at least base_delay"},
                    BadPolicyCase{{3, milliseconds(100), milliseconds(-1)},
                                  "max_delay must be at least base_delay"}),
    [](const auto& param_info) {
      return test_names::Indexed(param_info.index, param_info.param.message);
    });

TEST(ProvablyNotProcessedTest, OnlyNothingSentOrARefusalBeforeProcessing) {
  EXPECT_TRUE(ProvablyNotProcessed({AttemptFailure::kNotSent, 0}));
  for (int status : {401, 429, 503}) {
    EXPECT_TRUE(ProvablyNotProcessed({AttemptFailure::kStatus, status})) << status;
  }
  for (int status : {400, 403, 404, 409, 500, 502, 504, 602}) {
    EXPECT_FALSE(ProvablyNotProcessed({AttemptFailure::kStatus, status})) << status;
  }
  EXPECT_FALSE(ProvablyNotProcessed({AttemptFailure::kNone, 0}));
  EXPECT_FALSE(ProvablyNotProcessed({AttemptFailure::kSentNoReply, 0}));
  EXPECT_FALSE(ProvablyNotProcessed({AttemptFailure::kBrokenReply, 0}));
}

}  // namespace
}  // namespace genauth::retry
