// Tests of the token renewal back-off: which 401s count as "GenAuth refuses fresh tokens", how
// the wait grows, is capped and jittered, and how a success ends it. Plain values, no clock.
#include "upstream/token_renewal_backoff.h"

#include <gtest/gtest.h>

#include <optional>
#include <vector>

namespace genauth::upstream {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const common::TimePoint kStart = common::TimePoint() + std::chrono::hours(1);

TokenRenewalBackoffOptions Options() {
  TokenRenewalBackoffOptions options;
  options.fresh_token_age = seconds(10);
  options.base_delay = seconds(1);
  options.max_delay = seconds(8);
  return options;
}

// Which refusals start the back-off, from a clean state.
TEST(TokenRenewalBackoffTest, OnlyAFreshNeverAcceptedTokenStartsIt) {
  struct Case {
    const char* name;
    common::Duration age;  // of the refused token
    bool accepted_before;  // a call succeeded with it
    bool starts;
  };
  const std::vector<Case> cases = {
      {"refused at once", milliseconds(5), false, true},
      {"refused within the fresh age", seconds(9), false, true},
      {"old: fetched ahead, revoked before first use", seconds(10), false, false},
      {"much older", std::chrono::minutes(30), false, false},
      {"used, then revoked seconds after its fetch", milliseconds(5), true, false},
      {"used, then revoked later", std::chrono::minutes(30), true, false},
  };
  for (const Case& c : cases) {
    TokenRenewalBackoff backoff(Options());
    if (c.accepted_before) backoff.RecordAccepted(7);
    std::optional<common::Duration> wait = backoff.RecordRefused(7, kStart - c.age, kStart, 0.0);
    EXPECT_EQ(wait.has_value(), c.starts) << c.name;
    EXPECT_EQ(backoff.Remaining(kStart).has_value(), c.starts) << c.name;
    EXPECT_EQ(backoff.fresh_refusals(), c.starts ? 1 : 0) << c.name;
  }
}

TEST(TokenRenewalBackoffTest, TheWaitDoublesPerFreshTokenAndIsCapped) {
  TokenRenewalBackoff backoff(Options());
  // Jitter at its minimum: half the ceiling. Ceilings 1, 2, 4, 8, 8 s.
  const std::vector<common::Duration> expected = {milliseconds(500), seconds(1), seconds(2),
                                                  seconds(4), seconds(4)};
  common::TimePoint now = kStart;
  for (size_t i = 0; i < expected.size(); ++i) {
    const uint64_t serial = i + 1;  // each renewal brings a new token, refused at once
    EXPECT_EQ(backoff.RecordRefused(serial, now, now, 0.0), expected[i]) << i;
    EXPECT_EQ(backoff.Remaining(now), expected[i]) << i;
    now += expected[i];
    EXPECT_FALSE(backoff.Remaining(now).has_value()) << i;  // then one renewal may go
  }
  EXPECT_EQ(backoff.fresh_refusals(), 5);
}

TEST(TokenRenewalBackoffTest, JitterSpreadsTheWaitOverTheUpperHalfOfTheCeiling) {
  for (double unit : {0.0, 0.5, 0.999}) {
    TokenRenewalBackoff backoff(Options());
    std::optional<common::Duration> wait = backoff.RecordRefused(1, kStart, kStart, unit);
    ASSERT_TRUE(wait.has_value());
    EXPECT_GE(*wait, milliseconds(500)) << unit;
    EXPECT_LT(*wait, seconds(1)) << unit;
  }
  TokenRenewalBackoff backoff(Options());
  EXPECT_EQ(backoff.RecordRefused(1, kStart, kStart, 0.5), milliseconds(750));
}

TEST(TokenRenewalBackoffTest, ManyCallsRefusedWithOneTokenCountOnce) {
  TokenRenewalBackoff backoff(Options());
  ASSERT_TRUE(backoff.RecordRefused(3, kStart, kStart, 0.0).has_value());
  // The other calls that shared token 3 meet the same refusal: no new evidence, no longer wait.
  for (int i = 1; i <= 50; ++i) {
    EXPECT_FALSE(backoff.RecordRefused(3, kStart, kStart + milliseconds(i), 0.0).has_value());
  }
  EXPECT_EQ(backoff.fresh_refusals(), 1);
  EXPECT_EQ(backoff.Remaining(kStart + milliseconds(100)), milliseconds(400));
  // Past the wait, token 3 is refused again: still counted once, so a renewal may go.
  EXPECT_FALSE(backoff.RecordRefused(3, kStart, kStart + seconds(1), 0.0).has_value());
  EXPECT_FALSE(backoff.Remaining(kStart + seconds(1)).has_value());
}

TEST(TokenRenewalBackoffTest, ASuccessWithATokenEndsTheBackoffAndStartsTheCountAgain) {
  TokenRenewalBackoff backoff(Options());
  common::TimePoint now = kStart;
  for (uint64_t serial = 1; serial <= 3; ++serial) {
    backoff.RecordRefused(serial, now, now, 0.0);
    now += seconds(5);
  }
  EXPECT_EQ(backoff.fresh_refusals(), 3);
  backoff.RecordAccepted(4);
  EXPECT_EQ(backoff.fresh_refusals(), 0);
  EXPECT_FALSE(backoff.Remaining(now).has_value());
  // Token 4 worked, so its 401 is a revocation: renew at once, no back-off.
  EXPECT_FALSE(backoff.RecordRefused(4, now, now + seconds(1), 0.0).has_value());
  // The next fresh token refused starts again from the base delay.
  EXPECT_EQ(backoff.RecordRefused(5, now, now + seconds(1), 0.0), milliseconds(500));
}

TEST(TokenRenewalBackoffTest, OptionsAreValidated) {
  EXPECT_TRUE(Options().Validate().ok());
  TokenRenewalBackoffOptions options = Options();
  options.base_delay = common::Duration::zero();
  EXPECT_FALSE(options.Validate().ok());
  options = Options();
  options.max_delay = milliseconds(500);
  EXPECT_FALSE(options.Validate().ok());
  options = Options();
  options.fresh_token_age = -seconds(1);
  EXPECT_FALSE(options.Validate().ok());
}

}  // namespace
}  // namespace genauth::upstream
