// Tests of FakeClock (virtual time for every other test) and the SystemClock singleton.
#include "common/clock.h"

#include <gtest/gtest.h>

#include <chrono>

namespace genauth::common {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(FakeClockTest, StartsAtAFixedInstant) {
  FakeClock clock;
  EXPECT_EQ(clock.Now(), TimePoint{} + hours(1000));
  // 2026-01-01T00:00:00Z.
  EXPECT_EQ(clock.WallNow(), WallTime{} + seconds(1767225600));
  EXPECT_EQ(clock.Slept(), Duration::zero());
}

TEST(FakeClockTest, AdvanceMovesBothClocksButIsNotSleeping) {
  FakeClock clock;
  const TimePoint start = clock.Now();
  const WallTime wall_start = clock.WallNow();
  clock.Advance(milliseconds(1500));
  EXPECT_EQ(clock.Now() - start, milliseconds(1500));
  EXPECT_EQ(clock.WallNow() - wall_start, milliseconds(1500));
  EXPECT_EQ(clock.Slept(), Duration::zero());
}

TEST(FakeClockTest, SleepUntilAdvancesAndAccumulatesSlept) {
  FakeClock clock;
  const TimePoint start = clock.Now();
  const WallTime wall_start = clock.WallNow();
  clock.SleepUntil(start + seconds(2));
  EXPECT_EQ(clock.Now(), start + seconds(2));
  EXPECT_EQ(clock.WallNow(), wall_start + seconds(2));
  EXPECT_EQ(clock.Slept(), seconds(2));

  clock.Advance(seconds(1));  // not counted as sleep
  clock.SleepUntil(clock.Now() + milliseconds(250));
  EXPECT_EQ(clock.Now(), start + milliseconds(3250));
  EXPECT_EQ(clock.Slept(), milliseconds(2250));
}

TEST(FakeClockTest, SleepUntilThePastOrNowIsANoOp) {
  FakeClock clock;
  clock.Advance(seconds(10));
  const TimePoint now = clock.Now();
  const WallTime wall_now = clock.WallNow();
  clock.SleepUntil(now - seconds(5));
  clock.SleepUntil(now);
  EXPECT_EQ(clock.Now(), now);
  EXPECT_EQ(clock.WallNow(), wall_now);
  EXPECT_EQ(clock.Slept(), Duration::zero());
}

TEST(SystemClockTest, IsOneSharedInstance) {
  EXPECT_EQ(SystemClock::Get(), SystemClock::Get());
  EXPECT_NE(SystemClock::Get(), nullptr);
}

TEST(SystemClockTest, SleepUntilThePastReturns) {
  SystemClock* clock = SystemClock::Get();
  const TimePoint before = clock->Now();
  clock->SleepUntil(before - hours(1));  // would hang the test if it waited
  EXPECT_GE(clock->Now(), before);
}

}  // namespace
}  // namespace genauth::common
