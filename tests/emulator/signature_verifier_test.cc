// The AK/SK signature pieces without a server: golden vectors made with authing-node-sdk 4.0.1's
// own buildStringToSign/buildSignature, JavaScript number printing, date parsing, GenAuth's
// timestamps, and the verifier's checks on an injected clock.
#include "emulator/signature_verifier.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "emulator/js_json.h"
#include "emulator/time_formats.h"

namespace genauth::emulator {
namespace {

using std::chrono::system_clock;
using ::testing::HasSubstr;

constexpr char kSecret[] = "test-key-secret";
constexpr char kKeyId[] = "test-key-id";
constexpr char kSdkDate[] = "Tue, 20 Sep 2022 08:55:00 GMT";

// 2022-09-20T08:55:00Z, the instant kSdkDate names.
system_clock::time_point SdkDateInstant() {
  return system_clock::time_point(std::chrono::seconds(1663664100));
}

// The headers the SDK signed in the golden vectors (accept is sent but not signed).
SignedRequest SdkRequest(const std::string& method, const std::string& path) {
  SignedRequest request;
  request.method = method;
  request.path = path;
  request.headers = {{"x-authing-signature-nonce", "n1"},
                     {"x-authing-signature-method", "HMAC-SHA1"},
                     {"x-authing-signature-version", "1.0"},
                     {"x-authing-sdk-version", "authing-node-sdk:4.0.1"},
                     {"x-authing-lang", "zh-CN"},
                     {"date", kSdkDate},
                     {"accept", "application/json"}};
  return request;
}

constexpr char kSignedHeaderLines[] =
    "date:Tue, 20 Sep 2022 08:55:00 GMT\n"
    "x-authing-lang:zh-CN\n"
    "x-authing-sdk-version:authing-node-sdk:4.0.1\n"
    "x-authing-signature-method:HMAC-SHA1\n"
    "x-authing-signature-nonce:n1\n"
    "x-authing-signature-version:1.0\n";

// Made in Node.js: buildStringToSign("POST", "/api/v3/update-webhook", headers, body) and
// buildSignature("test-key-secret", ...), body holding a nested object in non-sorted key order,
// false, null, undefined (dropped), JavaScript-only number spellings, non-ASCII, '&' and escapes.
TEST(SignatureGoldenTest, PostBodyMatchesTheNodeSdk) {
  SignedRequest request = SdkRequest("POST", "/api/v3/update-webhook");
  request.body =
      R"({"webhookId":"w1","name":"订单 & co","enabled":false,)"
      R"("retryConfig":{"enabled":true,"count":3,"delayUnit":"Second"},)"
      R"("events":["user:created","login"],"n":1.5e-7,"big":1e+21,"small":0.000001,"neg":-2.5,)"
      R"("nul":null,"s":"a\"b\n\u0001"})";
  const std::string expected =
      std::string("POST\n") + kSignedHeaderLines +
      "/api/v3/update-webhook?big=1e+21&enabled=false&events=[\"user:created\",\"login\"]"
      "&n=1.5e-7&name=订单 & co&neg=-2.5&nul=null"
      "&retryConfig={\"enabled\":true,\"count\":3,\"delayUnit\":\"Second\"}"
      "&s=a\"b\n\x01&small=0.000001&webhookId=w1";
  EXPECT_EQ(StringToSign(request), expected);
  EXPECT_EQ(ComputeSignature(kSecret, StringToSign(request)), "BrbTXUqTHeWGqWSXV9FBNZdk0ns=");
}

TEST(SignatureGoldenTest, GetQueryMatchesTheNodeSdk) {
  SignedRequest request = SdkRequest("GET", "/api/v3/list-webhooks");
  request.query = {{"page", "2"}, {"limit", "5"}};
  EXPECT_EQ(StringToSign(request),
            std::string("GET\n") + kSignedHeaderLines + "/api/v3/list-webhooks?limit=5&page=2");
  EXPECT_EQ(ComputeSignature(kSecret, StringToSign(request)), "YkJ2tsgnoPm2b/Q+yogeOGS6h5I=");
}

