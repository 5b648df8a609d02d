// Tests of full-jitter backoff with pinned randomness (common::FixedRandom), so delays are exact.
#include "retry/backoff.h"

#include <gtest/gtest.h>

#include <chrono>
#include <climits>

#include "common/random.h"

namespace genauth::retry {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;

RetryPolicy Policy(nanoseconds base, nanoseconds max) {
  RetryPolicy policy;
  policy.base_delay = base;
  policy.max_delay = max;
  return policy;
}

TEST(BackoffCeilingTest, DoublesFromBaseAndCapsAtMaxDelay) {
  const RetryPolicy policy = Policy(milliseconds(100), seconds(2));
  EXPECT_EQ(BackoffCeiling(policy, 1), milliseconds(100));
  EXPECT_EQ(BackoffCeiling(policy, 2), milliseconds(200));
  EXPECT_EQ(BackoffCeiling(policy, 3), milliseconds(400));
  EXPECT_EQ(BackoffCeiling(policy, 4), milliseconds(800));
  EXPECT_EQ(BackoffCeiling(policy, 5), milliseconds(1600));
  EXPECT_EQ(BackoffCeiling(policy, 6), seconds(2));
  EXPECT_EQ(BackoffCeiling(policy, 7), seconds(2));
}

TEST(BackoffCeilingTest, ReachesMaxDelayExactlyWhenItIsAPowerOfTwoOfBase) {
  const RetryPolicy policy = Policy(milliseconds(250), seconds(1));
  EXPECT_EQ(BackoffCeiling(policy, 3), seconds(1));
  EXPECT_EQ(BackoffCeiling(policy, 4), seconds(1));
}

TEST(BackoffCeilingTest, RetryNumbersBelowOneUseTheBase) {
  const RetryPolicy policy = Policy(milliseconds(100), seconds(2));
  EXPECT_EQ(BackoffCeiling(policy, 0), milliseconds(100));
  EXPECT_EQ(BackoffCeiling(policy, -5), milliseconds(100));
}

TEST(BackoffCeilingTest, HugeRetryNumbersDoNotOverflow) {
  const RetryPolicy policy = Policy(milliseconds(100), seconds(2));
  for (int n : {31, 32, 33, 63, 64, 65, 1000, INT_MAX - 1, INT_MAX}) {
    EXPECT_EQ(BackoffCeiling(policy, n), seconds(2)) << "retry " << n;
  }
  // A cap near the top of the range, where base << n would overflow int64.
  const RetryPolicy wide = Policy(seconds(1), nanoseconds::max());
  EXPECT_EQ(BackoffCeiling(wide, 31), seconds(1LL << 30));
  const RetryPolicy top = Policy(nanoseconds(1LL << 62), nanoseconds::max());
  EXPECT_EQ(BackoffCeiling(top, 1), nanoseconds(1LL << 62));
  EXPECT_EQ(BackoffCeiling(top, 2), nanoseconds::max());
  EXPECT_EQ(BackoffCeiling(top, INT_MAX), nanoseconds::max());
}

TEST(FullJitterBackoffTest, ScalesTheCeilingByTheRandomUnit) {
  const RetryPolicy policy = Policy(milliseconds(100), seconds(2));
  common::FixedRandom random({0.0, 0.5, 0.25, 0.75});
  EXPECT_EQ(FullJitterBackoff(policy, 3, random), nanoseconds(0));
  EXPECT_EQ(FullJitterBackoff(policy, 3, random), milliseconds(200));
  EXPECT_EQ(FullJitterBackoff(policy, 3, random), milliseconds(100));
  EXPECT_EQ(FullJitterBackoff(policy, 9, random), milliseconds(1500));  // capped ceiling 2s
}

TEST(FullJitterBackoffTest, StaysBelowTheCeiling) {
  const RetryPolicy policy = Policy(milliseconds(100), seconds(2));
  common::FixedRandom random({1.0});  // clamped just under 1
  for (int n = 1; n <= 8; ++n) {
    const nanoseconds ceiling = BackoffCeiling(policy, n);
    const nanoseconds wait = FullJitterBackoff(policy, n, random);
    EXPECT_LT(wait, ceiling) << "retry " << n;
    EXPECT_GE(wait, ceiling - ceiling / 1000) << "retry " << n;
  }
}

TEST(FullJitterBackoffTest, HugeRetryNumbersAndHugeCapsDoNotOverflow) {
  common::FixedRandom random({0.5, 1.0});
  EXPECT_EQ(FullJitterBackoff(Policy(milliseconds(100), seconds(2)), INT_MAX, random), seconds(1));
  const nanoseconds wait =
      FullJitterBackoff(Policy(nanoseconds(1LL << 62), nanoseconds::max()), INT_MAX, random);
  EXPECT_GT(wait, nanoseconds(1LL << 62));
  EXPECT_LT(wait, nanoseconds::max());
}

}  // namespace
}  // namespace genauth::retry
