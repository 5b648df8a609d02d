// WebhookLog DTOs and their per-webhook store.
#include "emulator/webhook_logs.h"

#include <utility>

#include "emulator/json_fields.h"
#include "emulator/time_formats.h"

namespace genauth::emulator {

nlohmann::json MakeWebhookLog(const std::string& webhook_id, const DeliveryRequest& request,
                              const DeliveryResult& result,
                              std::chrono::system_clock::time_point when) {
  nlohmann::json request_body = ParseJson(result.sent_body);
  if (request_body.is_discarded()) {
    request_body = request.request_body.is_null() ? nlohmann::json::object() : request.request_body;
  }
  // Without a usable url nothing was sent; the caller's headers are what was asked for.
  nlohmann::json request_headers = result.sent_headers;
  if (request_headers.empty() && request.request_headers.is_object()) {
    request_headers = request.request_headers;
  }
  nlohmann::json response_body;
  if (result.answered) {
    response_body = ParseJson(result.body);
    if (response_body.is_discarded()) response_body = result.body;
  }
  return {{"webhookId", webhook_id},
          {"eventName", StringField(request_body, "eventName").value_or("test")},
          {"requestBody", request_body},
          {"requestHeaders", request_headers},
          {"responseStatusCode", result.answered ? result.http_status : 0},
          {"responseHeaders", result.response_headers},
          {"responseBody", response_body},
          {"timestamp", GenAuthTimestamp(when)},
          {"success", result.answered && result.http_status >= 200 && result.http_status < 300},
          {"errorMessage", result.answered ? std::string() : result.error_code}};
}

void WebhookLogStore::Append(const std::string& webhook_id, nlohmann::json log) {
  std::lock_guard<std::mutex> lock(mu_);
  std::deque<nlohmann::json>& logs = logs_[webhook_id];
  logs.push_back(std::move(log));
  while (max_per_webhook_ > 0 && logs.size() > max_per_webhook_) logs.pop_front();
}

WebhookLogStore::Page WebhookLogStore::List(const std::string& webhook_id, size_t offset,
                                            size_t limit) const {
  Page page;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = logs_.find(webhook_id);
  if (it == logs_.end()) return page;
  const std::deque<nlohmann::json>& logs = it->second;
  page.total_count = logs.size();
  for (size_t i = offset; i < logs.size() && i - offset < limit; ++i) {
    page.items.push_back(logs[logs.size() - 1 - i]);
  }
  return page;
}

void WebhookLogStore::Erase(const std::string& webhook_id) {
  std::lock_guard<std::mutex> lock(mu_);
  logs_.erase(webhook_id);
}

}  // namespace genauth::emulator
