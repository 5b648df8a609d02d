// One attempt's HTTP result, classified: the status the caller gets if it is the last attempt, the
// outcome the retry policy and the circuit breaker judge, GenAuth's data on success, and the
// reply's Retry-After. Pure (the wall clock comes in for HTTP-date Retry-After values) and
// table-tested; the report it fills is the call's log line.
#pragma once

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "common/clock.h"
#include "nlohmann/json.hpp"
#include "retry/retry_policy.h"
#include "upstream/http_transport.h"

namespace genauth::upstream {

// What happened, for the per-RPC log line. Filled whatever the result.
struct CallReport {
  int attempts = 0;  // upstream requests sent or tried (the token fetch not included)
  // Why the call stopped without (another) attempt, when it did: "circuit_open", "rate_limited",
  // "retry_budget", "deadline", "token_renewal_backoff" or "cancelled"; empty otherwise.
  std::string stopped_by;
  int http_status = 0;     // of the last reply, 0 when none
  int genauth_status = 0;  // the last envelope's statusCode, 0 when none
  std::string api_code;
  std::string request_id;
  bool token_renewed = false;  // a 401 made the call fetch a new token
  // GenAuth may have acted on one of the call's attempts: one ended in anything but a provable
  // non-processing (retry::ProvablyNotProcessed), or was aborted in flight by the caller's
  // cancellation. False when no attempt was made. Idempotency keys remember only such calls.
  bool may_have_acted = false;
};

struct ClassifiedAttempt {
  absl::Status status;  // OK, or the error the caller gets if this is the last attempt
  retry::AttemptOutcome outcome;
  nlohmann::json data;  // GenAuth's `data` on success (null when the reply had none)
  std::optional<common::Duration> retry_after;
};

// Reads `result` (its body is moved out on success) into an attempt; `report` gets the reply's
// HTTP status and envelope fields.
ClassifiedAttempt ClassifyAttempt(HttpResult& result, common::WallTime wall_now,
                                  CallReport* report);

// Whether a reply is read as an envelope: it says it is JSON, or says nothing. An HTML error page
// from a proxy must not be taken for GenAuth's answer, even if it happens to parse.
bool IsJsonContentType(const std::string& content_type);

// Whether an attempt's outcome says GenAuth itself is unwell (the circuit breaker's failures).
// A 4xx, 429 included, is a healthy GenAuth answering; so is any envelope below 500.
bool ShowsUpstreamUnwell(const retry::AttemptOutcome& outcome);

// The genauth_upstream_attempts_total outcome label of an attempt.
const char* AttemptOutcomeLabel(retry::AttemptFailure failure);

}  // namespace genauth::upstream
