// GenAuth's reply envelope {statusCode, message, apiCode?, requestId?, data?} and the one table
// that maps GenAuth statuses to canonical codes. Success is `statusCode == 200` in the body,
// whatever the HTTP status; a reply without an envelope falls back to its HTTP status.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "nlohmann/json.hpp"

namespace genauth::upstream {

struct Envelope {
  int status_code = 0;
  std::string message;
  std::string api_code;    // as text; GenAuth sends a number or a string
  std::string request_id;  // GenAuth's id of the call, for its support
  nlohmann::json data;     // null when absent
};

// The deepest nesting of arrays and objects a reply may have; deeper replies are refused.
inline constexpr size_t kMaxEnvelopeNesting = 128;

// Parses a reply body as an envelope. nullopt when the body is not JSON, not an object, nests
// deeper than kMaxEnvelopeNesting, or has no integer statusCode — the caller then decides by the
// HTTP status. `why` (optional) says which.
std::optional<Envelope> ParseEnvelope(std::string_view body, std::string* why = nullptr);

// The canonical code for a GenAuth status (an envelope statusCode, or an HTTP status when the reply
// had no envelope). 200 maps to OK. The README's error table mirrors this function.
absl::StatusCode CodeForGenAuthStatus(int status);

}  // namespace genauth::upstream
