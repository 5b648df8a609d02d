// Error detail payloads (see error_details.h).
#include "errors/error_details.h"

#include "google/protobuf/duration.pb.h"
#include "google/rpc/error_details.pb.h"

namespace genauth::errors {
namespace {

constexpr char kErrorInfoUrl[] = "type.googleapis.com/google.rpc.ErrorInfo";
constexpr char kRetryInfoUrl[] = "type.googleapis.com/google.rpc.RetryInfo";

}  // namespace

void SetErrorInfo(absl::Status& status, const std::string& reason,
                  const std::map<std::string, std::string>& metadata) {
  if (status.ok()) return;
  google::rpc::ErrorInfo info;
  info.set_reason(reason);
  info.set_domain(kErrorDomain);
  for (const auto& [key, value] : metadata) {
    if (!value.empty()) (*info.mutable_metadata())[key] = value;
  }
  status.SetPayload(kErrorInfoUrl, absl::Cord(info.SerializeAsString()));
}

void AddErrorInfoMetadata(absl::Status& status, const std::string& key, const std::string& value) {
  auto payload = status.GetPayload(kErrorInfoUrl);
  if (!payload) return;
  google::rpc::ErrorInfo info;
  if (!info.ParseFromString(std::string(*payload))) return;
  (*info.mutable_metadata())[key] = value;
  status.SetPayload(kErrorInfoUrl, absl::Cord(info.SerializeAsString()));
}

void SetRetryInfo(absl::Status& status, std::chrono::nanoseconds retry_delay) {
  if (status.ok()) return;
  google::rpc::RetryInfo info;
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(retry_delay);
  info.mutable_retry_delay()->set_seconds(secs.count());
  info.mutable_retry_delay()->set_nanos(static_cast<int32_t>((retry_delay - secs).count()));
  status.SetPayload(kRetryInfoUrl, absl::Cord(info.SerializeAsString()));
}

std::optional<std::chrono::nanoseconds> RetryInfoDelay(const absl::Status& status) {
  auto payload = status.GetPayload(kRetryInfoUrl);
  if (!payload) return std::nullopt;
  google::rpc::RetryInfo info;
  if (!info.ParseFromString(std::string(*payload))) return std::nullopt;
  return std::chrono::seconds(info.retry_delay().seconds()) +
         std::chrono::nanoseconds(info.retry_delay().nanos());
}

std::string ErrorInfoReason(const absl::Status& status) {
  auto payload = status.GetPayload(kErrorInfoUrl);
  if (!payload) return "";
  google::rpc::ErrorInfo info;
  if (!info.ParseFromString(std::string(*payload))) return "";
  return info.reason();
}

namespace {

absl::Status WithMessage(const absl::Status& status, const std::string& message) {
  absl::Status out(status.code(), message);
  status.ForEachPayload(
      [&out](absl::string_view url, const absl::Cord& payload) { out.SetPayload(url, payload); });
  return out;
}

}  // namespace

std::map<std::string, std::string> ErrorInfoMetadata(const absl::Status& status) {
  std::map<std::string, std::string> metadata;
  auto payload = status.GetPayload(kErrorInfoUrl);
  google::rpc::ErrorInfo info;
  if (!payload || !info.ParseFromString(std::string(*payload))) return metadata;
  for (const auto& [key, value] : info.metadata()) metadata[key] = value;
  return metadata;
}

absl::Status WithMessagePrefix(const absl::Status& status, const std::string& prefix) {
  return WithMessage(status, prefix + std::string(status.message()));
}

absl::Status WithMessageSuffix(const absl::Status& status, const std::string& suffix) {
  return WithMessage(status, std::string(status.message()) + suffix);
}

}  // namespace genauth::errors
