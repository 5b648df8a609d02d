// What GenAuth's eight webhook endpoints do, apart from HTTP and authentication (the Emulator's
// part): validation, storage, delivery and logs. Replies are envelopes' contents.
#pragma once

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "emulator/webhook_logs.h"
#include "emulator/webhook_store.h"

namespace genauth::emulator {

// An envelope's content: {statusCode, message, data?}. The Emulator adds requestId.
struct ApiReply {
  int status_code = 200;
  std::string message = "success";
  std::optional<nlohmann::json> data;  // nullopt: the envelope has no data member
};

struct WebhookApiOptions {
  std::string userpool_id;                          // sent as x-authing-userpool-id on deliveries
  std::chrono::milliseconds webhook_timeout{5000};  // per delivery: connect, read, write each
  bool legacy_delete_reply = false;                 // delete-webhook answers without data
};

// Thread-safe as far as the stores are; holds no state of its own.
class WebhookApi {
 public:
  using Query = std::multimap<std::string, std::string>;

  // `webhooks` and `logs` must outlive the WebhookApi.
  WebhookApi(WebhookApiOptions options, WebhookStore* webhooks, WebhookLogStore* logs);

  // True when `method` `path` is one of the eight endpoints.
  static bool IsEndpoint(const std::string& method, const std::string& path);

  // Answers a request to an endpoint for which IsEndpoint() holds. `body` is the parsed body (a
  // discarded value when it is not JSON); GET endpoints read `query` instead. Blocks for the
  // delivery on trigger-webhook.
  ApiReply Handle(const std::string& path, const nlohmann::json& body, const Query& query) const;

 private:
  ApiReply CreateWebhook(const nlohmann::json& body) const;
  ApiReply ListWebhooks(const Query& query) const;
  ApiReply UpdateWebhook(const nlohmann::json& body) const;
  ApiReply DeleteWebhook(const nlohmann::json& body) const;
  ApiReply GetWebhook(const Query& query) const;
  ApiReply GetWebhookLogs(const nlohmann::json& body) const;
  ApiReply TriggerWebhook(const nlohmann::json& body) const;

  const WebhookApiOptions options_;
  WebhookStore* const webhooks_;
  WebhookLogStore* const logs_;
};

}  // namespace genauth::emulator
