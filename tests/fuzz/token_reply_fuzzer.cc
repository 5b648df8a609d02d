// Fuzzes the management-token reply (POST /api/v3/get-management-token): the token and its
// lifetime are read from untrusted bytes and then drive the token cache's expiry arithmetic.
// Input: two bytes of HTTP status, then the body.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.h"
#include "upstream/management_token_fetcher.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  genauth::fuzz::FuzzInput input(data, size);
  const int http_status = ((input.Byte() << 8) | input.Byte()) % 1000;
  const std::string_view body = input.Rest();

  absl::StatusOr<genauth::auth::FetchedToken> token =
      genauth::upstream::ParseManagementTokenReply(http_status, body);
  if (!token.ok()) {
    FUZZ_CHECK(token.status().code() == absl::StatusCode::kUnavailable);
    FUZZ_CHECK(!token.status().message().empty());
    return 0;
  }
  FUZZ_CHECK(!token->access_token.empty());
  // The cache adds the lifetime to a steady-clock time point in nanoseconds (TokenCache::
  // InstallLocked): any lifetime that parses must convert without overflow, with room to spare.
  constexpr auto kMaxLifetime = std::chrono::hours(24 * 365 * 100);
  FUZZ_CHECK(token->expires_in <= kMaxLifetime && token->expires_in >= -kMaxLifetime);
  const std::chrono::nanoseconds lifetime = token->expires_in;
  FUZZ_CHECK(lifetime.count() / 1000000000 == token->expires_in.count());
  return 0;
}
