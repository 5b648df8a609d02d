// The emulator's webhooks: GenAuth Webhook DTOs by webhookId, as seeded by tests and scripts.
#pragma once

#include <cstddef>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace genauth::emulator {

// Thread-safe map of webhookId -> Webhook DTO.
class WebhookStore {
 public:
  // Stores `webhook` (replacing one with the same id) and returns it as stored: webhookId generated
  // when absent or empty, createdAt/updatedAt set when absent, and contentType
  // ("application/json"), enabled (true), events ([]) and name (the id) defaulted like GenAuth's
  // create-webhook would. nullopt with `*error` set when `webhook` is not an object or a known
  // member has the wrong type.
  std::optional<nlohmann::json> Add(nlohmann::json webhook, std::string* error);
  std::optional<nlohmann::json> Get(const std::string& id) const;
  size_t size() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, nlohmann::json> webhooks_;  // guarded by mu_
};

}  // namespace genauth::emulator
