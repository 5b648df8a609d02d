// The emulator's webhooks: GenAuth Webhook DTOs by webhookId, in creation order, as seeded by tests
// and scripts or created through the API.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace genauth::emulator {

// Thread-safe map of webhookId -> Webhook DTO that remembers creation order.
class WebhookStore {
 public:
  struct Page {
    size_t total_count = 0;             // webhooks stored
    std::vector<nlohmann::json> items;  // the requested slice, oldest first
  };

  // Seeding: stores `webhook` (replacing one with the same id, which keeps its place in the
  // order) and returns it as stored: webhookId generated when absent or empty, createdAt/updatedAt
  // set when absent, and contentType ("application/json"), enabled (true), events ([]) and name
  // (the id) defaulted like GenAuth's create-webhook would. nullopt with `*error` set when
  // `webhook` is not an object or a known member has the wrong type.
  std::optional<nlohmann::json> Add(nlohmann::json webhook, std::string* error);
  // create-webhook: stores `fields` (already validated) with a new webhookId, createdAt and
  // updatedAt, and enabled defaulted to true. Returns the stored DTO.
  nlohmann::json Create(nlohmann::json fields);
  // update-webhook: sets each member of `changes` (already validated) and moves updatedAt forward
  // (by at least a millisecond, so that two updates in one millisecond still differ). nullopt when
  // there is no such webhook.
  std::optional<nlohmann::json> Update(const std::string& id, const nlohmann::json& changes);
  // Removes the webhooks that exist among `ids`; returns how many did.
  size_t Delete(const std::vector<std::string>& ids);
  std::optional<nlohmann::json> Get(const std::string& id) const;
  // `limit` webhooks from position `offset`, in creation order.
  Page List(size_t offset, size_t limit) const;
  size_t size() const;

 private:
  struct Entry {
    uint64_t sequence = 0;  // creation order
    std::chrono::system_clock::time_point updated_at;
    nlohmann::json webhook;
  };

  mutable std::mutex mu_;
  std::map<std::string, Entry> webhooks_;  // guarded by mu_
  uint64_t next_sequence_ = 0;             // guarded by mu_
};

}  // namespace genauth::emulator
