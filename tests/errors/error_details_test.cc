// Tests of the ErrorInfo / RetryInfo payloads carried inside absl::Status values.
#include "errors/error_details.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>

#include "google/rpc/error_details.pb.h"

namespace genauth::errors {
namespace {

using ::testing::Pair;
using ::testing::UnorderedElementsAre;

constexpr char kErrorInfoUrl[] = "type.googleapis.com/google.rpc.ErrorInfo";
constexpr char kRetryInfoUrl[] = "type.googleapis.com/google.rpc.RetryInfo";

std::optional<google::rpc::ErrorInfo> ErrorInfoOf(const absl::Status& status) {
  auto payload = status.GetPayload(kErrorInfoUrl);
  if (!payload) return std::nullopt;
  google::rpc::ErrorInfo info;
  if (!info.ParseFromString(std::string(*payload))) return std::nullopt;
  return info;
}

std::optional<google::rpc::RetryInfo> RetryInfoOf(const absl::Status& status) {
  auto payload = status.GetPayload(kRetryInfoUrl);
  if (!payload) return std::nullopt;
  google::rpc::RetryInfo info;
  if (!info.ParseFromString(std::string(*payload))) return std::nullopt;
  return info;
}

TEST(ErrorInfoTest, RoundTripsReasonDomainAndMetadata) {
  absl::Status status = absl::NotFoundError("webhook not found");
  SetErrorInfo(status, reason::kGenAuthError,
               {{"statusCode", "404"}, {"apiCode", "40401"}, {"requestId", "req-7"}});
  EXPECT_EQ(ErrorInfoReason(status), "GENAUTH_ERROR");
  std::optional<google::rpc::ErrorInfo> info = ErrorInfoOf(status);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->reason(), "GENAUTH_ERROR");
  EXPECT_EQ(info->domain(), "genauth.ai");
  EXPECT_THAT(info->metadata(),
              UnorderedElementsAre(Pair("statusCode", "404"), Pair("apiCode", "40401"),
                                   Pair("requestId", "req-7")));
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(status.message(), "webhook not found");
}

TEST(ErrorInfoTest, EmptyMetadataValuesAreLeftOut) {
  absl::Status status = absl::UnavailableError("down");
  SetErrorInfo(status, reason::kUpstreamUnreachable,
               {{"statusCode", "503"}, {"apiCode", ""}, {"requestId", ""}});
  std::optional<google::rpc::ErrorInfo> info = ErrorInfoOf(status);
  ASSERT_TRUE(info.has_value());
  EXPECT_THAT(info->metadata(), UnorderedElementsAre(Pair("statusCode", "503")));
}

TEST(ErrorInfoTest, NoMetadata) {
  absl::Status status = absl::InvalidArgumentError("bad");
  SetErrorInfo(status, reason::kInvalidRequest);
  std::optional<google::rpc::ErrorInfo> info = ErrorInfoOf(status);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->reason(), "INVALID_REQUEST");
  EXPECT_TRUE(info->metadata().empty());
}

TEST(ErrorInfoTest, ASecondCallReplacesTheFirst) {
  absl::Status status = absl::InternalError("x");
  SetErrorInfo(status, reason::kGenAuthError, {{"statusCode", "500"}});
  SetErrorInfo(status, reason::kUpstreamMalformedReply);
  EXPECT_EQ(ErrorInfoReason(status), "UPSTREAM_MALFORMED_REPLY");
  std::optional<google::rpc::ErrorInfo> info = ErrorInfoOf(status);
  ASSERT_TRUE(info.has_value());
  EXPECT_TRUE(info->metadata().empty());
}

TEST(ErrorInfoTest, OkStatusStaysPlain) {
  absl::Status status = absl::OkStatus();
  SetErrorInfo(status, reason::kGenAuthError, {{"statusCode", "200"}});
  SetRetryInfo(status, std::chrono::seconds(1));
  EXPECT_TRUE(status.ok());
  EXPECT_FALSE(status.GetPayload(kErrorInfoUrl).has_value());
  EXPECT_FALSE(status.GetPayload(kRetryInfoUrl).has_value());
  EXPECT_EQ(ErrorInfoReason(status), "");
}

TEST(ErrorInfoTest, ReasonIsEmptyWithoutOrWithAnUnreadablePayload) {
  EXPECT_EQ(ErrorInfoReason(absl::InternalError("no details")), "");
  absl::Status garbage = absl::InternalError("garbage");
  garbage.SetPayload(kErrorInfoUrl, absl::Cord("\xff\xff\xff"));
  EXPECT_EQ(ErrorInfoReason(garbage), "");
}

