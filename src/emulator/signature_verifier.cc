// AK/SK signature verification, written from a reading of authing-node-sdk 4.0.1's
// utils/buildSignature.ts and ManagementHttpClient.ts.
#include "emulator/signature_verifier.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "common/ascii_case.h"
#include "emulator/js_json.h"
#include "emulator/time_formats.h"

namespace genauth::emulator {
namespace {

constexpr std::string_view kSignedPrefixes[] = {"x-authing-", "x-genauth-"};

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\v')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\v')) text.remove_suffix(1);
  return text;
}

// The SDK's header value filter: tabs and line breaks become spaces, then the value is trimmed.
std::string CanonicalHeaderValue(std::string_view value) {
  std::string out(value);
  for (char& c : out) {
    if (c == '\t' || c == '\n' || c == '\r' || c == '\f') c = ' ';
  }
  return std::string(Trim(out));
}

bool IsSignedHeader(const std::string& lower_name) {
  if (lower_name == "date") return true;
  return std::any_of(std::begin(kSignedPrefixes), std::end(kSignedPrefixes),
                     [&](std::string_view prefix) { return StartsWith(lower_name, prefix); });
}

// The value of x-authing-<suffix>, else x-genauth-<suffix>; nullopt when neither was sent.
std::optional<std::string> BrandedHeader(const SignedRequest& request, std::string_view suffix) {
  for (std::string_view prefix : kSignedPrefixes) {
    auto it = request.headers.find(std::string(prefix) + std::string(suffix));
    if (it != request.headers.end()) return CanonicalHeaderValue(it->second);
  }
  return std::nullopt;
}

// "k=v" for each parameter, sorted by key. Keys compare as bytes, which is JavaScript's UTF-16
// order for every key outside U+E000..U+FFFF (none of GenAuth's parameter names).
std::vector<std::string> CanonicalParameters(const SignedRequest& request) {
  std::vector<std::pair<std::string, std::string>> parameters;
  if (request.method == "GET") {
    for (const auto& [key, value] : request.query) {
      if (parameters.empty() || parameters.back().first != key) parameters.emplace_back(key, value);
    }
  } else {
    // ordered_json: nested objects must be re-encoded in the order the client wrote them.
    nlohmann::ordered_json body =
        nlohmann::ordered_json::parse(request.body, nullptr, /*allow_exceptions=*/false);
    if (body.is_object()) {
      for (const auto& [key, value] : body.items()) {
        parameters.emplace_back(key, JsParameterText(value));
      }
    }
  }
  std::sort(parameters.begin(), parameters.end());
  std::vector<std::string> out;
  out.reserve(parameters.size());
  for (const auto& [key, value] : parameters) out.push_back(key + "=" + value);
  return out;
}

struct ParsedAuthorization {
  std::string access_key_id;
  std::string signature;
};

// "<scheme> <AK>:<signature>"; the key id is everything before the last ':'.
std::optional<ParsedAuthorization> ParseAuthorization(std::string_view authorization) {
  authorization = Trim(authorization);
  size_t space = authorization.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  std::string_view credentials = Trim(authorization.substr(space + 1));
  size_t colon = credentials.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == credentials.size()) {
    return std::nullopt;
  }
  return ParsedAuthorization{std::string(credentials.substr(0, colon)),
                             std::string(credentials.substr(colon + 1))};
}

bool ConstantTimeEquals(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

SignatureRejection Reject(int api_code, std::string message) {
  return SignatureRejection{api_code, std::move(message)};
}

}  // namespace

bool IsSignatureAuthorization(std::string_view authorization) {
  const std::string_view trimmed = Trim(authorization);
  const std::string scheme = common::AsciiLower(trimmed.substr(0, trimmed.find(' ')));
  return scheme == "authing" || scheme == "genauth";
}

std::string StringToSign(const SignedRequest& request) {
  std::string out = request.method + "\n";
  std::map<std::string, std::string> signed_headers;  // sorted by name
  for (const auto& [name, value] : request.headers) {
    std::string lower = common::AsciiLower(name);
    if (IsSignedHeader(lower)) signed_headers.emplace(lower, CanonicalHeaderValue(value));
  }
  for (const auto& [name, value] : signed_headers) out += name + ":" + value + "\n";
  out += request.path;
  std::vector<std::string> parameters = CanonicalParameters(request);
  if (!parameters.empty()) {
    out.push_back('?');
    for (size_t i = 0; i < parameters.size(); ++i) {
      if (i > 0) out.push_back('&');
      out += parameters[i];
    }
  }
  return out;
}

