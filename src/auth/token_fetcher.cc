// The pushback mark on token-fetch errors (see token_fetcher.h).
#include "auth/token_fetcher.h"

#include <charconv>
#include <cstdint>
#include <string>

#include "absl/strings/cord.h"

namespace genauth::auth {
namespace {

// Internal to the sidecar: TakePushback removes it before the error goes anywhere else.
constexpr char kPushbackUrl[] = "type.genauth.internal/token-endpoint-pushback";

}  // namespace

absl::Status WithPushback(absl::Status status, common::Duration retry_after) {
  status.SetPayload(kPushbackUrl, absl::Cord(std::to_string(retry_after.count())));
  return status;
}

std::optional<common::Duration> TakePushback(absl::Status& status) {
  const auto payload = status.GetPayload(kPushbackUrl);
  if (!payload) return std::nullopt;
  status.ErasePayload(kPushbackUrl);
  const std::string text(*payload);
  int64_t nanoseconds = 0;
  std::from_chars(text.data(), text.data() + text.size(), nanoseconds);
  return common::Duration(nanoseconds);
}

}  // namespace genauth::auth
