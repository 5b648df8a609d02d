// Fuzzes the reading of a GenAuth reply: ParseEnvelope on arbitrary bytes, then what the client
// does with an envelope (the status table, the ErrorInfo detail built from the reply's fields).
// Input: two bytes of HTTP status, then the body.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "errors/error_details.h"
#include "fuzz_check.h"
#include "nlohmann/json.hpp"
#include "upstream/envelope.h"

namespace {

using genauth::upstream::CodeForGenAuthStatus;
using genauth::upstream::Envelope;
using genauth::upstream::ParseEnvelope;

// The envelope as GenAuth would write it: what ParseEnvelope kept, nothing else.
nlohmann::json ToJson(const Envelope& e) {
  nlohmann::json json = {{"statusCode", e.status_code}, {"message", e.message}};
  if (!e.api_code.empty()) json["apiCode"] = e.api_code;
  if (!e.request_id.empty()) json["requestId"] = e.request_id;
  if (!e.data.is_null()) json["data"] = e.data;
  return json;
}

// Nesting depth of a value (0 for a scalar). Recursive, so only called on accepted replies.
size_t Depth(const nlohmann::json& value) {
  size_t deepest = 0;
  if (value.is_structured()) {
    for (const auto& item : value) deepest = std::max(deepest, Depth(item));
    return deepest + 1;
  }
  return 0;
}

void CheckStatusTable(int status) {
  const absl::StatusCode code = CodeForGenAuthStatus(status);
  // Only 200 is success; anything else must become an error, or a failure would reach the caller
  // as an empty OK reply.
  FUZZ_CHECK((code == absl::StatusCode::kOk) == (status == 200));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  genauth::fuzz::FuzzInput input(data, size);
  const int http_status = ((input.Byte() << 8) | input.Byte()) % 1000;
  const std::string_view body = input.Rest();

  CheckStatusTable(http_status);
  std::string why;
  std::optional<Envelope> envelope = ParseEnvelope(body, &why);
  if (!envelope) {
    FUZZ_CHECK(!why.empty());  // the caller's error message says why
    FUZZ_CHECK(!ParseEnvelope(body).has_value());
    return 0;
  }
  FUZZ_CHECK(envelope->status_code >= 0 && envelope->status_code <= 999);
  // Copying and dumping recurse per level: an accepted reply must be shallow enough for that.
  FUZZ_CHECK(Depth(envelope->data) < genauth::upstream::kMaxEnvelopeNesting);
  CheckStatusTable(envelope->status_code);

  // Round trip: writing the parsed fields back and parsing again gives the same fields. Strings
  // came out of a successful parse, so they are valid UTF-8 and dump() cannot throw.
  const std::string text = ToJson(*envelope).dump();
  std::optional<Envelope> again = ParseEnvelope(text);
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(again->status_code == envelope->status_code);
  FUZZ_CHECK(again->message == envelope->message);
  FUZZ_CHECK(again->api_code == envelope->api_code);
  FUZZ_CHECK(again->request_id == envelope->request_id);
  FUZZ_CHECK(again->data == envelope->data);

  // The error a failed call carries: the ErrorInfo detail must survive whatever the reply held.
  if (envelope->status_code != 200) {
    absl::Status status(CodeForGenAuthStatus(envelope->status_code), envelope->message);
    genauth::errors::SetErrorInfo(status, genauth::errors::reason::kGenAuthError,
                                  {{"statusCode", std::to_string(envelope->status_code)},
                                   {"apiCode", envelope->api_code},
                                   {"requestId", envelope->request_id},
                                   {"httpStatus", std::to_string(http_status)}});
    FUZZ_CHECK(genauth::errors::ErrorInfoReason(status) == genauth::errors::reason::kGenAuthError);
  }
  return 0;
}
