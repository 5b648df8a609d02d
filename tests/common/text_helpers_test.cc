// sidecar_base's small helpers: ASCII case, JSON string quoting, decimal integers, reason phrases,
// atomic file writes.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "common/ascii_case.h"
#include "common/atomic_file.h"
#include "common/decimal.h"
#include "common/http_reason.h"
#include "common/json_string.h"

namespace genauth::common {
namespace {

TEST(AsciiCaseTest, LowersAsciiOnly) {
  EXPECT_EQ(AsciiLower("X-Authing-Lang"), "x-authing-lang");
  EXPECT_EQ(AsciiLower("\xC3\x84Z"), "\xC3\x84z");  // UTF-8 bytes pass through
}

TEST(JsonStringTest, EscapesAsJsonStringifyDoes) {
  std::string out;
  AppendJsonString(std::string("a\"b\\c\b\f\n\r\t\x01\x1f\x7f\xC3\xA9", 15), &out);
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\b\\f\\n\\r\\t\\u0001\\u001f\x7f\xC3\xA9\"");
  out.clear();
  AppendJsonString(std::string("\0", 1), &out);
  EXPECT_EQ(out, "\"\\u0000\"");
}

TEST(DecimalTest, ParsesWholeIntegersInRange) {
  EXPECT_EQ(ParseDecimalInteger("42", 0, 100), 42);
  EXPECT_EQ(ParseDecimalInteger("-3", -5, 5), -3);
  EXPECT_EQ(ParseDecimalInteger("101", 0, 100), std::nullopt);
  EXPECT_EQ(ParseDecimalInteger("4x", 0, 100), std::nullopt);
  EXPECT_EQ(ParseDecimalInteger("", 0, 100), std::nullopt);
  EXPECT_EQ(ParseDecimalInteger("99999999999999999999", 0, 100), std::nullopt);
}

TEST(HttpReasonTest, NamesTheStatusesServersSend) {
  EXPECT_EQ(HttpReasonPhrase(200), "OK");
  EXPECT_EQ(HttpReasonPhrase(413), "Content Too Large");
  EXPECT_EQ(HttpReasonPhrase(431), "Request Header Fields Too Large");
  EXPECT_EQ(HttpReasonPhrase(299), "Unknown");
}

TEST(AtomicFileTest, WritesTheWholeFileOrReportsWhy) {
  const std::string path =
      (std::filesystem::temp_directory_path() / ("atomic_file_test." + std::to_string(getpid())))
          .string();
  ASSERT_EQ(WriteFileAtomically(path, "grpc=1\n", "the port file"), "");
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), "grpc=1\n");
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  std::filesystem::remove(path);
  EXPECT_EQ(WriteFileAtomically("/nonexistent-dir/x", "1", "the port file"),
            "cannot write the port file /nonexistent-dir/x.tmp");
}

}  // namespace
}  // namespace genauth::common
