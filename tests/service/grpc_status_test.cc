// Tests of ToGrpcStatus and GrpcCodeName: the one absl -> gRPC status table, and payloads turned
// into google.rpc.Status details.
#include "service/grpc_status.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "errors/error_details.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace genauth::service {
namespace {

struct CodeCase {
  absl::StatusCode absl_code;
  grpc::StatusCode grpc_code;
  const char* name;
};

class GrpcCodeTest : public testing::TestWithParam<CodeCase> {};

TEST_P(GrpcCodeTest, MapsCodeAndName) {
  const CodeCase& c = GetParam();
  EXPECT_STREQ(GrpcCodeName(c.absl_code), c.name);
  grpc::Status status = ToGrpcStatus(absl::Status(c.absl_code, "what happened"));
  EXPECT_EQ(status.error_code(), c.grpc_code) << c.name;
  if (c.absl_code == absl::StatusCode::kOk) {
    EXPECT_TRUE(status.ok());
    EXPECT_EQ(status.error_message(), "");
  } else {
    EXPECT_EQ(status.error_message(), "what happened");
  }
  EXPECT_EQ(status.error_details(), "") << "no payloads, no details";
}

INSTANTIATE_TEST_SUITE_P(
    AllCodes, GrpcCodeTest,
    testing::Values(
        CodeCase{absl::StatusCode::kOk, grpc::StatusCode::OK, "OK"},
        CodeCase{absl::StatusCode::kCancelled, grpc::StatusCode::CANCELLED, "CANCELLED"},
        CodeCase{absl::StatusCode::kUnknown, grpc::StatusCode::UNKNOWN, "UNKNOWN"},
        CodeCase{absl::StatusCode::kInvalidArgument, grpc::StatusCode::INVALID_ARGUMENT,
                 "INVALID_ARGUMENT"},
        CodeCase{absl::StatusCode::kDeadlineExceeded, grpc::StatusCode::DEADLINE_EXCEEDED,
                 "DEADLINE_EXCEEDED"},
        CodeCase{absl::StatusCode::kNotFound, grpc::StatusCode::NOT_FOUND, "NOT_FOUND"},
        CodeCase{absl::StatusCode::kAlreadyExists, grpc::StatusCode::ALREADY_EXISTS,
                 "ALREADY_EXISTS"},
        CodeCase{absl::StatusCode::kPermissionDenied, grpc::StatusCode::PERMISSION_DENIED,
                 "PERMISSION_DENIED"},
        CodeCase{absl::StatusCode::kResourceExhausted, grpc::StatusCode::RESOURCE_EXHAUSTED,
                 "RESOURCE_EXHAUSTED"},
        CodeCase{absl::StatusCode::kFailedPrecondition, grpc::StatusCode::FAILED_PRECONDITION,
                 "FAILED_PRECONDITION"},
        CodeCase{absl::StatusCode::kAborted, grpc::StatusCode::ABORTED, "ABORTED"},
        CodeCase{absl::StatusCode::kOutOfRange, grpc::StatusCode::OUT_OF_RANGE, "OUT_OF_RANGE"},
        CodeCase{absl::StatusCode::kUnimplemented, grpc::StatusCode::UNIMPLEMENTED,
                 "UNIMPLEMENTED"},
        CodeCase{absl::StatusCode::kInternal, grpc::StatusCode::INTERNAL, "INTERNAL"},
        CodeCase{absl::StatusCode::kUnavailable, grpc::StatusCode::UNAVAILABLE, "UNAVAILABLE"},
        CodeCase{absl::StatusCode::kDataLoss, grpc::StatusCode::DATA_LOSS, "DATA_LOSS"},
        CodeCase{absl::StatusCode::kUnauthenticated, grpc::StatusCode::UNAUTHENTICATED,
                 "UNAUTHENTICATED"}),
    [](const testing::TestParamInfo<CodeCase>& param_info) {
      return std::string(param_info.param.name);
    });

TEST(GrpcCodeNameTest, OutOfRangeCodeIsUnknown) {
  EXPECT_STREQ(GrpcCodeName(static_cast<absl::StatusCode>(42)), "UNKNOWN");
}

TEST(ToGrpcStatusTest, TypeUrlPayloadsBecomeStatusDetails) {
  absl::Status status = absl::UnavailableError("GenAuth is down");
  errors::SetErrorInfo(status, errors::reason::kGenAuthError, {{"statusCode", "503"}});
  errors::SetRetryInfo(status, std::chrono::seconds(3));
  status.SetPayload("example.com/not-a-type-url", absl::Cord("dropped"));

  grpc::Status out = ToGrpcStatus(status);
  EXPECT_EQ(out.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(out.error_message(), "GenAuth is down");
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(out.error_details()));
  EXPECT_EQ(details.code(), 14);
  EXPECT_EQ(details.message(), "GenAuth is down");

  // Sorted by type URL whatever order absl iterates payloads in: ErrorInfo, then RetryInfo.
  ASSERT_EQ(details.details_size(), 2);
  EXPECT_EQ(details.details(0).type_url(), "type.googleapis.com/google.rpc.ErrorInfo");
  EXPECT_EQ(details.details(1).type_url(), "type.googleapis.com/google.rpc.RetryInfo");
  std::map<std::string, std::string> by_url;
  for (const auto& any : details.details()) by_url[any.type_url()] = any.value();

  const std::string error_info_url = "type.googleapis.com/google.rpc.ErrorInfo";
  ASSERT_EQ(by_url.count(error_info_url), 1u);
  EXPECT_EQ(by_url[error_info_url], std::string(*status.GetPayload(error_info_url)));
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(info.ParseFromString(by_url[error_info_url]));
  EXPECT_EQ(info.reason(), "GENAUTH_ERROR");
  EXPECT_EQ(info.domain(), "genauth.ai");
  EXPECT_EQ(info.metadata().at("statusCode"), "503");

  const std::string retry_info_url = "type.googleapis.com/google.rpc.RetryInfo";
  ASSERT_EQ(by_url.count(retry_info_url), 1u);
  google::rpc::RetryInfo retry;
  ASSERT_TRUE(retry.ParseFromString(by_url[retry_info_url]));
  EXPECT_EQ(retry.retry_delay().seconds(), 3);
}

TEST(ToGrpcStatusTest, OnlyForeignPayloadsGiveNoDetails) {
  absl::Status status = absl::InternalError("x");
  status.SetPayload("example.com/private", absl::Cord("internal"));
  grpc::Status out = ToGrpcStatus(status);
  EXPECT_EQ(out.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(out.error_details(), "");
}

TEST(ToGrpcStatusTest, OkHasNoDetails) {
  grpc::Status out = ToGrpcStatus(absl::OkStatus());
  EXPECT_TRUE(out.ok());
  EXPECT_EQ(out.error_message(), "");
  EXPECT_EQ(out.error_details(), "");
}

}  // namespace
}  // namespace genauth::service
