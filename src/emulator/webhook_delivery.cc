// Outbound webhook POSTs with httplib::Client.
#include "emulator/webhook_delivery.h"

#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <string>

#include "common/ascii_case.h"
#include "emulator/json_fields.h"

namespace genauth::emulator {
namespace {

struct ParsedUrl {
  std::string scheme_host_port;  // "http://host:port", what httplib::Client takes
  std::string path;              // path and query, at least "/"
};

std::optional<ParsedUrl> ParseUrl(const std::string& url) {
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return std::nullopt;
  std::string scheme = common::AsciiLower(url.substr(0, scheme_end));
  if (scheme != "http" && scheme != "https") return std::nullopt;
  size_t authority_start = scheme_end + 3;
  size_t path_start = url.find_first_of("/?#", authority_start);
  std::string authority =
      url.substr(authority_start, path_start == std::string::npos ? std::string::npos
                                                                  : path_start - authority_start);
  if (authority.empty()) return std::nullopt;
  ParsedUrl parsed;
  parsed.scheme_host_port = scheme + "://" + authority;
  parsed.path = path_start == std::string::npos ? "/" : url.substr(path_start);
  size_t fragment = parsed.path.find('#');
  if (fragment != std::string::npos) parsed.path.erase(fragment);
  if (parsed.path.empty() || parsed.path[0] != '/') parsed.path.insert(0, "/");
  return parsed;
}

// Headers httplib computes itself, or that would corrupt the request if the caller supplied them.
bool IsManagedHeader(const std::string& lower_name) {
  return lower_name == "host" || lower_name == "content-length" || lower_name == "content-type" ||
         lower_name == "transfer-encoding" || lower_name == "connection" ||
         lower_name == "user-agent" || lower_name == "x-authing-webhook-secret";
}

// Node's names for the failures, which is what GenAuth's delivery logs carry. httplib reports a
// read timeout and a reset connection alike, so the time taken tells them apart.
std::string ErrorCode(httplib::Error error, std::chrono::steady_clock::duration elapsed,
                      std::chrono::milliseconds timeout) {
  switch (error) {
    case httplib::Error::Connection:
      return "ECONNREFUSED";
    case httplib::Error::ConnectionTimeout:
      return "ERRTIMEOUT";
    case httplib::Error::Read:
      return elapsed >= timeout ? "ERRTIMEOUT" : "ECONNRESET";
    case httplib::Error::Write:
      return "EPIPE";
    case httplib::Error::SSLConnection:
    case httplib::Error::SSLLoadingCerts:
    case httplib::Error::SSLServerVerification:
      return "ESSL";
    default:
      return "EUNKNOWN";
  }
}

}  // namespace

DeliveryResult DeliverWebhook(const DeliveryRequest& request) {
  DeliveryResult result;
  std::optional<std::string> url = StringField(request.webhook, "url");
  std::optional<ParsedUrl> parsed = url ? ParseUrl(*url) : std::nullopt;
  if (!parsed) {
    result.error = "webhook url is missing or not an http(s) URL";
    result.error_code = "EINVALIDURL";
    return result;
  }

  httplib::Headers headers;
  if (request.request_headers.is_object()) {
    for (const auto& [name, value] : request.request_headers.items()) {
      if (IsManagedHeader(common::AsciiLower(name))) continue;
      headers.emplace(name, value.is_string() ? value.get<std::string>() : ToJsonText(value));
    }
  }
  headers.emplace("User-Agent", "authing-webhook@2.0");
  if (!request.userpool_id.empty() && !headers.count("x-authing-userpool-id")) {
    headers.emplace("x-authing-userpool-id", request.userpool_id);
  }
  std::optional<std::string> secret = StringField(request.webhook, "secret");
  if (secret && !secret->empty()) headers.emplace("x-authing-webhook-secret", *secret);

  std::string content_type =
      StringField(request.webhook, "contentType").value_or("application/json");
  if (content_type.empty()) content_type = "application/json";
  std::string body = request.request_body.is_null() ? "{}" : ToJsonText(request.request_body);
  for (const auto& [name, value] : headers) result.sent_headers[name] = value;
  result.sent_headers["Content-Type"] = content_type;
  result.sent_body = body;

  httplib::Client client(parsed->scheme_host_port);
  if (!client.is_valid()) {
    result.error = "webhook url is not usable";
    result.error_code = "EINVALIDURL";
    return result;
  }
  client.enable_server_certificate_verification(false);
  client.set_tcp_nodelay(true);
  client.set_connection_timeout(request.timeout);
  client.set_read_timeout(request.timeout);
  client.set_write_timeout(request.timeout);
  const auto start = std::chrono::steady_clock::now();
  httplib::Result response = client.Post(parsed->path, headers, body, content_type);
  if (!response) {
    result.error = "webhook url did not answer: " + httplib::to_string(response.error());
    result.error_code =
        ErrorCode(response.error(), std::chrono::steady_clock::now() - start, request.timeout);
    return result;
  }
  result.answered = true;
  result.http_status = response->status;
  result.body = response->body;
  for (const auto& [name, value] : response->headers) {
    std::string lower = common::AsciiLower(name);
    if (result.response_headers.contains(lower)) {
      result.response_headers[lower] =
          result.response_headers[lower].get<std::string>() + ", " + value;
    } else {
      result.response_headers[lower] = value;
    }
  }
  return result;
}

}  // namespace genauth::emulator
