// Field-by-field checks for the webhook endpoints.
#include "emulator/webhook_validation.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <utility>

#include "common/decimal.h"
#include "emulator/json_fields.h"

namespace genauth::emulator {
namespace {

using nlohmann::json;

constexpr const char* kContentTypes[] = {"application/json", "application/x-www-form-urlencoded"};
constexpr const char* kDelayUnits[] = {"Second", "Minute", "Hour", "Day"};
// The members create-webhook and update-webhook know, in the order their errors are reported.
constexpr const char* kWebhookMembers[] = {"name",    "url",    "contentType", "events",
                                           "enabled", "secret", "retryConfig"};

bool Fail(std::string* error, std::string message) {
  *error = std::move(message);
  return false;
}

template <size_t N>
bool OneOf(const std::string& value, const char* const (&allowed)[N]) {
  return std::find(std::begin(allowed), std::end(allowed), value) != std::end(allowed);
}

bool IsHttpUrl(const std::string& url) {
  std::string lower(url.substr(0, 8));
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return (lower.rfind("http://", 0) == 0 && url.size() > 7) ||
         (lower.rfind("https://", 0) == 0 && url.size() > 8);
}

bool CheckNonNegativeInteger(const json& object, const char* key, const std::string& where,
                             std::string* error) {
  if (!object.contains(key)) return true;
  std::optional<int64_t> value = IntField(object, key);
  if (!value || *value < 0) return Fail(error, where + key + " must be an integer >= 0");
  return true;
}

bool CheckRetryConfig(const json& value, std::string* error) {
  if (!value.is_object()) return Fail(error, "retryConfig must be an object");
  if (!BoolField(value, "enabled")) return Fail(error, "retryConfig.enabled must be a boolean");
  if (!CheckNonNegativeInteger(value, "count", "retryConfig.", error) ||
      !CheckNonNegativeInteger(value, "delay", "retryConfig.", error)) {
    return false;
  }
  if (value.contains("delayUnit")) {
    std::optional<std::string> unit = StringField(value, "delayUnit");
    if (!unit || !OneOf(*unit, kDelayUnits)) {
      return Fail(error, "retryConfig.delayUnit must be one of Second, Minute, Hour, Day");
    }
  }
  return true;
}

// Checks the known member `key`, which is present in `body`.
bool CheckMember(const json& body, const std::string& key, std::string* error) {
  const json& value = body.at(key);
  if (key == "name") {
    if (!value.is_string() || value.get_ref<const std::string&>().empty()) {
      return Fail(error, "name must be a non-empty string");
    }
  } else if (key == "url") {
    if (!value.is_string() || !IsHttpUrl(value.get<std::string>())) {
      return Fail(error, "url must be an http or https URL");
    }
  } else if (key == "contentType") {
    if (!value.is_string() || !OneOf(value.get<std::string>(), kContentTypes)) {
      return Fail(error,
                  "contentType must be application/json or application/x-www-form-urlencoded");
    }
  } else if (key == "events") {
    const bool ok = value.is_array() && !value.empty() &&
                    std::all_of(value.begin(), value.end(), [](const json& event) {
                      return event.is_string() && !event.get_ref<const std::string&>().empty();
                    });
    if (!ok) return Fail(error, "events must be a non-empty list of event names");
  } else if (key == "enabled") {
    if (!value.is_boolean()) return Fail(error, "enabled must be a boolean");
  } else if (key == "secret") {
    if (!value.is_string()) return Fail(error, "secret must be a string");
  } else if (key == "retryConfig") {
    return CheckRetryConfig(value, error);
  }
  return true;
}

bool RequireObject(const json& body, std::string* error) {
  if (!body.is_object()) return Fail(error, "request body must be a JSON object");
  return true;
}

std::optional<size_t> PagingValue(std::optional<int64_t> value, size_t min, size_t max) {
  if (!value || *value < static_cast<int64_t>(min) || *value > static_cast<int64_t>(max)) {
    return std::nullopt;
  }
  return static_cast<size_t>(*value);
}

constexpr char kPageError[] = "page must be an integer >= 1";
constexpr char kLimitError[] = "limit must be an integer from 1 to 50";
constexpr size_t kMaxPage = 1000000000;

}  // namespace

std::optional<json> CheckCreateWebhook(const json& body, std::string* error) {
  if (!RequireObject(body, error)) return std::nullopt;
  for (const char* required : {"name", "url", "contentType", "events"}) {
    if (!body.contains(required)) {
      Fail(error, std::string(required) + " is required");
      return std::nullopt;
    }
  }
  return CheckWebhookChanges(body, error);
}

std::optional<json> CheckWebhookChanges(const json& body, std::string* error) {
  if (!RequireObject(body, error)) return std::nullopt;
  json fields = json::object();
  for (const char* key : kWebhookMembers) {
    if (!body.contains(key)) continue;
    if (!CheckMember(body, key, error)) return std::nullopt;
    fields[key] = body.at(key);
  }
  return fields;
}

std::optional<std::string> CheckRequiredId(const json& body, const char* key, std::string* error) {
  if (!RequireObject(body, error)) return std::nullopt;
  std::optional<std::string> id = StringField(body, key);
  if (!id || id->empty()) {
    Fail(error,
         std::string(key) + (body.contains(key) ? " must be a non-empty string" : " is required"));
    return std::nullopt;
  }
  return id;
}

std::optional<std::vector<std::string>> CheckWebhookIds(const json& body, std::string* error) {
  if (!RequireObject(body, error)) return std::nullopt;
  auto it = body.find("webhookIds");
  if (it == body.end()) {
    Fail(error, "webhookIds is required");
    return std::nullopt;
  }
  std::vector<std::string> ids;
  if (it->is_array()) {
    for (const json& id : *it) {
      if (!id.is_string() || id.get_ref<const std::string&>().empty()) break;
      ids.push_back(id.get<std::string>());
    }
  }
  if (!it->is_array() || it->empty() || ids.size() != it->size()) {
    Fail(error, "webhookIds must be a non-empty list of webhook ids");
    return std::nullopt;
  }
  return ids;
}

std::optional<Paging> PagingFromQuery(const std::multimap<std::string, std::string>& query,
                                      std::string* error) {
  Paging paging;
  if (auto it = query.find("page"); it != query.end()) {
    std::optional<long long> page = common::ParseDecimalInteger(it->second, 1, kMaxPage);
    if (!page) {
      Fail(error, kPageError);
      return std::nullopt;
    }
    paging.page = static_cast<size_t>(*page);
  }
  if (auto it = query.find("limit"); it != query.end()) {
    std::optional<long long> limit = common::ParseDecimalInteger(it->second, 1, kMaxPageSize);
    if (!limit) {
      Fail(error, kLimitError);
      return std::nullopt;
    }
    paging.limit = static_cast<size_t>(*limit);
  }
  return paging;
}

std::optional<Paging> PagingFromBody(const json& body, std::string* error) {
  if (!RequireObject(body, error)) return std::nullopt;
  Paging paging;
  if (body.contains("page")) {
    std::optional<size_t> page = PagingValue(IntField(body, "page"), 1, kMaxPage);
    if (!page) {
      Fail(error, kPageError);
      return std::nullopt;
    }
    paging.page = *page;
  }
  if (body.contains("limit")) {
    std::optional<size_t> limit = PagingValue(IntField(body, "limit"), 1, kMaxPageSize);
    if (!limit) {
      Fail(error, kLimitError);
      return std::nullopt;
    }
    paging.limit = *limit;
  }
  return paging;
}

}  // namespace genauth::emulator
