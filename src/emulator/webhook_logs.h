// get-webhook-logs' data: one WebhookLog per trigger-webhook delivery attempt, kept per webhook.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "emulator/webhook_delivery.h"

namespace genauth::emulator {

// The WebhookLog DTO for one attempt: webhookId, eventName (requestBody.eventName when it is a
// string, else "test"), requestBody, requestHeaders (what was sent), responseStatusCode (0 without
// an answer), responseHeaders, responseBody (JSON when it parses, else the text), timestamp (the
// "+0800" form), success (a 2xx answer) and errorMessage ("" or a code such as "ECONNREFUSED").
nlohmann::json MakeWebhookLog(const std::string& webhook_id, const DeliveryRequest& request,
                              const DeliveryResult& result,
                              std::chrono::system_clock::time_point when);

// Thread-safe store of logs by webhookId, at most `max_per_webhook` each (0 = no limit; the oldest
// go first) so that long benchmark runs do not grow without bound.
class WebhookLogStore {
 public:
  struct Page {
    size_t total_count = 0;             // logs kept for the webhook
    std::vector<nlohmann::json> items;  // the requested slice, newest first
  };

  explicit WebhookLogStore(size_t max_per_webhook) : max_per_webhook_(max_per_webhook) {}

  void Append(const std::string& webhook_id, nlohmann::json log);
  // `limit` logs of `webhook_id` from position `offset`, newest first.
  Page List(const std::string& webhook_id, size_t offset, size_t limit) const;
  // Drops the logs of a deleted webhook.
  void Erase(const std::string& webhook_id);

 private:
  const size_t max_per_webhook_;
  mutable std::mutex mu_;
  std::map<std::string, std::deque<nlohmann::json>> logs_;  // oldest first; guarded by mu_
};

}  // namespace genauth::emulator
