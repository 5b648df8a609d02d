// Reply bodies of the far GenAuth stand-in (see replies.h). The `data` shapes follow
// /work/shared/genauth-rest-api.md closely enough for the sidecar to transcode them.
#include "replies.h"

#include <ctime>

namespace genauth::bench::far {
namespace {

constexpr std::string_view kApiPrefix = "/api/v3/";

std::string Base64Url(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  uint32_t bits = 0;
  int count = 0;
  for (unsigned char c : in) {
    bits = (bits << 8) | c;
    count += 8;
    while (count >= 6) {
      count -= 6;
      out += kAlphabet[(bits >> count) & 0x3F];
    }
  }
  if (count > 0) out += kAlphabet[(bits << (6 - count)) & 0x3F];
  return out;
}

std::string Envelope(int status, std::string_view message, uint64_t sequence,
                     std::string_view data) {
  std::string body = "{\"statusCode\":" + std::to_string(status) + ",\"message\":\"" +
                     std::string(message) + "\",\"requestId\":\"far-" + std::to_string(sequence) +
                     "\"";
  if (!data.empty()) body += ",\"data\":" + std::string(data);
  return body + "}";
}

constexpr std::string_view kWebhook =
    R"({"webhookId":"wh-bench","createdAt":"2024-01-01T00:00:00.000Z",)"
    R"("updatedAt":"2024-01-01T00:00:00.000Z","name":"bench","url":"https://hooks.invalid/bench",)"
    R"("contentType":"application/json","enabled":true,"events":["user:created"],)"
    R"("retryConfig":{"enabled":false}})";

// `data` for each operation; "{}" for the ones a benchmark does not call.
std::string DataFor(std::string_view operation) {
  if (operation == "trigger-webhook") return R"({"response":{"received":true}})";
  if (operation == "get-webhook" || operation == "create-webhook" ||
      operation == "update-webhook") {
    return std::string(kWebhook);
  }
  if (operation == "list-webhooks") {
    return "{\"totalCount\":1,\"list\":[" + std::string(kWebhook) + "]}";
  }
  if (operation == "delete-webhook") return R"({"success":true})";
  if (operation == "get-webhook-logs") return R"({"totalCount":0,"list":[]})";
  if (operation == "get-webhook-event-list") return R"({"categories":[],"events":[]})";
  return "{}";
}

}  // namespace

std::string ManagementToken() {
  const long long now = static_cast<long long>(std::time(nullptr));
  const std::string payload =
      "{\"scoped_userpool_id\":\"far-userpool\",\"iat\":" + std::to_string(now) +
      ",\"exp\":" + std::to_string(now + 7200) + "}";
  return Base64Url(R"({"alg":"HS256","typ":"JWT"})") + "." + Base64Url(payload) + "." +
         Base64Url("not-a-signature");
}

Reply ReplyFor(std::string_view method, std::string_view target, uint64_t sequence) {
  const std::string_view path = target.substr(0, target.find('?'));
  if (path.substr(0, kApiPrefix.size()) != kApiPrefix) {
    return ErrorReply(404, "not found");
  }
  const std::string_view operation = path.substr(kApiPrefix.size());
  if (operation == "get-management-token") {
    if (method != "POST") return ErrorReply(405, "method not allowed");
    return {200, false,
            Envelope(200, "ok", sequence,
                     "{\"access_token\":\"" + ManagementToken() + "\",\"expires_in\":7200}")};
  }
  return {200, true, Envelope(200, "ok", sequence, DataFor(operation))};
}

Reply ErrorReply(int status, std::string_view message) {
  return {status, false, Envelope(status, message, 0, "")};
}

}  // namespace genauth::bench::far
