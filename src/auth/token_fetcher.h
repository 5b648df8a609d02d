// The seam between the token cache and whatever obtains a token. The upstream layer implements it
// with an HTTP call to GenAuth's get-management-token; unit tests use a scripted fake.
#pragma once

#include <chrono>
#include <string>

#include "absl/status/statusor.h"
#include "common/clock.h"

namespace genauth::auth {

struct FetchedToken {
  std::string access_token;
  std::chrono::seconds expires_in{0};  // lifetime from the moment of the reply
};

class TokenFetcher {
 public:
  virtual ~TokenFetcher() = default;
  // Obtains a fresh token, giving up at `deadline`. Errors carry a message fit for callers (no
  // secrets). Called from one thread at a time (the cache's refresher).
  virtual absl::StatusOr<FetchedToken> Fetch(common::TimePoint deadline) = 0;
};

}  // namespace genauth::auth
