// The AK/SK signature: HMAC-SHA1 vectors, the string to sign, body parameters, and Sign's headers.
#include "auth/request_signer.h"

#include <gtest/gtest.h>

#include <map>

namespace genauth::auth {
namespace {

TEST(HmacSha1Base64Test, MatchesRfc2202) {
  // RFC 2202 test case 2: HMAC-SHA1 = effcdf6ae5eb2fa2d27416d5f184df9c259a7c79.
  EXPECT_EQ(HmacSha1Base64("Jefe", "what do ya want for nothing?"), "7/zfauXrL6LSdBbV8YTfnCWafHk=");
}

TEST(StringToSignTest, SortsSignedHeadersAndParameters) {
  HeaderList headers = {{"x-authing-lang", "zh-CN"},
                        {"Content-Type", "application/json"},  // not signed
                        {"date", "Sun, 06 Nov 1994 08:49:37 GMT"},
                        {"X-Authing-Signature-Nonce", "  n1  "},
                        {"authorization", "ignored"}};
  std::string s = StringToSign("GET", headers, "x-authing", "/api/v3/list-webhooks",
                               {{"page", "2"}, {"limit", "5"}});
  EXPECT_EQ(s,
            "GET\n"
            "date:Sun, 06 Nov 1994 08:49:37 GMT\n"
            "x-authing-lang:zh-CN\n"
            "x-authing-signature-nonce:n1\n"
            "/api/v3/list-webhooks?limit=5&page=2");
}

TEST(StringToSignTest, NoParametersMeansNoQuestionMark) {
  EXPECT_EQ(StringToSign("POST", {}, "x-authing", "/api/v3/x", {}), "POST\n/api/v3/x");
}

TEST(StringToSignTest, OtherPrefixSignsItsOwnHeaders) {
  HeaderList headers = {{"x-genauth-lang", "en-US"}, {"x-authing-lang", "zh-CN"}};
  EXPECT_EQ(StringToSign("GET", headers, "x-genauth", "/p", {}), "GET\nx-genauth-lang:en-US\n/p");
}

TEST(ParamsFromJsonBodyTest, TopLevelKeysStringsRawOthersJsonNullsSkipped) {
  ParamList params = ParamsFromJsonBody(
      R"({"webhookId":"w1","enabled":false,"limit":10,"events":["a","b"],"gone":null,
          "requestBody":{"k":"v"}})");
  std::map<std::string, std::string> got(params.begin(), params.end());
  EXPECT_EQ(got, (std::map<std::string, std::string>{{"webhookId", "w1"},
                                                     {"enabled", "false"},
                                                     {"limit", "10"},
                                                     {"events", R"(["a","b"])"},
                                                     {"requestBody", R"({"k":"v"})"}}));
  EXPECT_TRUE(ParamsFromJsonBody("").empty());
  EXPECT_TRUE(ParamsFromJsonBody("[1]").empty());
}

TEST(HttpDateTest, FormatsRfc1123) {
  EXPECT_EQ(HttpDate(common::WallTime{} + std::chrono::seconds(784111777)),
            "Sun, 06 Nov 1994 08:49:37 GMT");
}

TEST(RequestSignerTest, AddsHeadersWhoseSignatureVerifies) {
  common::FakeClock clock;
  Credentials credentials("ak-1", "secret-1");
  RequestSigner signer({"x-authing"}, &credentials, &clock);
  HeaderList headers = {{"x-authing-sdk-version", "genauth-sidecar:test"},
                        {"x-authing-lang", "en-US"}};
  signer.Sign("POST", "/api/v3/trigger-webhook", {{"webhookId", "w1"}}, &headers);
  std::map<std::string, std::string> h(headers.begin(), headers.end());
  EXPECT_EQ(h["date"], HttpDate(clock.WallNow()));
  EXPECT_EQ(h["x-authing-signature-method"], "HMAC-SHA1");
  EXPECT_EQ(h["x-authing-signature-version"], "1.0");
  EXPECT_EQ(h["x-authing-signature-nonce"].size(), 32u);
  // Recompute independently from the headers the signer produced (minus Authorization).
  HeaderList without_auth;
  for (const auto& kv : headers) {
    if (kv.first != "Authorization") without_auth.push_back(kv);
  }
  std::string expected =
      HmacSha1Base64("secret-1", StringToSign("POST", without_auth, "x-authing",
                                              "/api/v3/trigger-webhook", {{"webhookId", "w1"}}));
  EXPECT_EQ(h["Authorization"], "authing ak-1:" + expected);

  HeaderList again;
  signer.Sign("POST", "/api/v3/trigger-webhook", {}, &again);
  std::map<std::string, std::string> h2(again.begin(), again.end());
  EXPECT_NE(h2["x-authing-signature-nonce"], h["x-authing-signature-nonce"]);  // fresh nonce
}

TEST(RequestSignerTest, GenAuthPrefixUsesItsAuthorizationWord) {
  common::FakeClock clock;
  Credentials credentials("ak-1", "secret-1");
  RequestSigner signer({"x-genauth"}, &credentials, &clock);
  HeaderList headers;
  signer.Sign("GET", "/p", {}, &headers);
  std::map<std::string, std::string> h(headers.begin(), headers.end());
  EXPECT_EQ(h["Authorization"].rfind("GenAuth ak-1:", 0), 0u);
  EXPECT_EQ(h.count("x-genauth-signature-nonce"), 1u);
}

// Secret rotation: the signer reads the shared credentials at each signature.
TEST(RequestSignerTest, SignsWithTheSecretInUseAtEachRequest) {
  common::FakeClock clock;
  Credentials credentials("ak-1", "old-secret");
  RequestSigner signer({"x-authing"}, &credentials, &clock);
  auto signature_with = [&](const std::string& secret) {
    HeaderList headers;
    signer.Sign("GET", "/p", {}, &headers);
    HeaderList signed_part;
    std::string authorization;
    for (const auto& kv : headers) {
      if (kv.first == "Authorization") {
        authorization = kv.second;
      } else {
        signed_part.push_back(kv);
      }
    }
    return authorization ==
           "authing ak-1:" +
               HmacSha1Base64(secret, StringToSign("GET", signed_part, "x-authing", "/p", {}));
  };
  EXPECT_TRUE(signature_with("old-secret"));
  credentials.SetSecret("new-secret");
  EXPECT_TRUE(signature_with("new-secret"));
  EXPECT_FALSE(signature_with("old-secret"));
}

}  // namespace
}  // namespace genauth::auth
