// The circuit breaker's states and the rate-limit pause, driven by a FakeClock.
#include "upstream/circuit_breaker.h"

#include <gtest/gtest.h>

#include <vector>

#include "upstream/rate_limit_pause.h"

namespace genauth::upstream {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

struct Transition {
  CircuitState from, to;
};

class CircuitBreakerTest : public ::testing::Test {
 protected:
  CircuitBreaker MakeBreaker(int threshold, common::Duration open_for) {
    return CircuitBreaker({threshold, open_for}, &clock_,
                          [this](CircuitState from, CircuitState to, int) {
                            transitions_.push_back({from, to});
                          });
  }
  void Fail(CircuitBreaker& breaker, int times) {
    for (int i = 0; i < times; ++i) {
      auto admission = breaker.Admit();
      ASSERT_TRUE(admission.allowed);
      breaker.RecordFailure(admission);
    }
  }

  common::FakeClock clock_;
  std::vector<Transition> transitions_;
};

TEST_F(CircuitBreakerTest, OpensAfterConsecutiveFailuresAndRefusesWithTheRemainingTime) {
  CircuitBreaker breaker = MakeBreaker(3, seconds(5));
  Fail(breaker, 2);
  EXPECT_EQ(breaker.state(), CircuitState::kClosed);
  Fail(breaker, 1);
  EXPECT_EQ(breaker.state(), CircuitState::kOpen);
  clock_.Advance(seconds(2));
  auto refused = breaker.Admit();
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, seconds(3));
  ASSERT_EQ(transitions_.size(), 1u);
  EXPECT_EQ(transitions_[0].to, CircuitState::kOpen);
}

TEST_F(CircuitBreakerTest, ASuccessResetsTheCount) {
  CircuitBreaker breaker = MakeBreaker(3, seconds(5));
  Fail(breaker, 2);
  breaker.RecordSuccess(breaker.Admit());
  Fail(breaker, 2);
  EXPECT_EQ(breaker.state(), CircuitState::kClosed);
}

TEST_F(CircuitBreakerTest, FailuresOfAttemptsThatOverlappedASuccessDoNotCount) {
  // Five slow attempts start; a fast one succeeds meanwhile; then the five fail in a row (as
  // they do when a 429 pause stops new attempts). GenAuth was answering: no opening.
  CircuitBreaker breaker = MakeBreaker(5, seconds(5));
  std::vector<CircuitBreaker::Admission> slow;
  for (int i = 0; i < 5; ++i) slow.push_back(breaker.Admit());
  breaker.RecordSuccess(breaker.Admit());
  for (const auto& admission : slow) breaker.RecordFailure(admission);
  EXPECT_EQ(breaker.state(), CircuitState::kClosed);
  // Attempts that start after that success and fail do count.
  Fail(breaker, 5);
  EXPECT_EQ(breaker.state(), CircuitState::kOpen);
}

TEST_F(CircuitBreakerTest, OneProbeAfterTheOpenTimeClosesItOnSuccess) {
  CircuitBreaker breaker = MakeBreaker(1, seconds(5));
  Fail(breaker, 1);
  clock_.Advance(seconds(5));
  auto probe = breaker.Admit();
  ASSERT_TRUE(probe.allowed);
  EXPECT_TRUE(probe.probe);
  EXPECT_EQ(breaker.state(), CircuitState::kHalfOpen);
  auto other = breaker.Admit();  // only one probe at a time
  EXPECT_FALSE(other.allowed);
  EXPECT_GT(other.retry_after, common::Duration::zero());
  breaker.RecordSuccess(probe);
  EXPECT_EQ(breaker.state(), CircuitState::kClosed);
  EXPECT_TRUE(breaker.Admit().allowed);
  ASSERT_EQ(transitions_.size(), 3u);
  EXPECT_EQ(transitions_[1].to, CircuitState::kHalfOpen);
  EXPECT_EQ(transitions_[2].to, CircuitState::kClosed);
}

TEST_F(CircuitBreakerTest, AFailedProbeOpensItForAnotherPeriod) {
  CircuitBreaker breaker = MakeBreaker(2, seconds(5));
  Fail(breaker, 2);
  clock_.Advance(seconds(5));
  auto probe = breaker.Admit();
  ASSERT_TRUE(probe.probe);
  breaker.RecordFailure(probe);
  EXPECT_EQ(breaker.state(), CircuitState::kOpen);
  auto refused = breaker.Admit();
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, seconds(5));
}

TEST_F(CircuitBreakerTest, ANeutralProbeHandsItsTurnBack) {
  CircuitBreaker breaker = MakeBreaker(1, seconds(1));
  Fail(breaker, 1);
  clock_.Advance(seconds(1));
  auto probe = breaker.Admit();
  breaker.RecordNeutral(probe);
  auto next = breaker.Admit();
  EXPECT_TRUE(next.allowed);
  EXPECT_TRUE(next.probe);
}

TEST_F(CircuitBreakerTest, LateFailuresOfAttemptsAdmittedBeforeOpeningDoNotExtendIt) {
  CircuitBreaker breaker = MakeBreaker(2, seconds(5));
  auto a = breaker.Admit();
  auto b = breaker.Admit();
  auto c = breaker.Admit();
  breaker.RecordFailure(a);
  breaker.RecordFailure(b);  // opens at t=0
  clock_.Advance(seconds(4));
  breaker.RecordFailure(c);  // admitted while closed; must not push the end to t=9
  clock_.Advance(seconds(1));
  EXPECT_TRUE(breaker.Admit().allowed);
}

TEST_F(CircuitBreakerTest, ThresholdZeroNeverOpens) {
  CircuitBreaker breaker = MakeBreaker(0, seconds(5));
  Fail(breaker, 100);
  EXPECT_EQ(breaker.state(), CircuitState::kClosed);
  EXPECT_TRUE(transitions_.empty());
}

TEST(RateLimitPauseTest, PausesForRetryAfterAndNeverShortensAPause) {
  common::FakeClock clock;
  RateLimitPause pause(&clock);
  EXPECT_FALSE(pause.Remaining());
  EXPECT_EQ(pause.Pause(seconds(3)), seconds(3));
  EXPECT_EQ(pause.Remaining(), seconds(3));
  pause.Pause(seconds(1));  // an earlier end does not replace a later one
  EXPECT_EQ(pause.Remaining(), seconds(3));
  clock.Advance(seconds(3));
  EXPECT_FALSE(pause.Remaining());
}

TEST(RateLimitPauseTest, DefaultsWithoutRetryAfterAndCapsHugeOnes) {
  common::FakeClock clock;
  RateLimitPause pause(&clock);
  EXPECT_EQ(pause.Pause(std::nullopt), RateLimitPause::kDefaultPause);
  clock.Advance(seconds(5));
  EXPECT_EQ(pause.Pause(std::chrono::hours(24)), RateLimitPause::kMaxPause);
  EXPECT_EQ(pause.Remaining(), RateLimitPause::kMaxPause);
}

}  // namespace
}  // namespace genauth::upstream