TEST(SignatureStringTest, HeaderNamesAreLowerCasedValuesCleanedAndBothPrefixesSigned) {
  SignedRequest request;
  request.method = "GET";
  request.path = "/p";
  request.headers = {{"X-GenAuth-Lang", "  en-US\t"},
                     {"x-authing-b", "two\nlines"},
                     {"Date", "d"},
                     {"x-other", "unsigned"},
                     {"authorization", "unsigned too"}};
  EXPECT_EQ(StringToSign(request), "GET\ndate:d\nx-authing-b:two lines\nx-genauth-lang:en-US\n/p");
}

TEST(SignatureStringTest, ParametersComeFromTheQueryForGetAndFromTheBodyOtherwise) {
  SignedRequest get;
  get.method = "GET";
  get.path = "/p";
  get.query = {{"b", "x y"}, {"a", "1"}, {"a", "2"}};  // repeated key: the first value
  get.body = R"({"ignored": true})";
  EXPECT_EQ(StringToSign(get), "GET\n/p?a=1&b=x y");

  SignedRequest post;
  post.method = "POST";
  post.path = "/p";
  post.query = {{"ignored", "1"}};
  post.body = R"({"b": {"z": 1, "a": [1.0, "s"]}, "a": true})";
  EXPECT_EQ(StringToSign(post), "POST\n/p?a=true&b={\"z\":1,\"a\":[1,\"s\"]}");
  post.body = "{}";
  EXPECT_EQ(StringToSign(post), "POST\n/p");
  post.body = "not json";
  EXPECT_EQ(StringToSign(post), "POST\n/p");
}

TEST(JsJsonTest, NumbersPrintAsJavaScriptPrintsThem) {
  // Each pair made with String(x) in Node.js.
  const std::pair<double, const char*> cases[] = {
      {0.0, "0"},
      {-0.0, "0"},
      {1, "1"},
      {123456789012, "123456789012"},
      {1.5, "1.5"},
      {0.1, "0.1"},
      {1e-6, "0.000001"},
      {1e-7, "1e-7"},
      {1.5e-7, "1.5e-7"},
      {1e20, "100000000000000000000"},
      {1e21, "1e+21"},
      {123e20, "1.23e+22"},
      {-1e-10, "-1e-10"},
      {9007199254740992.0, "9007199254740992"},
      {18446744073709551616.0, "18446744073709552000"},
      {5e-324, "5e-324"},
      {1.7976931348623157e308, "1.7976931348623157e+308"},
      {0.000123, "0.000123"},
  };
  for (const auto& [value, expected] : cases) EXPECT_EQ(JsNumberToString(value), expected) << value;
}

TEST(JsJsonTest, StringifyKeepsMemberOrderAndEscapesLikeJavaScript) {
  nlohmann::ordered_json value =
      nlohmann::ordered_json::parse(R"({"z":[1.0,-0.0,2e21,null,false],"a":"é\"\\/\u001f\t"})");
  EXPECT_EQ(JsStringify(value), "{\"z\":[1,0,2e+21,null,false],\"a\":\"é\\\"\\\\/\\u001f\\t\"}");
  EXPECT_EQ(JsParameterText("plain \"text\""), "plain \"text\"");
  EXPECT_EQ(JsParameterText(nullptr), "null");
  EXPECT_EQ(JsParameterText(12), "12");
}

TEST(TimeFormatsTest, GenAuthTimestampIsChinaTimeWithAColonlessOffset) {
  const auto when = system_clock::time_point(std::chrono::milliseconds(1663635300188));
  EXPECT_EQ(GenAuthTimestamp(when), "2022-09-20T08:55:00.188+0800");  // 00:55:00.188Z
  EXPECT_EQ(GenAuthTimestamp(system_clock::time_point(std::chrono::hours(16))),
            "1970-01-02T00:00:00.000+0800");
}