TEST(RetryInfoTest, CarriesSecondsAndNanos) {
  absl::Status status = absl::ResourceExhaustedError("slow down");
  SetRetryInfo(status, std::chrono::milliseconds(1500));
  std::optional<google::rpc::RetryInfo> info = RetryInfoOf(status);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->retry_delay().seconds(), 1);
  EXPECT_EQ(info->retry_delay().nanos(), 500000000);

  SetRetryInfo(status, std::chrono::seconds(120));
  info = RetryInfoOf(status);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->retry_delay().seconds(), 120);
  EXPECT_EQ(info->retry_delay().nanos(), 0);

  SetRetryInfo(status, std::chrono::nanoseconds(7));
  info = RetryInfoOf(status);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->retry_delay().seconds(), 0);
  EXPECT_EQ(info->retry_delay().nanos(), 7);
}

TEST(WithMessagePrefixTest, PrefixesTheMessageAndKeepsCodeAndPayloads) {
  absl::Status status = absl::UnavailableError("connection refused");
  SetErrorInfo(status, reason::kUpstreamUnreachable, {{"attempts", "3"}});
  SetRetryInfo(status, std::chrono::seconds(2));
  status.SetPayload("example.com/custom", absl::Cord("opaque"));

  absl::Status prefixed = WithMessagePrefix(status, "TriggerWebhook: ");
  EXPECT_EQ(prefixed.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(prefixed.message(), "TriggerWebhook: connection refused");
  EXPECT_EQ(ErrorInfoReason(prefixed), "UPSTREAM_UNREACHABLE");
  std::optional<google::rpc::ErrorInfo> info = ErrorInfoOf(prefixed);
  ASSERT_TRUE(info.has_value());
  EXPECT_THAT(info->metadata(), UnorderedElementsAre(Pair("attempts", "3")));
  std::optional<google::rpc::RetryInfo> retry = RetryInfoOf(prefixed);
  ASSERT_TRUE(retry.has_value());
  EXPECT_EQ(retry->retry_delay().seconds(), 2);
  ASSERT_TRUE(prefixed.GetPayload("example.com/custom").has_value());
  EXPECT_EQ(std::string(*prefixed.GetPayload("example.com/custom")), "opaque");
  // The original is untouched.
  EXPECT_EQ(status.message(), "connection refused");
}

TEST(WithMessageSuffixTest, SuffixesTheMessageAndKeepsCodeAndPayloads) {
  absl::Status status = absl::UnavailableError("service unavailable");
  SetErrorInfo(status, reason::kGenAuthError, {{"statusCode", "503"}});
  SetRetryInfo(status, std::chrono::seconds(2));
  absl::Status suffixed = WithMessageSuffix(status, "; not retried");
  EXPECT_EQ(suffixed.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(suffixed.message(), "service unavailable; not retried");
  EXPECT_THAT(ErrorInfoMetadata(suffixed), UnorderedElementsAre(Pair("statusCode", "503")));
  EXPECT_EQ(RetryInfoDelay(suffixed), std::chrono::seconds(2));
}

TEST(AddErrorInfoMetadataTest, AddsToTheErrorInfoPresentAndKeepsItsReason) {
  absl::Status status = absl::UnavailableError("service unavailable");
  SetErrorInfo(status, reason::kGenAuthError, {{"statusCode", "503"}, {"requestId", "r-1"}});
  AddErrorInfoMetadata(status, "retryRefusedBy", "CIRCUIT_OPEN");
  EXPECT_EQ(ErrorInfoReason(status), "GENAUTH_ERROR");
  EXPECT_THAT(ErrorInfoMetadata(status),
              UnorderedElementsAre(Pair("statusCode", "503"), Pair("requestId", "r-1"),
                                   Pair("retryRefusedBy", "CIRCUIT_OPEN")));
  // Without an ErrorInfo there is no reason to attach it to: nothing is invented.
  absl::Status plain = absl::UnavailableError("down");
  AddErrorInfoMetadata(plain, "retryRefusedBy", "CIRCUIT_OPEN");
  EXPECT_FALSE(ErrorInfoOf(plain).has_value());
  EXPECT_TRUE(ErrorInfoMetadata(plain).empty());
}

}  // namespace
}  // namespace genauth::errors
