// Table-driven tests of ParseEnvelope and of CodeForGenAuthStatus, the one GenAuth status table.
#include "upstream/envelope.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "nlohmann/json.hpp"

namespace genauth::upstream {
namespace {

using nlohmann::json;

struct EnvelopeCase {
  std::string name;
  std::string body;
  std::optional<Envelope> want;  // nullopt: not an envelope
  std::string why;               // with nullopt: the reason given
};

class ParseEnvelopeTest : public testing::TestWithParam<EnvelopeCase> {};

TEST_P(ParseEnvelopeTest, Parses) {
  const EnvelopeCase& c = GetParam();
  std::string why = "untouched";
  std::optional<Envelope> got = ParseEnvelope(c.body, &why);
  ASSERT_EQ(got.has_value(), c.want.has_value()) << "why: " << why;
  if (!c.want) {
    EXPECT_EQ(why, c.why);
    EXPECT_FALSE(ParseEnvelope(c.body, nullptr).has_value());  // `why` is optional
    return;
  }
  EXPECT_EQ(why, "untouched");
  EXPECT_EQ(got->status_code, c.want->status_code);
  EXPECT_EQ(got->message, c.want->message);
  EXPECT_EQ(got->api_code, c.want->api_code);
  EXPECT_EQ(got->request_id, c.want->request_id);
  EXPECT_EQ(got->data, c.want->data) << got->data.dump();
}

Envelope Make(int status, std::string message, std::string api_code, std::string request_id,
              json data) {
  Envelope e;
  e.status_code = status;
  e.message = std::move(message);
  e.api_code = std::move(api_code);
  e.request_id = std::move(request_id);
  e.data = std::move(data);
  return e;
}

INSTANTIATE_TEST_SUITE_P(
    Table, ParseEnvelopeTest,
    testing::Values(
        EnvelopeCase{
            "FullEnvelope",
            R"({"statusCode":200,"message":"ok","apiCode":20001,"requestId":"r-1",)"
            R"("data":{"response":{"status":204},"list":[1,"two",null]}})",
            Make(200, "ok", "20001", "r-1",
                 json{{"response", {{"status", 204}}}, {"list", json::array({1, "two", nullptr})}}),
            ""},
        EnvelopeCase{"ApiCodeAsString", R"({"statusCode":400,"message":"bad","apiCode":"E1001"})",
                     Make(400, "bad", "E1001", "", nullptr), ""},
        EnvelopeCase{"ApiCodeOfAnotherTypeIsDropped",
                     R"({"statusCode":400,"apiCode":true,"message":7,"requestId":9})",
                     Make(400, "", "", "", nullptr), ""},
        EnvelopeCase{"NegativeApiCode", R"({"statusCode":500,"apiCode":-12})",
                     Make(500, "", "-12", "", nullptr), ""},
        EnvelopeCase{"DataAbsentIsNull", R"({"statusCode":200,"message":"ok"})",
                     Make(200, "ok", "", "", nullptr), ""},
        EnvelopeCase{"DataNullIsNull", R"({"statusCode":200,"data":null})",
                     Make(200, "", "", "", nullptr), ""},
        EnvelopeCase{"DataScalar", R"({"statusCode":200,"data":"text"})",
                     Make(200, "", "", "", "text"), ""},
        EnvelopeCase{"ExtraKeysIgnored",
                     R"({"statusCode":404,"message":"gone","extra":{"x":1},"code":5})",
                     Make(404, "gone", "", "", nullptr), ""},
        EnvelopeCase{"MissingStatusCode", R"({"message":"ok","data":{}})", std::nullopt,
                     "the reply has no integer statusCode"},
        EnvelopeCase{"StatusCodeAsString", R"({"statusCode":"200"})", std::nullopt,
                     "the reply has no integer statusCode"},
        EnvelopeCase{"StatusCodeFractional", R"({"statusCode":200.5})", std::nullopt,
                     "the reply has no integer statusCode"},
        EnvelopeCase{"StatusCodeNull", R"({"statusCode":null})", std::nullopt,
                     "the reply has no integer statusCode"},
        EnvelopeCase{"JsonArray", R"([{"statusCode":200}])", std::nullopt,
                     "the reply body is JSON but not an object"},
        EnvelopeCase{"JsonNumber", "200", std::nullopt, "the reply body is JSON but not an object"},
        EnvelopeCase{"JsonString", R"("ok")", std::nullopt,
                     "the reply body is JSON but not an object"},
        EnvelopeCase{"Html", "<html><body>502 Bad Gateway</body></html>", std::nullopt,
                     "the reply body is not JSON"},
        EnvelopeCase{"TruncatedJson", R"({"statusCode":200,"data":{)", std::nullopt,
                     "the reply body is not JSON"},
        EnvelopeCase{"EmptyBody", "", std::nullopt, "the reply body is empty"}),
    [](const testing::TestParamInfo<EnvelopeCase>& param_info) { return param_info.param.name; });

struct CodeCase {
  int status;
  absl::StatusCode code;
};

class CodeForGenAuthStatusTest : public testing::TestWithParam<CodeCase> {};

// "Status404"; "StatusMinus1" for -1.
std::string CodeCaseName(const testing::TestParamInfo<CodeCase>& info) {
  const int status = info.param.status;
  return (status < 0 ? "StatusMinus" : "Status") + std::to_string(status < 0 ? -status : status);
}

TEST_P(CodeForGenAuthStatusTest, Maps) {
  EXPECT_EQ(CodeForGenAuthStatus(GetParam().status), GetParam().code)
      << "status " << GetParam().status;
}

// Mirrors the README's error table.
INSTANTIATE_TEST_SUITE_P(Documented, CodeForGenAuthStatusTest,
                         testing::Values(CodeCase{200, absl::StatusCode::kOk},
                                         CodeCase{400, absl::StatusCode::kInvalidArgument},
                                         CodeCase{401, absl::StatusCode::kUnauthenticated},
                                         CodeCase{402, absl::StatusCode::kFailedPrecondition},
                                         CodeCase{403, absl::StatusCode::kPermissionDenied},
                                         CodeCase{404, absl::StatusCode::kNotFound},
                                         CodeCase{409, absl::StatusCode::kAlreadyExists},
                                         CodeCase{413, absl::StatusCode::kInvalidArgument},
                                         CodeCase{422, absl::StatusCode::kFailedPrecondition},
                                         CodeCase{429, absl::StatusCode::kResourceExhausted},
                                         CodeCase{499, absl::StatusCode::kInvalidArgument},
                                         CodeCase{500, absl::StatusCode::kInternal},
                                         CodeCase{501, absl::StatusCode::kUnimplemented},
                                         CodeCase{502, absl::StatusCode::kUnavailable},
                                         CodeCase{503, absl::StatusCode::kUnavailable},
                                         CodeCase{504, absl::StatusCode::kDeadlineExceeded},
                                         CodeCase{601, absl::StatusCode::kFailedPrecondition},
                                         CodeCase{602, absl::StatusCode::kFailedPrecondition},
                                         CodeCase{603, absl::StatusCode::kInternal}),
                         CodeCaseName);

// Undocumented statuses fall back by class: 4xx FAILED_PRECONDITION, 5xx INTERNAL, else UNKNOWN.
INSTANTIATE_TEST_SUITE_P(Unknown, CodeForGenAuthStatusTest,
                         testing::Values(CodeCase{418, absl::StatusCode::kFailedPrecondition},
                                         CodeCase{451, absl::StatusCode::kFailedPrecondition},
                                         CodeCase{505, absl::StatusCode::kInternal},
                                         CodeCase{599, absl::StatusCode::kInternal},
                                         CodeCase{600, absl::StatusCode::kUnknown},
                                         CodeCase{700, absl::StatusCode::kUnknown},
                                         CodeCase{0, absl::StatusCode::kUnknown},
                                         CodeCase{-1, absl::StatusCode::kUnknown},
                                         CodeCase{201, absl::StatusCode::kUnknown},
                                         CodeCase{302, absl::StatusCode::kUnknown}),
                         CodeCaseName);

}  // namespace
}  // namespace genauth::upstream
