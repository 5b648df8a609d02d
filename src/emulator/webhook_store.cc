// Validation of seeded webhooks, defaults, ordering and timestamps.
#include "emulator/webhook_store.h"

#include <algorithm>
#include <utility>

#include "emulator/random_id.h"
#include "emulator/time_formats.h"

namespace genauth::emulator {
namespace {

bool CheckType(const nlohmann::json& webhook, const char* key, nlohmann::json::value_t type,
               const char* type_name, std::string* error) {
  auto it = webhook.find(key);
  if (it == webhook.end() || it->type() == type) return true;
  *error = std::string(key) + " must be " + type_name;
  return false;
}

// Shaped like the 24-hex-digit ids GenAuth shows; nothing depends on the shape.
std::string NewWebhookId() { return RandomHex(12); }

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
    webhook["webhookId"] = NewWebhookId();
  }
  const std::string id = webhook["webhookId"].get<std::string>();
  const auto now = std::chrono::system_clock::now();
  const std::string stamp = GenAuthTimestamp(now);
  if (!webhook.contains("createdAt")) webhook["createdAt"] = stamp;
  if (!webhook.contains("updatedAt")) webhook["updatedAt"] = stamp;
  if (!webhook.contains("name")) webhook["name"] = id;
  if (!webhook.contains("contentType")) webhook["contentType"] = "application/json";
  if (!webhook.contains("enabled")) webhook["enabled"] = true;
  if (!webhook.contains("events")) webhook["events"] = nlohmann::json::array();
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, inserted] = webhooks_.try_emplace(id);
  if (inserted) it->second.sequence = next_sequence_++;
  it->second.updated_at = now;
  it->second.webhook = webhook;
  return webhook;
}

nlohmann::json WebhookStore::Create(nlohmann::json fields) {
  const auto now = std::chrono::system_clock::now();
  const std::string stamp = GenAuthTimestamp(now);
  if (!fields.contains("enabled")) fields["enabled"] = true;
  fields["createdAt"] = stamp;
  fields["updatedAt"] = stamp;
  std::lock_guard<std::mutex> lock(mu_);
  std::string id = NewWebhookId();
  while (webhooks_.count(id) > 0) id = NewWebhookId();
  fields["webhookId"] = id;
  webhooks_[id] = Entry{next_sequence_++, now, fields};
  return fields;
}

std::optional<nlohmann::json> WebhookStore::Update(const std::string& id,
                                                   const nlohmann::json& changes) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = webhooks_.find(id);
  if (it == webhooks_.end()) return std::nullopt;
  Entry& entry = it->second;
  for (const auto& [key, value] : changes.items()) entry.webhook[key] = value;
  entry.updated_at =
      std::max(std::chrono::system_clock::now(), entry.updated_at + std::chrono::milliseconds(1));
  entry.webhook["updatedAt"] = GenAuthTimestamp(entry.updated_at);
  return entry.webhook;
}

size_t WebhookStore::Delete(const std::vector<std::string>& ids) {
  std::lock_guard<std::mutex> lock(mu_);
  size_t removed = 0;
  for (const std::string& id : ids) removed += webhooks_.erase(id);
  return removed;
}

std::optional<nlohmann::json> WebhookStore::Get(const std::string& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = webhooks_.find(id);
  if (it == webhooks_.end()) return std::nullopt;
  return it->second.webhook;
}

WebhookStore::Page WebhookStore::List(size_t offset, size_t limit) const {
  std::vector<const Entry*> ordered;
  Page page;
  std::lock_guard<std::mutex> lock(mu_);
  ordered.reserve(webhooks_.size());
  for (const auto& [id, entry] : webhooks_) ordered.push_back(&entry);
  std::sort(ordered.begin(), ordered.end(),
            [](const Entry* a, const Entry* b) { return a->sequence < b->sequence; });
  page.total_count = ordered.size();
  for (size_t i = offset; i < ordered.size() && i - offset < limit; ++i) {
    page.items.push_back(ordered[i]->webhook);
  }
  return page;
}

size_t WebhookStore::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return webhooks_.size();
}

}  // namespace genauth::emulator
