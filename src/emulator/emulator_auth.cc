// The emulator's authentication: the management-token endpoint, and the check every GenAuth
// endpoint makes of a request's token or AK/SK signature (see emulator.h).
#include <chrono>
#include <mutex>

#include "emulator/emulator.h"
#include "emulator/http_exchange.h"
#include "emulator/json_fields.h"
#include "emulator/random_id.h"

namespace genauth::emulator {

using nlohmann::json;

void Emulator::HandleGetToken(const httplib::Request& req, const std::string& request_id,
                              httplib::Response& res) {
  json body = ParseJson(req.body);
  if (body.is_discarded() || !body.is_object()) {
    SendEnvelope(res, 400, "request body must be a JSON object", request_id);
    return;
  }
  std::optional<std::string> key_id = StringField(body, "accessKeyId");
  std::optional<std::string> key_secret = StringField(body, "accessKeySecret");
  if (!key_id || !key_secret || key_id->empty() || key_secret->empty()) {
    SendEnvelope(res, 401, "accessKeyId and accessKeySecret are required", request_id);
    return;
  }
  std::string accepted_secret;
  {
    std::lock_guard<std::mutex> lock(mu_);
    accepted_secret = access_key_secret_;
  }
  if (*key_id != options_.access_key_id || *key_secret != accepted_secret) {
    SendEnvelope(res, 401, "invalid accessKeyId or accessKeySecret", request_id);
    return;
  }

  const auto now = std::chrono::system_clock::now();
  const int64_t iat =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  const int64_t expires_in = options_.token_expires_in_s;
  const std::string token = signer_.Sign({{"scoped_userpool_id", options_.userpool_id},
                                          {"iat", iat},
                                          {"exp", iat + expires_in},
                                          {"jti", RandomHex(16)}});
  {
    std::lock_guard<std::mutex> lock(mu_);
    tokens_[token] = IssuedToken{now + std::chrono::seconds(expires_in), false};
    issued_order_.push_back(token);
  }
  SendSuccess(res, request_id, json{{"access_token", token}, {"expires_in", expires_in}});
}

std::optional<Emulator::AuthFailure> Emulator::Authorize(const httplib::Request& req,
                                                         const std::string& path) {
  const std::string authorization = req.get_header_value("Authorization");
  if (authorization.empty()) return AuthFailure{"missing Authorization header", ""};
  if (IsSignatureAuthorization(authorization)) {
    SignedRequest signed_request{req.method, path, LowerCasedHeaders(req), ParseQuery(req.target),
                                 req.body};
    std::optional<SignatureRejection> rejection =
        signature_verifier_.Verify(signed_request, std::chrono::system_clock::now());
    if (!rejection) return std::nullopt;
    return AuthFailure{rejection->message, std::to_string(rejection->api_code)};
  }
  if (!IsBearer(authorization)) {
    return AuthFailure{
        "Authorization header must be 'Bearer <token>' or 'authing <accessKeyId>:<signature>'", ""};
  }
  if (std::string why = CheckToken(req, authorization); !why.empty()) return AuthFailure{why, ""};
  return std::nullopt;
}

std::string Emulator::CheckToken(const httplib::Request& req,
                                 const std::string& authorization) const {
  std::string token = authorization.substr(kBearer.size());
  token.erase(0, token.find_first_not_of(' '));
  token.erase(token.find_last_not_of(' ') + 1);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = tokens_.find(token);
    if (it == tokens_.end()) return "token was not issued by this server";
    if (it->second.revoked) return "token has been revoked";
    if (std::chrono::system_clock::now() >= it->second.expires_at) return "token has expired";
  }
  const std::string authing = req.get_header_value("x-authing-userpool-id");
  const std::string genauth = req.get_header_value("x-genauth-userpool-id");
  if (authing.empty() && genauth.empty()) return "missing x-authing-userpool-id header";
  if (authing != options_.userpool_id && genauth != options_.userpool_id) {
    return "x-authing-userpool-id does not match the token's user pool";
  }
  return "";
}

}  // namespace genauth::emulator
