// Percent-encoding of query components and target building.
#include "upstream/url.h"

#include <gtest/gtest.h>

#include "support/param_name.h"

namespace genauth::upstream {
namespace {

struct UrlEncodeCase {
  std::string in;
  std::string want;
};

class UrlEncodeTest : public testing::TestWithParam<UrlEncodeCase> {};

TEST_P(UrlEncodeTest, Encodes) { EXPECT_EQ(UrlEncode(GetParam().in), GetParam().want); }

INSTANTIATE_TEST_SUITE_P(
    Table, UrlEncodeTest,
    testing::Values(UrlEncodeCase{"", ""}, UrlEncodeCase{"AZaz09", "AZaz09"},
                    UrlEncodeCase{"-_.~", "-_.~"},  // unreserved, kept
                    UrlEncodeCase{" ", "%20"}, UrlEncodeCase{"a b", "a%20b"},
                    UrlEncodeCase{"&", "%26"}, UrlEncodeCase{"=", "%3D"}, UrlEncodeCase{"+", "%2B"},
                    UrlEncodeCase{"%", "%25"}, UrlEncodeCase{":/?#[]@", "%3A%2F%3F%23%5B%5D%40"},
                    UrlEncodeCase{"!$'()*,;", "%21%24%27%28%29%2A%2C%3B"},
                    UrlEncodeCase{"\"<>\\^`{|}", "%22%3C%3E%5C%5E%60%7B%7C%7D"},
                    UrlEncodeCase{"\n\t", "%0A%09"}, UrlEncodeCase{std::string("a\0b", 3), "a%00b"},
                    UrlEncodeCase{"\x7f", "%7F"}, UrlEncodeCase{"\xc3\xa9", "%C3%A9"},  // é
                    UrlEncodeCase{"\xe4\xb8\xad", "%E4%B8%AD"},                         // 中
                    UrlEncodeCase{"\xf0\x9f\x98\x80", "%F0%9F%98%80"},                  // 😀
                    UrlEncodeCase{"\xff", "%FF"}),
    [](const auto& param_info) {
      return test_names::Indexed(param_info.index, param_info.param.want);
    });

TEST(TargetTest, PathAloneWithoutParameters) { EXPECT_EQ(Target("/api/v3/x", {}), "/api/v3/x"); }

TEST(TargetTest, ParametersInOrderEncoded) {
  EXPECT_EQ(
      Target("/api/v3/x", {{"page", "2"}, {"webhookId", "a b&c"}, {"ids", "1"}, {"ids", "2"}}),
      "/api/v3/x?page=2&webhookId=a%20b%26c&ids=1&ids=2");
}

}  // namespace
}  // namespace genauth::upstream