TEST(TimeFormatsTest, ParsesTheDatesClientsSend) {
  EXPECT_EQ(ParseSignatureDate(kSdkDate), SdkDateInstant());
  EXPECT_EQ(ParseSignatureDate(" 1663664100000 "), SdkDateInstant());
  EXPECT_EQ(ParseSignatureDate("2022-09-20T08:55:00Z"), SdkDateInstant());
  EXPECT_EQ(ParseSignatureDate("2022-09-20T16:55:00.000+08:00"), SdkDateInstant());
  EXPECT_EQ(ParseSignatureDate("2022-09-20T16:55:00.000+0800"), SdkDateInstant());
  for (const char* bad :
       {"", "yesterday", "Tue, 20 Sep 2022 08:55:00 PST", "Tue, 20 Foo 2022 08:55:00 GMT",
        "20 Sep 2022 08:55:00 GMT", "2022-13-20T08:55:00Z", "2022-09-20T08:55:00", "-1663664100000",
        "12ab"}) {
    EXPECT_FALSE(ParseSignatureDate(bad)) << bad;
  }
}

class SignatureVerifierTest : public ::testing::Test {
 protected:
  // A request signed like the SDK would sign it at `date`, with `nonce`.
  static SignedRequest Signed(system_clock::time_point date, const std::string& nonce,
                              const std::string& secret = kSecret,
                              const std::string& scheme = "authing") {
    SignedRequest request;
    request.method = "POST";
    request.path = "/api/v3/get-webhook-logs";
    request.body = R"({"webhookId":"w1"})";
    request.headers = {
        {"date", std::to_string(
                     std::chrono::duration_cast<std::chrono::milliseconds>(date.time_since_epoch())
                         .count())},
        {"x-authing-signature-nonce", nonce},
        {"x-authing-signature-method", "HMAC-SHA1"},
        {"x-authing-signature-version", "1.0"}};
    request.headers["authorization"] =
        scheme + " " + kKeyId + ":" + ComputeSignature(secret, StringToSign(request));
    return request;
  }

  static int Code(const std::optional<SignatureRejection>& rejection) {
    return rejection ? rejection->api_code : 0;
  }

  SignatureVerifier verifier_{kKeyId, kSecret};
  const system_clock::time_point now_ = SdkDateInstant();
};

TEST_F(SignatureVerifierTest, AcceptsAFreshSignatureOnceAndBothSchemeSpellings) {
  EXPECT_FALSE(verifier_.Verify(Signed(now_, "a"), now_));
  EXPECT_EQ(Code(verifier_.Verify(Signed(now_, "a"), now_)), kApiCodeNonceReused);
  EXPECT_FALSE(verifier_.Verify(Signed(now_, "b", kSecret, "GenAuth"), now_));
  EXPECT_FALSE(verifier_.Verify(Signed(now_, "c", kSecret, "AUTHING"), now_));
}

TEST_F(SignatureVerifierTest, AfterARotationAcceptsOnlyTheNewSecret) {
  verifier_.SetAccessKeySecret("rotated-secret");
  EXPECT_EQ(Code(verifier_.Verify(Signed(now_, "a"), now_)), kApiCodeBadSignature);
  EXPECT_FALSE(verifier_.Verify(Signed(now_, "b", "rotated-secret"), now_));
}

TEST_F(SignatureVerifierTest, AllowsFifteenMinutesOfSkewEitherWay) {
  const auto skew = SignatureVerifier::kMaxClockSkew;
  EXPECT_FALSE(verifier_.Verify(Signed(now_ - skew, "a"), now_));
  EXPECT_FALSE(verifier_.Verify(Signed(now_ + skew, "b"), now_));
  EXPECT_EQ(Code(verifier_.Verify(Signed(now_ - skew - std::chrono::seconds(1), "c"), now_)),
            kApiCodeClockSkew);
  EXPECT_EQ(Code(verifier_.Verify(Signed(now_ + skew + std::chrono::seconds(1), "d"), now_)),
            kApiCodeClockSkew);
}

