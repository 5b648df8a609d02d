// The back-off arithmetic: capped doubling without overflow, full and equal jitter.
#include <gtest/gtest.h>

#include <chrono>

#include "common/backoff.h"

namespace genauth::common {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;

TEST(BackoffTest, CeilingDoublesUpToTheCap) {
  EXPECT_EQ(ExponentialCeiling(milliseconds(100), seconds(2), 1), milliseconds(100));
  EXPECT_EQ(ExponentialCeiling(milliseconds(100), seconds(2), 2), milliseconds(200));
  EXPECT_EQ(ExponentialCeiling(milliseconds(100), seconds(2), 5), milliseconds(1600));
  EXPECT_EQ(ExponentialCeiling(milliseconds(100), seconds(2), 6), seconds(2));
  EXPECT_EQ(ExponentialCeiling(milliseconds(100), seconds(2), 1000000), seconds(2));
  EXPECT_EQ(ExponentialCeiling(milliseconds(100), seconds(2), 0), milliseconds(100));
}

TEST(BackoffTest, FullJitterSpansZeroToTheCeiling) {
  EXPECT_EQ(FullJitter(seconds(1), 0.0), nanoseconds(0));
  EXPECT_EQ(FullJitter(seconds(1), 0.25), milliseconds(250));
}

TEST(BackoffTest, EqualJitterSpansHalfToTheWholeCeiling) {
  EXPECT_EQ(EqualJitter(seconds(1), 0.0), milliseconds(500));
  EXPECT_EQ(EqualJitter(seconds(1), 0.5), milliseconds(750));
  EXPECT_EQ(EqualJitter(seconds(1), 7.0), seconds(1));  // clamped
}

}  // namespace
}  // namespace genauth::common
