// The seam between the token cache and whatever obtains a token. The upstream layer implements it
// with an HTTP call to GenAuth's get-management-token; unit tests use a scripted fake.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "common/clock.h"

namespace genauth::auth {

struct FetchedToken {
  std::string access_token;
  std::chrono::seconds expires_in{0};  // lifetime from the moment of the reply
};

// A token endpoint that answers 429 or 503 asks for less load. The fetcher marks such an error with
// the wait it implies (the Retry-After; without one, as for the webhook endpoints, a 429 means 1 s
// and a 503 only the backoff), and the cache waits at least that long before it asks again.
absl::Status WithPushback(absl::Status status, common::Duration retry_after);
// The wait a pushback error asked for, removed from `status` (so that the mark never reaches a
// caller as an error detail); nullopt for any other error.
std::optional<common::Duration> TakePushback(absl::Status& status);

class TokenFetcher {
 public:
  virtual ~TokenFetcher() = default;
  // Obtains a fresh token, giving up at `deadline`. Errors carry a message fit for callers (no
  // secrets). Called from one thread at a time (the cache's refresher).
  virtual absl::StatusOr<FetchedToken> Fetch(common::TimePoint deadline) = 0;
};

}  // namespace genauth::auth
