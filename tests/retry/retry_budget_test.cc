// The retry budget: a fraction of recent calls plus a floor, over a sliding window (FakeClock).
#include "retry/retry_budget.h"

#include <gtest/gtest.h>

namespace genauth::retry {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

int SpendAll(RetryBudget& budget, int tries) {
  int spent = 0;
  for (int i = 0; i < tries; ++i) spent += budget.TrySpendRetry() ? 1 : 0;
  return spent;
}

TEST(RetryBudgetTest, WithoutCallsOnlyTheFloorIsAllowed) {
  common::FakeClock clock;
  RetryBudget budget({0.2, 3, seconds(10)}, &clock);
  EXPECT_EQ(SpendAll(budget, 10), 3);
}

TEST(RetryBudgetTest, AllowsTheRatioOfCallsPlusTheFloor) {
  common::FakeClock clock;
  RetryBudget budget({0.2, 2, seconds(10)}, &clock);
  for (int i = 0; i < 100; ++i) budget.RecordCall();
  EXPECT_EQ(SpendAll(budget, 1000), 22);  // 2 + 0.2 * 100
}

TEST(RetryBudgetTest, AFailingUpstreamSeesAtMostRatioMoreAttempts) {
  // 1000 calls over 10 s, every attempt failing and every call wanting 2 retries.
  common::FakeClock clock;
  RetryBudget budget({0.2, 10, seconds(10)}, &clock);
  int attempts = 0;
  for (int i = 0; i < 1000; ++i) {
    budget.RecordCall();
    ++attempts;
    for (int r = 0; r < 2 && budget.TrySpendRetry(); ++r) ++attempts;
    clock.Advance(milliseconds(10));
  }
  EXPECT_LE(attempts, 1000 + 200 + 10);
  EXPECT_GE(attempts, 1000 + 190);  // the budget is used, not just refused
}

TEST(RetryBudgetTest, SpentRetriesLeaveTheWindow) {
  common::FakeClock clock;
  RetryBudget budget({0.0, 2, seconds(10)}, &clock);
  EXPECT_EQ(SpendAll(budget, 5), 2);
  clock.Advance(seconds(5));
  EXPECT_EQ(SpendAll(budget, 5), 0);  // still inside the window
  clock.Advance(seconds(6));
  EXPECT_EQ(SpendAll(budget, 5), 2);  // the first two have left it
}

TEST(RetryBudgetTest, OldCallsStopCounting) {
  common::FakeClock clock;
  RetryBudget budget({0.5, 0, seconds(10)}, &clock);
  for (int i = 0; i < 10; ++i) budget.RecordCall();
  clock.Advance(seconds(11));
  EXPECT_EQ(SpendAll(budget, 5), 0);
}

TEST(RetryBudgetTest, OptionsAreValidated) {
  EXPECT_TRUE((RetryBudgetOptions{0.2, 10, seconds(10)}).Validate().ok());
  EXPECT_FALSE((RetryBudgetOptions{-0.1, 10, seconds(10)}).Validate().ok());
  EXPECT_FALSE((RetryBudgetOptions{0.2, -1, seconds(10)}).Validate().ok());
  EXPECT_FALSE((RetryBudgetOptions{0.2, 1, milliseconds(1)}).Validate().ok());
}

}  // namespace
}  // namespace genauth::retry