std::string ComputeSignature(std::string_view secret, std::string_view string_to_sign) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int mac_len = 0;
  HMAC(EVP_sha1(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(string_to_sign.data()), string_to_sign.size(),
       mac.data(), &mac_len);
  std::array<unsigned char, 4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1> encoded{};
  const int length = EVP_EncodeBlock(encoded.data(), mac.data(), static_cast<int>(mac_len));
  return std::string(reinterpret_cast<const char*>(encoded.data()),
                     static_cast<size_t>(std::max(0, length)));
}

SignatureVerifier::SignatureVerifier(std::string access_key_id, std::string access_key_secret)
    : access_key_id_(std::move(access_key_id)), access_key_secret_(std::move(access_key_secret)) {}

std::optional<SignatureRejection> SignatureVerifier::Verify(
    const SignedRequest& request, std::chrono::system_clock::time_point now) {
  auto authorization_it = request.headers.find("authorization");
  if (authorization_it == request.headers.end() ||
      !IsSignatureAuthorization(authorization_it->second)) {
    return Reject(kApiCodeBadSignature,
                  "Authorization must be 'authing <accessKeyId>:<signature>'");
  }
  std::optional<ParsedAuthorization> authorization = ParseAuthorization(authorization_it->second);
  if (!authorization) {
    return Reject(kApiCodeBadSignature,
                  "Authorization must be 'authing <accessKeyId>:<signature>'");
  }
  if (authorization->access_key_id != access_key_id_) {
    return Reject(kApiCodeBadSignature, "bad signature: unknown accessKeyId");
  }

  auto date_it = request.headers.find("date");
  if (date_it == request.headers.end() || Trim(date_it->second).empty()) {
    return Reject(kApiCodeMissingDate, "missing date header");
  }
  std::optional<std::chrono::system_clock::time_point> date = ParseSignatureDate(date_it->second);
  if (!date) return Reject(kApiCodeBadDate, "date header is not a date: " + date_it->second);
  if (*date < now - kMaxClockSkew || *date > now + kMaxClockSkew) {
    return Reject(kApiCodeClockSkew, "date header is more than 15 minutes from the server's clock");
  }

  if (BrandedHeader(request, "signature-method").value_or("") != "HMAC-SHA1") {
    return Reject(kApiCodeBadSignature, "x-authing-signature-method must be HMAC-SHA1");
  }
  if (BrandedHeader(request, "signature-version").value_or("") != "1.0") {
    return Reject(kApiCodeBadSignature, "x-authing-signature-version must be 1.0");
  }
  std::optional<std::string> nonce = BrandedHeader(request, "signature-nonce");
  if (!nonce || nonce->empty()) {
    return Reject(kApiCodeBadSignature, "missing x-authing-signature-nonce header");
  }
  if (!ConstantTimeEquals(authorization->signature,
                          ComputeSignature(access_key_secret(), StringToSign(request)))) {
    return Reject(kApiCodeBadSignature, "bad signature");
  }

  std::lock_guard<std::mutex> lock(mu_);
  ForgetExpiredNonces(now);
  if (!nonces_.insert(*nonce).second) {
    return Reject(kApiCodeNonceReused, "x-authing-signature-nonce was used before");
  }
  // A replay carries the same signed date, so after date + skew the date check stops it anyway.
  expiry_.emplace(*date + kMaxClockSkew, *nonce);
  return std::nullopt;
}

void SignatureVerifier::SetAccessKeySecret(std::string access_key_secret) {
  std::lock_guard<std::mutex> lock(mu_);
  access_key_secret_ = std::move(access_key_secret);
}

std::string SignatureVerifier::access_key_secret() const {
  std::lock_guard<std::mutex> lock(mu_);
  return access_key_secret_;
}

void SignatureVerifier::ForgetExpiredNonces(std::chrono::system_clock::time_point now) {
  auto end = expiry_.lower_bound(now);
  for (auto it = expiry_.begin(); it != end; ++it) nonces_.erase(it->second);
  expiry_.erase(expiry_.begin(), end);
}

}  // namespace genauth::emulator
