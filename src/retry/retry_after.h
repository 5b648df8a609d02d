// Parses the HTTP Retry-After header (RFC 9110 §10.2.3): either delay-seconds or an HTTP-date.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "common/clock.h"

namespace genauth::retry {

// How long to wait from `now`. A date in the past gives zero. Returns nullopt for a malformed
// value or one meaning a wait over 999999999 s (callers ignore it, falling back to their own
// backoff). Accepts the IMF-fixdate form ("Sun, 06 Nov 1994 08:49:37 GMT") and the obsolete
// RFC 850 and asctime forms RFC 9110 requires recipients to accept.
std::optional<std::chrono::nanoseconds> ParseRetryAfter(std::string_view value,
                                                        common::WallTime now);

}  // namespace genauth::retry