TEST_F(SignatureVerifierTest, RejectsWithTheDocumentedApiCodes) {
  EXPECT_EQ(Code(verifier_.Verify(Signed(now_, "a", "wrong-secret"), now_)), kApiCodeBadSignature);

  SignedRequest tampered = Signed(now_, "b");
  tampered.body = R"({"webhookId":"w2"})";
  EXPECT_EQ(Code(verifier_.Verify(tampered, now_)), kApiCodeBadSignature);

  SignedRequest other_key = Signed(now_, "c");
  other_key.headers["authorization"].replace(8, 11, "other-key-x");
  std::optional<SignatureRejection> rejection = verifier_.Verify(other_key, now_);
  EXPECT_EQ(Code(rejection), kApiCodeBadSignature);
  EXPECT_THAT(rejection->message, HasSubstr("accessKeyId"));

  SignedRequest no_date = Signed(now_, "d");
  no_date.headers.erase("date");
  EXPECT_EQ(Code(verifier_.Verify(no_date, now_)), kApiCodeMissingDate);

  SignedRequest bad_date = Signed(now_, "e");
  bad_date.headers["date"] = "yesterday";
  EXPECT_EQ(Code(verifier_.Verify(bad_date, now_)), kApiCodeBadDate);

  for (const char* header :
       {"x-authing-signature-nonce", "x-authing-signature-method", "x-authing-signature-version"}) {
    SignedRequest missing = Signed(now_, std::string("f-") + header);
    missing.headers.erase(header);
    EXPECT_EQ(Code(verifier_.Verify(missing, now_)), kApiCodeBadSignature) << header;
  }
  for (const char* authorization :
       {"authing", "authing :sig", "authing test-key-id:", "Bearer x"}) {
    SignedRequest malformed = Signed(now_, "g");
    malformed.headers["authorization"] = authorization;
    EXPECT_EQ(Code(verifier_.Verify(malformed, now_)), kApiCodeBadSignature) << authorization;
  }
  // None of the rejected requests spent its nonce.
  EXPECT_FALSE(verifier_.Verify(Signed(now_, "a"), now_));
  EXPECT_FALSE(verifier_.Verify(Signed(now_, "g"), now_));
}

TEST_F(SignatureVerifierTest, ForgetsNoncesOnlyOnceTheirRequestsCouldNoLongerBeReplayed) {
  EXPECT_FALSE(verifier_.Verify(Signed(now_, "n"), now_));
  const auto skew = SignatureVerifier::kMaxClockSkew;
  // Still within the replay window of the first request: remembered.
  EXPECT_EQ(Code(verifier_.Verify(Signed(now_ + skew, "n"), now_ + skew)), kApiCodeNonceReused);
  // Past it, the original request fails the date check, so its nonce may be forgotten.
  const auto later = now_ + skew + std::chrono::seconds(1);
  EXPECT_EQ(Code(verifier_.Verify(Signed(now_, "n"), later)), kApiCodeClockSkew);
  EXPECT_FALSE(verifier_.Verify(Signed(later, "n"), later));
}

TEST(SignatureSchemeTest, RecognisesTheSchemeWord) {
  EXPECT_TRUE(IsSignatureAuthorization("authing k:s"));
  EXPECT_TRUE(IsSignatureAuthorization("GenAuth k:s"));
  EXPECT_TRUE(IsSignatureAuthorization("  genauth k:s"));
  EXPECT_FALSE(IsSignatureAuthorization("Bearer t"));
  EXPECT_FALSE(IsSignatureAuthorization("authingk:s"));
  EXPECT_FALSE(IsSignatureAuthorization(""));
}

}  // namespace
}  // namespace genauth::emulator
