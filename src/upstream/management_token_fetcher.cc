// Management token fetching (see management_token_fetcher.h).
#include "upstream/management_token_fetcher.h"

#include <utility>

#include "common/duration.h"
#include "nlohmann/json.hpp"
#include "retry/retry_after.h"
#include "upstream/envelope.h"
#include "upstream/genauth_headers.h"
#include "upstream/rate_limit_pause.h"

namespace genauth::upstream {
namespace {

// GenAuth's documented default lifetime, for replies that leave expires_in out.
constexpr std::chrono::seconds kDefaultExpiresIn(7200);
// The longest expires_in accepted, in seconds (ten years).
constexpr double kMaxExpiresIn = 10.0 * 365 * 24 * 3600;

// The envelope's statusCode when it is 429 (rate limited) or 503 (unavailable), GenAuth asking for
// fewer requests inside an HTTP 200; zero otherwise.
int EnvelopePushbackStatus(std::string_view body) {
  std::string why;
  auto envelope = ParseEnvelope(body, &why);
  if (envelope && (envelope->status_code == 429 || envelope->status_code == 503)) {
    return envelope->status_code;
  }
  return 0;
}

}  // namespace

absl::StatusOr<auth::FetchedToken> ParseManagementTokenReply(int http_status,
                                                             std::string_view body) {
  std::string why;
  auto envelope = ParseEnvelope(body, &why);
  if (!envelope) {
    return absl::UnavailableError("token endpoint answered HTTP " + std::to_string(http_status) +
                                  " and " + why);
  }
  if (envelope->status_code != 200) {
    std::string message = "token endpoint refused the access key: statusCode " +
                          std::to_string(envelope->status_code);
    if (!envelope->message.empty()) message += " (" + envelope->message + ")";
    if (!envelope->request_id.empty()) message += ", requestId " + envelope->request_id;
    return absl::UnavailableError(message);
  }
  const nlohmann::json& data = envelope->data;
  auto token = data.is_object() ? data.find("access_token") : data.end();
  if (!data.is_object() || token == data.end() || !token->is_string() ||
      token->get<std::string>().empty()) {
    return absl::UnavailableError("token endpoint reply has no data.access_token");
  }
  auth::FetchedToken fetched;
  fetched.access_token = token->get<std::string>();
  fetched.expires_in = kDefaultExpiresIn;
  if (auto it = data.find("expires_in"); it != data.end()) {
    if (!it->is_number()) {
      return absl::UnavailableError("token endpoint reply has a non-numeric expires_in");
    }
    // Range-checked as a double before converting (found by tests/fuzz/token_reply_fuzzer):
    // get<int64_t>() of a float such as 1e300 is undefined behaviour, and a lifetime over ~292
    // years overflows the token cache's nanosecond arithmetic. Ten years is far beyond any token;
    // negative values pass, for the cache to refuse with its own message.
    const double expires_in = it->get<double>();
    if (!(expires_in >= -kMaxExpiresIn && expires_in <= kMaxExpiresIn)) {
      return absl::UnavailableError("token endpoint reply has an out-of-range expires_in");
    }
    fetched.expires_in = std::chrono::seconds(static_cast<int64_t>(expires_in));
  }
  return fetched;
}

ManagementTokenFetcher::ManagementTokenFetcher(ManagementTokenFetcherOptions options,
                                               const auth::Credentials* credentials,
                                               HttpTransport* transport, common::Clock* clock)
    : options_(std::move(options)),
      credentials_(credentials),
      transport_(transport),
      clock_(clock) {}

absl::StatusOr<auth::FetchedToken> ManagementTokenFetcher::Fetch(common::TimePoint deadline) {
  return FetchWithSecret(*credentials_->secret(), deadline);
}

absl::StatusOr<auth::FetchedToken> ManagementTokenFetcher::FetchWithSecret(
    const std::string& access_key_secret, common::TimePoint deadline) {
  const common::TimePoint now = clock_->Now();
  if (now >= deadline) return absl::DeadlineExceededError("no time left to fetch a token");
  HttpRequest request;
  request.method = "POST";
  request.target = "/api/v3/get-management-token";
  request.headers =
      FixedGenAuthHeaders(options_.header_prefix, options_.sdk_version, options_.lang);
  // Built per fetch (a few a day): the secret may have rotated since the last one.
  request.body = std::make_shared<const std::string>(nlohmann::json{
      {"accessKeyId", credentials_->access_key_id()},
      {"accessKeySecret", access_key_secret}}.dump());
  // On the caller's thread (the token cache's refresher or the secret watcher), not a call's.
  HttpResult result = transport_->SendAndWait(std::move(request), deadline - now);
  if (result.failure != TransportFailure::kNone) {
    return absl::UnavailableError("token endpoint: " + result.detail);
  }
  const HttpResponse& response = result.response;
  int pushback = response.status == 429 || response.status == 503 ? response.status : 0;
  if (pushback == 0) {
    absl::StatusOr<auth::FetchedToken> reply =
        ParseManagementTokenReply(response.status, response.body);
    // Only a reply that is not a token is read again, for a 429 or 503 inside an HTTP 200.
    if (reply.ok() || (pushback = EnvelopePushbackStatus(response.body)) == 0) return reply;
  }
  const std::optional<common::Duration> retry_after =
      response.retry_after.empty()
          ? std::nullopt
          : retry::ParseRetryAfter(response.retry_after, clock_->WallNow());
  std::string message = "token endpoint pushed back: statusCode " + std::to_string(pushback) +
                        (pushback == 429 ? " (rate limited)" : " (unavailable)");
  if (retry_after) message += ", Retry-After " + common::FormatDuration(*retry_after);
  // Without Retry-After: what a webhook endpoint's 429 or 503 means (a 1 s pause, the backoff).
  const common::Duration wait = retry_after.value_or(pushback == 429 ? RateLimitPause::kDefaultPause
                                                                     : common::Duration::zero());
  return auth::WithPushback(absl::UnavailableError(message), wait);
}

}  // namespace genauth::upstream
