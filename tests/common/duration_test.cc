// Table-driven tests of ParseDuration and FormatDuration.
#include "common/duration.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "support/param_name.h"

namespace genauth::common {
namespace {

using std::chrono::hours;
using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;

struct ParseCase {
  std::string text;
  std::optional<nanoseconds> want;
};

class ParseDurationTest : public testing::TestWithParam<ParseCase> {};

std::string ParseCaseName(const testing::TestParamInfo<ParseCase>& info) {
  return test_names::Indexed(info.index, info.param.text);
}

TEST_P(ParseDurationTest, Parses) {
  const ParseCase& c = GetParam();
  std::optional<nanoseconds> got = ParseDuration(c.text);
  ASSERT_EQ(got.has_value(), c.want.has_value()) << "input \"" << c.text << "\"";
  if (c.want) {
    EXPECT_EQ(got->count(), c.want->count()) << "input \"" << c.text << "\"";
  }
}

INSTANTIATE_TEST_SUITE_P(
    Valid, ParseDurationTest,
    testing::Values(ParseCase{"0s", nanoseconds(0)}, ParseCase{"100ns", nanoseconds(100)},
                    ParseCase{"5us", microseconds(5)}, ParseCase{"250ms", milliseconds(250)},
                    ParseCase{"10s", seconds(10)}, ParseCase{"0.5s", milliseconds(500)},
                    ParseCase{"1.5m", seconds(90)}, ParseCase{"2h", hours(2)},
                    ParseCase{"007s", seconds(7)}, ParseCase{"1.25ms", microseconds(1250)},
                    // 2.5e6 hours is exactly the 9e18 ns limit.
                    ParseCase{"2500000h", nanoseconds(9'000'000'000'000'000'000)}),
    ParseCaseName);

INSTANTIATE_TEST_SUITE_P(
    Invalid, ParseDurationTest,
    testing::Values(ParseCase{"", std::nullopt}, ParseCase{"10", std::nullopt},
                    ParseCase{"s", std::nullopt}, ParseCase{"-1s", std::nullopt},
                    ParseCase{"+1s", std::nullopt}, ParseCase{"1.2.3s", std::nullopt},
                    ParseCase{"10 s", std::nullopt}, ParseCase{" 10s", std::nullopt},
                    ParseCase{"10s ", std::nullopt}, ParseCase{"1e3s", std::nullopt},
                    ParseCase{".s", std::nullopt}, ParseCase{"10S", std::nullopt},
                    ParseCase{"10sec", std::nullopt}, ParseCase{"10d", std::nullopt},
                    ParseCase{"1h30m", std::nullopt}, ParseCase{"nan s", std::nullopt},
                    // Overflow: just over the limit, far over int64 ns, and a number strtod
                    // turns into infinity.
                    ParseCase{"2500001h", std::nullopt}, ParseCase{"9999999999h", std::nullopt},
                    ParseCase{std::string(400, '9') + "s", std::nullopt}),
    ParseCaseName);

struct FormatCase {
  nanoseconds d;
  std::string want;
};

class FormatDurationTest : public testing::TestWithParam<FormatCase> {};

TEST_P(FormatDurationTest, Formats) {
  EXPECT_EQ(FormatDuration(GetParam().d), GetParam().want) << GetParam().d.count() << "ns";
}

INSTANTIATE_TEST_SUITE_P(
    Table, FormatDurationTest,
    testing::Values(FormatCase{nanoseconds(0), "0ms"}, FormatCase{microseconds(500), "500us"},
                    FormatCase{milliseconds(1), "1ms"}, FormatCase{milliseconds(250), "250ms"},
                    FormatCase{milliseconds(999), "999ms"}, FormatCase{seconds(1), "1s"},
                    FormatCase{milliseconds(1500), "1.5s"}, FormatCase{milliseconds(2250), "2.25s"},
                    FormatCase{seconds(90), "90s"}, FormatCase{hours(2), "7200s"}),
    [](const auto& param_info) {
      return test_names::Indexed(param_info.index, param_info.param.want);
    });

// The header promises an exact form: whatever FormatDuration prints for a whole number of
// milliseconds must parse back to the same duration.
class FormatDurationRoundTripTest : public testing::TestWithParam<int64_t> {};

TEST_P(FormatDurationRoundTripTest, ParsesBackExactly) {
  const milliseconds d(GetParam());
  const std::string text = FormatDuration(d);
  std::optional<nanoseconds> back = ParseDuration(text);
  ASSERT_TRUE(back.has_value()) << d.count() << "ms formatted as \"" << text << "\"";
  EXPECT_EQ(back->count(), nanoseconds(d).count())
      << d.count() << "ms formatted as \"" << text << "\"";
}

// Milliseconds.
INSTANTIATE_TEST_SUITE_P(Table, FormatDurationRoundTripTest,
                         testing::Values(0, 7, 1000, 1500, 60000, 1001, 12345, 1234567),
                         [](const auto& param_info) {
                           return std::to_string(param_info.param) + "ms";
                         });

}  // namespace
}  // namespace genauth::common
