// Validation, defaults and storage of seeded webhooks.
#include "emulator/webhook_store.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <utility>

#include "emulator/random_id.h"

namespace genauth::emulator {
namespace {

// Now as GenAuth writes createdAt/updatedAt: ISO-8601 UTC with milliseconds.
std::string IsoNow() {
  auto now = std::chrono::system_clock::now();
  std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S", &utc);
  char out[48];
  std::snprintf(out, sizeof(out), "%s.%03dZ", text, static_cast<int>(millis.count()));
  return out;
}

bool CheckType(const nlohmann::json& webhook, const char* key, nlohmann::json::value_t type,
               const char* type_name, std::string* error) {
  auto it = webhook.find(key);
  if (it == webhook.end() || it->type() == type) return true;
  *error = std::string(key) + " must be " + type_name;
  return false;
}

}  // namespace

std::optional<nlohmann::json> WebhookStore::Add(nlohmann::json webhook, std::string* error) {
  using Type = nlohmann::json::value_t;
  if (!webhook.is_object()) {
    *error = "a webhook must be a JSON object";
    return std::nullopt;
  }
  if (!CheckType(webhook, "webhookId", Type::string, "a string", error) ||
      !CheckType(webhook, "url", Type::string, "a string", error) ||
      !CheckType(webhook, "name", Type::string, "a string", error) ||
      !CheckType(webhook, "contentType", Type::string, "a string", error) ||
      !CheckType(webhook, "secret", Type::string, "a string", error) ||
      !CheckType(webhook, "enabled", Type::boolean, "a boolean", error) ||
      !CheckType(webhook, "events", Type::array, "an array", error)) {
    return std::nullopt;
  }
  if (!webhook.contains("webhookId") || webhook["webhookId"].get<std::string>().empty()) {
    // Shaped like the 24-hex-digit ids GenAuth shows; nothing depends on the shape.
    webhook["webhookId"] = RandomHex(12);
  }
  const std::string id = webhook["webhookId"].get<std::string>();
  std::string now = IsoNow();
  if (!webhook.contains("createdAt")) webhook["createdAt"] = now;
  if (!webhook.contains("updatedAt")) webhook["updatedAt"] = now;
  if (!webhook.contains("name")) webhook["name"] = id;
  if (!webhook.contains("contentType")) webhook["contentType"] = "application/json";
  if (!webhook.contains("enabled")) webhook["enabled"] = true;
  if (!webhook.contains("events")) webhook["events"] = nlohmann::json::array();
  std::lock_guard<std::mutex> lock(mu_);
  webhooks_[id] = webhook;
  return webhook;
}

std::optional<nlohmann::json> WebhookStore::Get(const std::string& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = webhooks_.find(id);
  if (it == webhooks_.end()) return std::nullopt;
  return it->second;
}

size_t WebhookStore::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return webhooks_.size();
}

}  // namespace genauth::emulator
