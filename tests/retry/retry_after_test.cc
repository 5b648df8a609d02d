// Tests of ParseRetryAfter: delay-seconds, the three HTTP-date forms relative to a fixed wall
// time, dates in the past, and malformed values.
#include "retry/retry_after.h"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>

#include "support/param_name.h"

namespace genauth::retry {
namespace {

using std::chrono::nanoseconds;
using std::chrono::seconds;

// Sun, 06 Nov 1994 08:49:37 GMT, the date RFC 9110 uses in its examples.
constexpr int64_t kExampleEpochSeconds = 784111777;

common::WallTime At(int64_t epoch_seconds) { return common::WallTime{} + seconds(epoch_seconds); }

// One minute before the example date.
const common::WallTime kNow = At(kExampleEpochSeconds - 60);

struct RetryAfterCase {
  std::string value;
  std::optional<nanoseconds> want;
};

class ParseRetryAfterTest : public testing::TestWithParam<RetryAfterCase> {};

std::string RetryAfterCaseName(const testing::TestParamInfo<RetryAfterCase>& info) {
  return test_names::Indexed(info.index, info.param.value);
}

TEST_P(ParseRetryAfterTest, Parses) {
  const RetryAfterCase& c = GetParam();
  std::optional<nanoseconds> got = ParseRetryAfter(c.value, kNow);
  ASSERT_EQ(got.has_value(), c.want.has_value()) << "value \"" << c.value << "\"";
  if (c.want) {
    EXPECT_EQ(got->count(), c.want->count()) << "value \"" << c.value << "\"";
  }
}

INSTANTIATE_TEST_SUITE_P(DelaySeconds, ParseRetryAfterTest,
                         testing::Values(RetryAfterCase{"120", seconds(120)},
                                         RetryAfterCase{" 5 ", seconds(5)},
                                         RetryAfterCase{"\t7\t", seconds(7)},
                                         RetryAfterCase{"0", seconds(0)},
                                         RetryAfterCase{"007", seconds(7)},
                                         RetryAfterCase{"999999999", seconds(999999999)}),
                         RetryAfterCaseName);

INSTANTIATE_TEST_SUITE_P(
    HttpDate, ParseRetryAfterTest,
    testing::Values(RetryAfterCase{"Sun, 06 Nov 1994 08:49:37 GMT", seconds(60)},
                    RetryAfterCase{"  Sun, 06 Nov 1994 08:49:37 GMT  ", seconds(60)},
                    RetryAfterCase{"Sunday, 06-Nov-94 08:49:37 GMT", seconds(60)},
                    RetryAfterCase{"Sun Nov  6 08:49:37 1994", seconds(60)},
                    RetryAfterCase{"Mon, 07 Nov 1994 08:48:37 GMT", seconds(86400)}),
    RetryAfterCaseName);

// A date at or before now means "retry now".
INSTANTIATE_TEST_SUITE_P(
    PastDates, ParseRetryAfterTest,
    testing::Values(RetryAfterCase{"Sun, 06 Nov 1994 08:48:37 GMT", seconds(0)},
                    RetryAfterCase{"Sun, 06 Nov 1994 08:47:00 GMT", seconds(0)},
                    RetryAfterCase{"Thu, 01 Jan 1970 00:00:00 GMT", seconds(0)},
                    RetryAfterCase{"Saturday, 05-Nov-94 08:49:37 GMT", seconds(0)},
                    RetryAfterCase{"Sat Nov  5 08:49:37 1994", seconds(0)},
                    // Before 1678: beyond int64 nanoseconds (found by tests/fuzz).
                    RetryAfterCase{"Mon, 01 Jan 0001 00:00:00 GMT", seconds(0)}),
    RetryAfterCaseName);

INSTANTIATE_TEST_SUITE_P(
    Malformed, ParseRetryAfterTest,
    testing::Values(RetryAfterCase{"soon", std::nullopt}, RetryAfterCase{"1.5", std::nullopt},
                    RetryAfterCase{"-3", std::nullopt}, RetryAfterCase{"+3", std::nullopt},
                    RetryAfterCase{"", std::nullopt}, RetryAfterCase{"   ", std::nullopt},
                    RetryAfterCase{"5s", std::nullopt}, RetryAfterCase{"5 5", std::nullopt},
                    RetryAfterCase{"1234567890", std::nullopt},
                    RetryAfterCase{std::string(400, '9'), std::nullopt},
                    RetryAfterCase{"Sun, 06 Nov 1994 08:49:37", std::nullopt},
                    RetryAfterCase{"Sun, 06 Nov 1994 08:49:37 GMT extra", std::nullopt},
                    RetryAfterCase{"Sun, 32 Nov 1994 08:49:37 GMT", std::nullopt},
                    RetryAfterCase{"Sun, 06 Foo 1994 08:49:37 GMT", std::nullopt},
                    RetryAfterCase{"1994-11-06T08:49:37Z", std::nullopt},
                    // Further ahead than the longest delay-seconds (9 digits); the year 9999 is
                    // also beyond int64 nanoseconds (found by tests/fuzz).
                    RetryAfterCase{"Fri, 01 Jan 2027 00:00:00 GMT", std::nullopt},
                    RetryAfterCase{"Fri, 31 Dec 9999 23:59:59 GMT", std::nullopt}),
    RetryAfterCaseName);

TEST(RetryAfterDateTest, IsRelativeToTheGivenNow) {
  const std::string date = "Sun, 06 Nov 1994 08:49:37 GMT";
  EXPECT_EQ(ParseRetryAfter(date, At(kExampleEpochSeconds - 1)), seconds(1));
  EXPECT_EQ(ParseRetryAfter(date, At(kExampleEpochSeconds - 3600)), seconds(3600));
  EXPECT_EQ(ParseRetryAfter(date, At(kExampleEpochSeconds)), nanoseconds::zero());
  EXPECT_EQ(ParseRetryAfter(date, At(kExampleEpochSeconds + 3600)), nanoseconds::zero());
  // Sub-second "now": the wait is exact to the nanosecond.
  EXPECT_EQ(ParseRetryAfter(date, At(kExampleEpochSeconds - 2) + std::chrono::milliseconds(250)),
            std::chrono::milliseconds(1750));
}

}  // namespace
}  // namespace genauth::retry
