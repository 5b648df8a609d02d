// Error output for genauth-cli (see error_report.h).
#include "cli/error_report.h"

#include <chrono>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>

#include "common/duration.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace genauth::cli {
namespace {

constexpr const char* kCodeNames[] = {
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
};

// The details of `status`; false when it carries a blob that is not a google.rpc.Status.
bool ParseDetails(const grpc::Status& status, google::rpc::Status* details) {
  if (status.error_details().empty()) return true;
  return details->ParseFromString(status.error_details());
}

void AppendDetailText(const google::protobuf::Any& any, std::string* out) {
  google::rpc::ErrorInfo info;
  google::rpc::RetryInfo retry;
  if (any.Is<google::rpc::ErrorInfo>() && any.UnpackTo(&info)) {
    *out += "  reason: " + info.reason();
    if (!info.domain().empty()) *out += " (domain " + info.domain() + ")";
    *out += "\n";
    // Protobuf maps have no order; sorting keeps the output stable for people and tests.
    std::map<std::string, std::string> sorted(info.metadata().begin(), info.metadata().end());
    for (const auto& [key, value] : sorted) {
      out->append("  metadata: ").append(key).append("=").append(value).append("\n");
    }
  } else if (any.Is<google::rpc::RetryInfo>() && any.UnpackTo(&retry)) {
    std::chrono::nanoseconds delay = std::chrono::seconds(retry.retry_delay().seconds()) +
                                     std::chrono::nanoseconds(retry.retry_delay().nanos());
    *out += "  retry after: " + common::FormatDuration(delay) + "\n";
  } else {
    *out += "  detail: " + any.type_url() + "\n";
  }
}

}  // namespace

std::string StatusCodeName(grpc::StatusCode code) {
  int number = static_cast<int>(code);
  if (number >= 0 && number < static_cast<int>(std::size(kCodeNames))) return kCodeNames[number];
  return "CODE_" + std::to_string(number);
}

std::string FormatErrorText(const grpc::Status& status) {
  std::string out = "error: " + StatusCodeName(status.error_code());
  if (!status.error_message().empty()) out += ": " + status.error_message();
  out += "\n";
  google::rpc::Status details;
  if (!ParseDetails(status, &details)) {
    out += "  details: unreadable (not a google.rpc.Status)\n";
    return out;
  }
  for (const google::protobuf::Any& any : details.details()) AppendDetailText(any, &out);
  return out;
}

std::string FormatErrorJson(const grpc::Status& status) {
  // Ordered as documented: code, message, details.
  nlohmann::ordered_json report = {
      {"code", StatusCodeName(status.error_code())},
      {"message", status.error_message()},
      {"details", nlohmann::ordered_json::array()},
  };
  google::rpc::Status details;
  if (ParseDetails(status, &details)) {
    for (const google::protobuf::Any& any : details.details()) {
      // The Any's JSON form resolves its type in the generated pool: ErrorInfo, RetryInfo and
      // every other google.rpc detail linked into the binary print in full. A plain (sorted)
      // nlohmann::json keeps metadata keys in a stable order.
      std::string json;
      nlohmann::json detail = nlohmann::json::value_t::discarded;
      if (google::protobuf::util::MessageToJsonString(any, &json).ok()) {
        detail = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
      }
      if (detail.is_discarded()) detail = {{"@type", any.type_url()}};
      report["details"].push_back(nlohmann::ordered_json(detail));
    }
  }
  // Replacing invalid UTF-8 (a server's message may hold any bytes) instead of throwing.
  return report.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace genauth::cli
