// How the emulator reads requests and writes replies: the decoded query, headers by lower-cased
// name, the bearer check, and the two reply shapes — GenAuth's JSON envelope (always in an HTTP
// 200, as GenAuth answers its own errors too) and the control endpoints' plain JSON.
#pragma once

#include <httplib.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "emulator/webhook_api.h"

namespace genauth::emulator {

inline constexpr char kControlPrefix[] = "/_emulator/";  // where the control endpoints live
inline constexpr std::string_view kBearer = "bearer ";   // lower-cased; compared case-insensitively

// The query of a request target, decoded ("+" a space, "%XX" a byte; malformed escapes kept).
// Parsed here rather than taken from httplib's params, which also hold form-encoded body fields.
std::multimap<std::string, std::string> ParseQuery(const std::string& target);

// The request's headers by lower-cased name, repeats joined with ", " (as Node.js servers see
// them), without httplib's pseudo headers.
std::map<std::string, std::string> LowerCasedHeaders(const httplib::Request& req);

// Whether an Authorization value is "Bearer <something>" (the scheme in any case).
bool IsBearer(std::string_view authorization);
// RecordedRequest::auth_scheme for an Authorization header value: "token", "signature" or "".
std::string AuthScheme(const std::string& authorization);

// A GenAuth envelope: {statusCode, message, requestId[, apiCode][, data]}.
std::string EnvelopeText(int status_code, const std::string& message, const std::string& request_id,
                         const nlohmann::json* data = nullptr, const std::string& api_code = "");
// Answers an envelope in an HTTP 200.
void SendEnvelope(httplib::Response& res, int status_code, const std::string& message,
                  const std::string& request_id, const nlohmann::json* data = nullptr,
                  const std::string& api_code = "");
void SendReply(httplib::Response& res, const ApiReply& reply, const std::string& request_id);
void SendSuccess(httplib::Response& res, const std::string& request_id, const nlohmann::json& data);

// A control endpoint's answer: `body` as JSON with `http_status`; errors as {"error": ...}.
void SendControl(httplib::Response& res, int http_status, const nlohmann::json& body);
void SendControlError(httplib::Response& res, int http_status, const std::string& error);

}  // namespace genauth::emulator
