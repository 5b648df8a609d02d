// FlagReader: "--name value" and "--name=value", values taken verbatim, the first problem kept.
#include "common/flag_reader.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace genauth::common {
namespace {

TEST(FlagReaderTest, ReadsSeparateAndInlineValues) {
  FlagReader reader({"--host", "h", "--port=80", "--next", "--looks-like-a-flag"});
  ASSERT_TRUE(reader.Next());
  EXPECT_EQ(reader.name(), "--host");
  EXPECT_FALSE(reader.has_inline_value());
  EXPECT_EQ(reader.Value(), "h");
  EXPECT_EQ(reader.Value(), "h");  // asked again: the same value, nothing more consumed
  ASSERT_TRUE(reader.Next());
  EXPECT_EQ(reader.name(), "--port");
  EXPECT_TRUE(reader.has_inline_value());
  EXPECT_EQ(reader.Integer(0, 65535), 80);
  ASSERT_TRUE(reader.Next());
  EXPECT_EQ(reader.Value(), "--looks-like-a-flag");
  EXPECT_FALSE(reader.Next());
  EXPECT_EQ(reader.error(), "");
}

TEST(FlagReaderTest, AMissingValueIsReported) {
  FlagReader reader({"--port"});
  ASSERT_TRUE(reader.Next());
  EXPECT_EQ(reader.Value(), std::nullopt);
  EXPECT_FALSE(reader.Next());
  EXPECT_EQ(reader.error(), "--port needs a value");
}

TEST(FlagReaderTest, IntegersAreWholeAndInRange) {
  for (const char* bad : {"x", "", "1.5", "+1", " 1", "65536", "-1", "1e3"}) {
    FlagReader reader({"--port", bad});
    ASSERT_TRUE(reader.Next());
    EXPECT_EQ(reader.Integer(0, 65535), std::nullopt) << bad;
    EXPECT_EQ(reader.error(), "--port must be an integer in [0, 65535]") << bad;
  }
}

TEST(FlagReaderTest, ABareFlagRefusesAValueAndTheFirstProblemIsKept) {
  FlagReader reader({"--verbose=yes", "--other"});
  ASSERT_TRUE(reader.Next());
  EXPECT_FALSE(reader.NoValue());
  reader.Fail("a later problem");
  EXPECT_EQ(reader.error(), "--verbose takes no value");
  EXPECT_FALSE(reader.Next());  // stops at the first problem
}

TEST(FlagReaderTest, OnlyDoubleDashFlagsCarryAnInlineValue) {
  FlagReader reader({"-x=1", "--verbose"});
  ASSERT_TRUE(reader.Next());
  EXPECT_EQ(reader.name(), "-x=1");
  EXPECT_FALSE(reader.has_inline_value());
  ASSERT_TRUE(reader.Next());
  EXPECT_TRUE(reader.NoValue());
}

TEST(FlagReaderTest, VersionWinsOverUsageAndNeitherPrintsNothing) {
  ::testing::internal::CaptureStdout();
  EXPECT_TRUE(PrintVersionOrUsage(true, true, "tool 1.0\n", "usage\n"));
  EXPECT_TRUE(PrintVersionOrUsage(false, true, "tool 1.0\n", "usage\n"));
  EXPECT_FALSE(PrintVersionOrUsage(false, false, "tool 1.0\n", "usage\n"));
  EXPECT_EQ(::testing::internal::GetCapturedStdout(), "tool 1.0\nusage\n");
}

TEST(FlagReaderTest, HelpAndVersionAreRecognised) {
  bool help = false;
  bool version = false;
  FlagReader reader({"-h", "--version", "--other"});
  ASSERT_TRUE(reader.Next());
  EXPECT_TRUE(reader.HelpOrVersion(&help, &version));
  ASSERT_TRUE(reader.Next());
  EXPECT_TRUE(reader.HelpOrVersion(&help, &version));
  ASSERT_TRUE(reader.Next());
  EXPECT_FALSE(reader.HelpOrVersion(&help, &version));
  EXPECT_TRUE(help);
  EXPECT_TRUE(version);
}

}  // namespace
}  // namespace genauth::common
