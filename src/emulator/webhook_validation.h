// Checks of the webhook endpoints' parameters, as GenAuth's validators would make them: each
// returns what to act on, or nullopt with `*error` set to a message that names the offending field
// (the 400 envelope's message). null is rejected like any other wrong type rather than read as
// "absent": whether GenAuth ignores it is unknown, and clients should omit what they do not send.
#pragma once

#include <cstddef>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace genauth::emulator {

inline constexpr size_t kMaxPageSize = 50;

struct Paging {
  size_t page = 1;    // from 1
  size_t limit = 10;  // 1..kMaxPageSize
  size_t offset() const { return (page - 1) * limit; }
};

// create-webhook: name, url (http or https), contentType (application/json or
// application/x-www-form-urlencoded) and events (a non-empty list of strings) are required;
// enabled (boolean), secret (string) and retryConfig ({enabled, count?, delay?, delayUnit?}) are
// optional. Returns those members only; unknown members are dropped.
std::optional<nlohmann::json> CheckCreateWebhook(const nlohmann::json& body, std::string* error);

// update-webhook: the members among name, url, contentType, events, enabled, secret and
// retryConfig that are present, each checked as for create. webhookId is read separately.
std::optional<nlohmann::json> CheckWebhookChanges(const nlohmann::json& body, std::string* error);

// The non-empty string member `key` (e.g. webhookId), required.
std::optional<std::string> CheckRequiredId(const nlohmann::json& body, const char* key,
                                           std::string* error);

// delete-webhook: webhookIds, a non-empty list of strings.
std::optional<std::vector<std::string>> CheckWebhookIds(const nlohmann::json& body,
                                                        std::string* error);

// page and limit from a GET query (decimal text) or a JSON body (integers); both optional.
std::optional<Paging> PagingFromQuery(const std::multimap<std::string, std::string>& query,
                                      std::string* error);
std::optional<Paging> PagingFromBody(const nlohmann::json& body, std::string* error);

}  // namespace genauth::emulator
