// Rich error details carried inside absl::Status values as payloads keyed by their type URL
// ("type.googleapis.com/google.rpc.ErrorInfo"), so they travel with the error through every layer
// and the gRPC edge turns each payload into a `google.rpc.Status` detail unchanged.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>

#include "absl/status/status.h"

namespace genauth::errors {

// ErrorInfo.domain for every error the sidecar reports.
inline constexpr char kErrorDomain[] = "genauth.ai";

// ErrorInfo.reason values: stable identifiers a client can switch on (documented in the README).
namespace reason {
inline constexpr char kGenAuthError[] = "GENAUTH_ERROR";  // GenAuth answered a failure status
inline constexpr char kUpstreamUnreachable[] = "UPSTREAM_UNREACHABLE";  // nothing was sent
inline constexpr char kUpstreamTimeout[] = "UPSTREAM_TIMEOUT";          // sent, no reply in time
inline constexpr char kUpstreamBrokenReply[] =
    "UPSTREAM_BROKEN_REPLY";  // connection broke mid-reply
inline constexpr char kUpstreamMalformedReply[] = "UPSTREAM_MALFORMED_REPLY";  // unreadable reply
inline constexpr char kTokenUnavailable[] = "TOKEN_UNAVAILABLE";  // no management token
inline constexpr char kInvalidRequest[] = "INVALID_REQUEST";  // refused before any upstream call
inline constexpr char kOverloaded[] = "OVERLOADED";           // the sidecar shed the call
inline constexpr char kShuttingDown[] = "SHUTTING_DOWN";
inline constexpr char kCircuitOpen[] = "CIRCUIT_OPEN";  // GenAuth kept failing; calls paused
inline constexpr char kRateLimited[] = "RATE_LIMITED";  // GenAuth said 429; calls paused
// An idempotency key already used with another request (service/idempotency_store.h).
inline constexpr char kIdempotencyKeyConflict[] = "IDEMPOTENCY_KEY_CONFLICT";
// The first call with an idempotency key ended without GenAuth's answer after GenAuth may have
// acted on it: a repeat is not sent again.
inline constexpr char kIdempotencyOutcomeUnknown[] = "IDEMPOTENCY_OUTCOME_UNKNOWN";
// The first call with an idempotency key stopped (its caller cancelled, or its deadline passed)
// before GenAuth acted on it; a call that waited for it may be repeated.
inline constexpr char kIdempotencyFirstCallStopped[] = "IDEMPOTENCY_FIRST_CALL_STOPPED";
}  // namespace reason

// Attaches (or replaces) a google.rpc.ErrorInfo detail. Empty metadata values are left out.
void SetErrorInfo(absl::Status& status, const std::string& reason,
                  const std::map<std::string, std::string>& metadata = {});

// Adds (or replaces) one metadata entry of the ErrorInfo detail already on `status`; does nothing
// when there is none (the reason it would need is not known here).
void AddErrorInfoMetadata(absl::Status& status, const std::string& key, const std::string& value);

// Attaches a google.rpc.RetryInfo detail: when the caller may try again.
void SetRetryInfo(absl::Status& status, std::chrono::nanoseconds retry_delay);

// The ErrorInfo reason on `status`, empty when it has none (logs and tests).
std::string ErrorInfoReason(const absl::Status& status);
// The ErrorInfo metadata on `status`, empty when it has none (tests).
std::map<std::string, std::string> ErrorInfoMetadata(const absl::Status& status);
// The RetryInfo delay attached to `status`, if any.
std::optional<std::chrono::nanoseconds> RetryInfoDelay(const absl::Status& status);

// A copy of `status` with `prefix` before its message, payloads kept.
absl::Status WithMessagePrefix(const absl::Status& status, const std::string& prefix);
// A copy of `status` with `suffix` after its message, payloads kept.
absl::Status WithMessageSuffix(const absl::Status& status, const std::string& suffix);

}  // namespace genauth::errors
