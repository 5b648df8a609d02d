// Obtains management tokens from GenAuth: POST /api/v3/get-management-token with the access key.
// Implements auth::TokenFetcher for the token cache. Holds the secret; never puts it in an error.
#pragma once

#include <string>

#include "auth/token_fetcher.h"
#include "upstream/http_transport.h"

namespace genauth::upstream {

struct ManagementTokenFetcherOptions {
  std::string access_key_id;
  std::string access_key_secret;
  std::string header_prefix = "x-authing";
  std::string lang = "zh-CN";
  std::string sdk_version;  // the x-*-sdk-version header value
};

class ManagementTokenFetcher final : public auth::TokenFetcher {
 public:
  // `transport` must outlive the fetcher.
  ManagementTokenFetcher(ManagementTokenFetcherOptions options, HttpTransport* transport,
                         common::Clock* clock);

  absl::StatusOr<auth::FetchedToken> Fetch(common::TimePoint deadline) override;

 private:
  const ManagementTokenFetcherOptions options_;
  HttpTransport* const transport_;
  common::Clock* const clock_;
  const std::string request_body_;  // built once: the key never changes for a fetcher
};

}  // namespace genauth::upstream
