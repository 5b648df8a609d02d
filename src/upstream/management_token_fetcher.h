// Obtains management tokens from GenAuth: POST /api/v3/get-management-token with the access key.
// Implements auth::TokenFetcher for the token cache, reading the key from the shared Credentials at
// each fetch, and can try a candidate secret (a rotated one) before it is put into use. Never puts
// the secret in an error.
#pragma once

#include <string>
#include <string_view>

#include "auth/credentials.h"
#include "auth/token_fetcher.h"
#include "upstream/http_transport.h"

namespace genauth::upstream {

struct ManagementTokenFetcherOptions {
  std::string header_prefix = "x-authing";
  std::string lang = "zh-CN";
  std::string sdk_version;  // the x-*-sdk-version header value
};

// Reads the token endpoint's reply (`http_status` only for messages): the token and its lifetime,
// or UNAVAILABLE saying what is wrong. The body is untrusted bytes (fuzzed by tests/fuzz).
absl::StatusOr<auth::FetchedToken> ParseManagementTokenReply(int http_status,
                                                             std::string_view body);

class ManagementTokenFetcher final : public auth::TokenFetcher {
 public:
  // `credentials`, `transport` and `clock` must outlive the fetcher.
  ManagementTokenFetcher(ManagementTokenFetcherOptions options,
                         const auth::Credentials* credentials, HttpTransport* transport,
                         common::Clock* clock);

  // With the secret currently in use.
  absl::StatusOr<auth::FetchedToken> Fetch(common::TimePoint deadline) override;
  // With `access_key_secret` instead: proves a rotated secret before it replaces the current one.
  absl::StatusOr<auth::FetchedToken> FetchWithSecret(const std::string& access_key_secret,
                                                     common::TimePoint deadline);

 private:
  const ManagementTokenFetcherOptions options_;
  const auth::Credentials* const credentials_;
  HttpTransport* const transport_;
  common::Clock* const clock_;
};

}  // namespace genauth::upstream
