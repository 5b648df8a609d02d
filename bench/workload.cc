// Request messages and their REST equivalents (see workload.h).
#include "workload.h"

#include <google/protobuf/util/json_util.h>

#include <cctype>
#include <cstdio>

namespace genauth::bench {
namespace {

namespace v1 = genauth::management::v1;

// splitmix64: a well-mixed hash of the request index, so that a mix has no visible period.
uint64_t Mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Query values as the sidecar's upstream client encodes them: RFC 3986 unreserved kept.
std::string UrlEncode(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char hex[4];
      std::snprintf(hex, sizeof(hex), "%%%02X", c);
      out += hex;
    }
  }
  return out;
}

std::string ToJson(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = false;  // camelCase, as the sidecar sends
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  return json;
}

// {"eventName": "bench", "data": {"pad": "xxx…"}} whose JSON text is `bytes` long (at least the
// size of the skeleton).
void FillPayload(size_t bytes, google::protobuf::Struct* body) {
  auto& fields = *body->mutable_fields();
  fields["eventName"].set_string_value("bench");
  auto& data = *fields["data"].mutable_struct_value()->mutable_fields();
  data["pad"].set_string_value("");
  const size_t skeleton = ToJson(*body).size();
  if (bytes > skeleton) data["pad"].set_string_value(std::string(bytes - skeleton, 'x'));
}

}  // namespace

const char* RpcKindName(RpcKind kind) {
  switch (kind) {
    case RpcKind::kTrigger:
      return "trigger";
    case RpcKind::kGet:
      return "get";
    case RpcKind::kList:
      return "list";
  }
  return "?";
}

const char* RpcMethodName(RpcKind kind) {
  switch (kind) {
    case RpcKind::kTrigger:
      return "TriggerWebhook";
    case RpcKind::kGet:
      return "GetWebhook";
    case RpcKind::kList:
      return "ListWebhooks";
  }
  return "?";
}

Workload::Workload(const WorkloadOptions& options, std::string* error) : options_(options) {
  for (uint32_t w : options_.weights) total_weight_ += w;
  if (total_weight_ == 0) {
    *error = "no RPC has a non-zero weight";
    return;
  }
  if (options_.webhook_id.empty()) {
    *error = "the webhook id must not be empty";
    return;
  }
  trigger_.set_webhook_id(options_.webhook_id);
  (*trigger_.mutable_request_headers()->mutable_fields())["x-bench"].set_string_value("1");
  FillPayload(options_.payload_bytes, trigger_.mutable_request_body());
  get_.set_webhook_id(options_.webhook_id);
  list_.set_page(1);
  list_.set_limit(10);

  rest_[static_cast<size_t>(RpcKind::kTrigger)] = {"POST", "/api/v3/trigger-webhook",
                                                   ToJson(trigger_)};
  rest_[static_cast<size_t>(RpcKind::kGet)] = {
      "GET", "/api/v3/get-webhook?webhookId=" + UrlEncode(options_.webhook_id), ""};
  rest_[static_cast<size_t>(RpcKind::kList)] = {"GET", "/api/v3/list-webhooks?page=1&limit=10", ""};
}

const v1::TriggerWebhookRequest& Workload::TriggerFor(uint64_t index,
                                                      v1::TriggerWebhookRequest* scratch) const {
  if (!options_.unique_payloads) return trigger_;
  *scratch = trigger_;
  (*scratch->mutable_request_body()->mutable_fields())["soakSeq"].set_number_value(
      static_cast<double>(index));
  return *scratch;
}

RpcKind Workload::KindFor(uint64_t index) const {
  uint32_t pick =
      static_cast<uint32_t>(Mix64(index ^ (options_.seed * 0x2545F4914F6CDD1DULL)) % total_weight_);
  for (size_t i = 0; i < kRpcKinds; ++i) {
    if (pick < options_.weights[i]) return static_cast<RpcKind>(i);
    pick -= options_.weights[i];
  }
  return RpcKind::kTrigger;
}

}  // namespace genauth::bench
