// How the emulator reads requests and writes replies (see http_exchange.h).
#include "emulator/http_exchange.h"

#include "common/ascii_case.h"
#include "emulator/fault.h"
#include "emulator/json_fields.h"
#include "emulator/signature_verifier.h"

namespace genauth::emulator {
namespace {

using nlohmann::json;

constexpr char kJson[] = "application/json";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes one query component: "+" is a space, "%XX" a byte; malformed escapes are kept as-is.
std::string DecodeQueryComponent(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out.push_back(' ');
    } else if (text[i] == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
               HexValue(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

// httplib stores the peer's and its own address as pseudo request headers.
bool IsHttplibPseudoHeader(const std::string& name) {
  return name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" ||
         name == "LOCAL_PORT";
}

}  // namespace

std::multimap<std::string, std::string> ParseQuery(const std::string& target) {
  std::multimap<std::string, std::string> query;
  size_t start = target.find('?');
  if (start == std::string::npos) return query;
  std::string_view rest(target);
  rest.remove_prefix(start + 1);
  size_t fragment = rest.find('#');
  if (fragment != std::string_view::npos) rest = rest.substr(0, fragment);
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string key = DecodeQueryComponent(pair.substr(0, eq));
    std::string value =
        eq == std::string_view::npos ? std::string() : DecodeQueryComponent(pair.substr(eq + 1));
    query.emplace(std::move(key), std::move(value));
  }
  return query;
}

std::map<std::string, std::string> LowerCasedHeaders(const httplib::Request& req) {
  std::map<std::string, std::string> headers;
  for (const auto& [name, value] : req.headers) {
    if (IsHttplibPseudoHeader(name)) continue;
    auto [it, inserted] = headers.emplace(common::AsciiLower(name), value);
    if (!inserted) it->second += ", " + value;
  }
  return headers;
}

bool IsBearer(std::string_view authorization) {
  return authorization.size() > kBearer.size() &&
         common::AsciiLower(authorization.substr(0, kBearer.size())) == kBearer;
}

std::string AuthScheme(const std::string& authorization) {
  if (IsBearer(authorization)) return "token";
  if (IsSignatureAuthorization(authorization)) return "signature";
  return "";
}

std::string EnvelopeText(int status_code, const std::string& message, const std::string& request_id,
                         const json* data, const std::string& api_code) {
  json envelope = {{"statusCode", status_code}, {"message", message}, {"requestId", request_id}};
  if (!api_code.empty()) envelope["apiCode"] = ApiCodeToJson(api_code);
  if (data != nullptr) envelope["data"] = *data;
  return ToJsonText(envelope);
}

void SendEnvelope(httplib::Response& res, int status_code, const std::string& message,
                  const std::string& request_id, const json* data, const std::string& api_code) {
  res.status = 200;
  res.set_content(EnvelopeText(status_code, message, request_id, data, api_code), kJson);
}

void SendReply(httplib::Response& res, const ApiReply& reply, const std::string& request_id) {
  SendEnvelope(res, reply.status_code, reply.message, request_id,
               reply.data ? &*reply.data : nullptr);
}

void SendSuccess(httplib::Response& res, const std::string& request_id, const json& data) {
  SendEnvelope(res, 200, "success", request_id, &data);
}

void SendControl(httplib::Response& res, int http_status, const json& body) {
  res.status = http_status;
  res.set_content(ToJsonText(body), kJson);
}

void SendControlError(httplib::Response& res, int http_status, const std::string& error) {
  SendControl(res, http_status, json{{"error", error}});
}

}  // namespace genauth::emulator
