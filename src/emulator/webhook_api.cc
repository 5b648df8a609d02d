// The webhook endpoints. Errors are envelopes with GenAuth's body statuses: 400 invalid argument,
// 404 unknown webhook, 601 the webhook's url could not be reached.
#include "emulator/webhook_api.h"

#include <utility>

#include "emulator/json_fields.h"
#include "emulator/webhook_delivery.h"
#include "emulator/webhook_events.h"
#include "emulator/webhook_validation.h"

namespace genauth::emulator {
namespace {

using nlohmann::json;

constexpr char kCreatePath[] = "/api/v3/create-webhook";
constexpr char kListPath[] = "/api/v3/list-webhooks";
constexpr char kUpdatePath[] = "/api/v3/update-webhook";
constexpr char kDeletePath[] = "/api/v3/delete-webhook";
constexpr char kGetPath[] = "/api/v3/get-webhook";
constexpr char kLogsPath[] = "/api/v3/get-webhook-logs";
constexpr char kTriggerPath[] = "/api/v3/trigger-webhook";
constexpr char kEventListPath[] = "/api/v3/get-webhook-event-list";

// GenAuth's body status for "a third-party endpoint could not be requested".
constexpr int kEndpointRequestError = 601;

struct Endpoint {
  const char* method;
  const char* path;
};

constexpr Endpoint kEndpoints[] = {
    {"POST", kCreatePath}, {"GET", kListPath},  {"POST", kUpdatePath},  {"POST", kDeletePath},
    {"GET", kGetPath},     {"POST", kLogsPath}, {"POST", kTriggerPath}, {"GET", kEventListPath},
};

ApiReply Success(json data) { return ApiReply{200, "success", std::move(data)}; }

ApiReply Error(int status_code, std::string message) {
  return ApiReply{status_code, std::move(message), std::nullopt};
}

ApiReply NotFound() { return Error(404, "webhook not found"); }

json PageData(size_t total_count, std::vector<json> items) {
  return {{"totalCount", total_count}, {"list", json(std::move(items))}};
}

}  // namespace

WebhookApi::WebhookApi(WebhookApiOptions options, WebhookStore* webhooks, WebhookLogStore* logs)
    : options_(std::move(options)), webhooks_(webhooks), logs_(logs) {}

bool WebhookApi::IsEndpoint(const std::string& method, const std::string& path) {
  for (const Endpoint& endpoint : kEndpoints) {
    if (method == endpoint.method && path == endpoint.path) return true;
  }
  return false;
}

ApiReply WebhookApi::Handle(const std::string& path, const json& body, const Query& query) const {
  if (path == kCreatePath) return CreateWebhook(body);
  if (path == kListPath) return ListWebhooks(query);
  if (path == kUpdatePath) return UpdateWebhook(body);
  if (path == kDeletePath) return DeleteWebhook(body);
  if (path == kGetPath) return GetWebhook(query);
  if (path == kLogsPath) return GetWebhookLogs(body);
  if (path == kTriggerPath) return TriggerWebhook(body);
  if (path == kEventListPath) return Success(WebhookEventList());
  return Error(404, "no such endpoint: " + path);
}

ApiReply WebhookApi::CreateWebhook(const json& body) const {
  std::string error;
  std::optional<json> fields = CheckCreateWebhook(body, &error);
  if (!fields) return Error(400, error);
  return Success(webhooks_->Create(std::move(*fields)));
}

ApiReply WebhookApi::ListWebhooks(const Query& query) const {
  std::string error;
  std::optional<Paging> paging = PagingFromQuery(query, &error);
  if (!paging) return Error(400, error);
  WebhookStore::Page page = webhooks_->List(paging->offset(), paging->limit);
  return Success(PageData(page.total_count, std::move(page.items)));
}

ApiReply WebhookApi::UpdateWebhook(const json& body) const {
  std::string error;
  std::optional<std::string> id = CheckRequiredId(body, "webhookId", &error);
  if (!id) return Error(400, error);
  std::optional<json> changes = CheckWebhookChanges(body, &error);
  if (!changes) return Error(400, error);
  std::optional<json> updated = webhooks_->Update(*id, *changes);
  if (!updated) return NotFound();
  return Success(std::move(*updated));
}

ApiReply WebhookApi::DeleteWebhook(const json& body) const {
  std::string error;
  std::optional<std::vector<std::string>> ids = CheckWebhookIds(body, &error);
  if (!ids) return Error(400, error);
  webhooks_->Delete(*ids);
  for (const std::string& id : *ids) logs_->Erase(id);
  if (options_.legacy_delete_reply) return ApiReply{200, "success", std::nullopt};
  return Success(json{{"success", true}});
}

ApiReply WebhookApi::GetWebhook(const Query& query) const {
  auto it = query.find("webhookId");
  if (it == query.end() || it->second.empty()) return Error(400, "webhookId is required");
  std::optional<json> webhook = webhooks_->Get(it->second);
  if (!webhook) return NotFound();
  return Success(std::move(*webhook));
}

ApiReply WebhookApi::GetWebhookLogs(const json& body) const {
  std::string error;
  std::optional<std::string> id = CheckRequiredId(body, "webhookId", &error);
  if (!id) return Error(400, error);
  std::optional<Paging> paging = PagingFromBody(body, &error);
  if (!paging) return Error(400, error);
  if (!webhooks_->Get(*id)) return NotFound();
  WebhookLogStore::Page page = logs_->List(*id, paging->offset(), paging->limit);
  return Success(PageData(page.total_count, std::move(page.items)));
}

ApiReply WebhookApi::TriggerWebhook(const json& body) const {
  std::string error;
  std::optional<std::string> id = CheckRequiredId(body, "webhookId", &error);
  if (!id) return Error(400, error);
  DeliveryRequest delivery;
  if (auto it = body.find("requestHeaders"); it != body.end() && !it->is_null()) {
    if (!it->is_object()) return Error(400, "requestHeaders must be an object");
    delivery.request_headers = *it;
  }
  if (auto it = body.find("requestBody"); it != body.end()) delivery.request_body = *it;
  std::optional<json> webhook = webhooks_->Get(*id);
  if (!webhook) return NotFound();
  delivery.webhook = std::move(*webhook);
  delivery.userpool_id = options_.userpool_id;
  delivery.timeout = options_.webhook_timeout;

  DeliveryResult result = DeliverWebhook(delivery);
  logs_->Append(*id, MakeWebhookLog(*id, delivery, result, std::chrono::system_clock::now()));
  if (!result.answered) return Error(kEndpointRequestError, result.error);
  // GenAuth passes the receiver's answer through whatever its HTTP status.
  json response = ParseJson(result.body);
  if (response.is_discarded()) response = result.body;
  return Success(json{{"response", response}});
}

}  // namespace genauth::emulator
