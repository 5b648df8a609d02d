// Envelope parsing and the GenAuth status table (see envelope.h).
#include "upstream/envelope.h"

#include <algorithm>

namespace genauth::upstream {
namespace {

// The deepest nesting of arrays and objects in `body`, counting brackets outside strings only.
size_t NestingDepth(std::string_view body) {
  size_t depth = 0;
  size_t deepest = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : body) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

}  // namespace

std::optional<Envelope> ParseEnvelope(std::string_view body, std::string* why) {
  auto set_why = [why](const char* text) {
    if (why != nullptr) *why = text;
  };
  // nlohmann parses iteratively, but copying, comparing and dumping a value (FillResponse dumps
  // `data`) recurse once per level: a 1 MB reply of nested arrays overflowed the stack (found with
  // tests/fuzz/envelope_fuzzer). No GenAuth reply nests anywhere near this deep.
  if (NestingDepth(body) > kMaxEnvelopeNesting) {
    set_why("the reply body nests arrays or objects too deeply");
    return std::nullopt;
  }
  nlohmann::json parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    set_why(body.empty() ? "the reply body is empty" : "the reply body is not JSON");
    return std::nullopt;
  }
  if (!parsed.is_object()) {
    set_why("the reply body is JSON but not an object");
    return std::nullopt;
  }
  auto status = parsed.find("statusCode");
  // A value outside 0..999 is no status at all; reading it as int could wrap into 200.
  if (status == parsed.end() || !status->is_number_integer() || status->get<int64_t>() < 0 ||
      status->get<int64_t>() > 999) {
    set_why("the reply has no integer statusCode");
    return std::nullopt;
  }
  Envelope envelope;
  envelope.status_code = static_cast<int>(status->get<int64_t>());
  if (auto it = parsed.find("message"); it != parsed.end() && it->is_string()) {
    envelope.message = it->get<std::string>();
  }
  if (auto it = parsed.find("apiCode"); it != parsed.end()) {
    if (it->is_string()) {
      envelope.api_code = it->get<std::string>();
    } else if (it->is_number_integer()) {
      envelope.api_code = std::to_string(it->get<int64_t>());
    }
  }
  if (auto it = parsed.find("requestId"); it != parsed.end() && it->is_string()) {
    envelope.request_id = it->get<std::string>();
  }
  if (auto it = parsed.find("data"); it != parsed.end()) envelope.data = std::move(*it);
  return envelope;
}

absl::StatusCode CodeForGenAuthStatus(int status) {
  switch (status) {
    case 200:
      return absl::StatusCode::kOk;
    case 400:  // invalid argument
    case 413:  // payload too large
      return absl::StatusCode::kInvalidArgument;
    case 401:  // not logged in: bad or expired token
      return absl::StatusCode::kUnauthenticated;
    case 402:  // payment needed
    case 422:  // invalid operation in the current state
      return absl::StatusCode::kFailedPrecondition;
    case 403:
      return absl::StatusCode::kPermissionDenied;
    case 404:
      return absl::StatusCode::kNotFound;
    case 409:
      return absl::StatusCode::kAlreadyExists;
    case 429:
      return absl::StatusCode::kResourceExhausted;
    case 499:  // GenAuth's "client error"
      return absl::StatusCode::kInvalidArgument;
    case 500:
      return absl::StatusCode::kInternal;
    case 501:
      return absl::StatusCode::kUnimplemented;
    case 502:  // an internal GenAuth service failed
    case 503:  // unavailable, maintenance
      return absl::StatusCode::kUnavailable;
    case 504:
      return absl::StatusCode::kDeadlineExceeded;
    case 601:  // GenAuth's request to a third-party endpoint (the webhook URL) failed
    case 602:  // that endpoint's response was bad
      return absl::StatusCode::kFailedPrecondition;
    case 603:  // custom code (pipeline) error
      return absl::StatusCode::kInternal;
    default:
      break;
  }
  if (status >= 400 && status < 500) return absl::StatusCode::kFailedPrecondition;
  if (status >= 500 && status < 600) return absl::StatusCode::kInternal;
  return absl::StatusCode::kUnknown;
}

}  // namespace genauth::upstream
