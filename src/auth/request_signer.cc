// AK/SK request signing (see request_signer.h).
#include "auth/request_signer.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <ctime>

#include "common/ascii_case.h"
#include "nlohmann/json.hpp"

namespace genauth::auth {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string RandomNonce() {
  unsigned char bytes[16];
  static constexpr char kHex[] = "0123456789abcdef";
  std::string nonce;
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) {
    // OpenSSL's generator failing is not recoverable in any useful way; fall back to the clock,
    // which still makes nonces unique per request in practice.
    return std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
  }
  for (unsigned char b : bytes) {
    nonce += kHex[b >> 4];
    nonce += kHex[b & 0xF];
  }
  return nonce;
}

}  // namespace

RequestSigner::RequestSigner(RequestSignerOptions options, const Credentials* credentials,
                             const common::Clock* clock)
    : options_(std::move(options)),
      credentials_(credentials),
      clock_(clock),
      authorization_word_(options_.header_prefix == "x-genauth" ? "GenAuth" : "authing") {}

void RequestSigner::Sign(std::string_view method, std::string_view path, const ParamList& params,
                         HeaderList* headers) const {
  const std::string& p = options_.header_prefix;
  headers->emplace_back("date", HttpDate(clock_->WallNow()));
  headers->emplace_back(p + "-signature-nonce", RandomNonce());
  headers->emplace_back(p + "-signature-method", "HMAC-SHA1");
  headers->emplace_back(p + "-signature-version", "1.0");
  const std::string signature =
      HmacSha1Base64(*credentials_->secret(), StringToSign(method, *headers, p, path, params));
  headers->emplace_back(
      "Authorization", authorization_word_ + " " + credentials_->access_key_id() + ":" + signature);
}

std::string StringToSign(std::string_view method, const HeaderList& headers,
                         std::string_view header_prefix, std::string_view path, ParamList params) {
  std::string prefix = common::AsciiLower(header_prefix) + "-";
  std::vector<std::pair<std::string, std::string>> signed_headers;
  for (const auto& [name, value] : headers) {
    std::string lower = common::AsciiLower(name);
    if (lower == "date" || lower.rfind(prefix, 0) == 0) {
      // Line breaks and tabs become spaces before trimming, as the official SDK does.
      std::string flat(value);
      for (char& c : flat) {
        if (c == '\t' || c == '\n' || c == '\r') c = ' ';
      }
      signed_headers.emplace_back(lower, std::string(Trim(flat)));
    }
  }
  std::sort(signed_headers.begin(), signed_headers.end());
  std::string out(method);
  out += "\n";
  for (const auto& [name, value] : signed_headers) out += name + ":" + value + "\n";
  out += path;
  if (!params.empty()) {
    std::stable_sort(params.begin(), params.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    out += "?";
    for (size_t i = 0; i < params.size(); ++i) {
      if (i > 0) out += "&";
      out += params[i].first + "=" + params[i].second;
    }
  }
  return out;
}

std::string HmacSha1Base64(std::string_view key, std::string_view message) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_length = 0;
  HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest,
       &digest_length);
  std::string encoded(4 * ((digest_length + 2) / 3), '\0');
  int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()), digest,
                                static_cast<int>(digest_length));
  encoded.resize(static_cast<size_t>(std::max(written, 0)));
  return encoded;
}

ParamList ParamsFromJsonBody(std::string_view body) {
  ParamList params;
  // Ordered: a nested object is signed as JSON with its keys in the order they are sent, which is
  // what GenAuth (like the official SDK's JSON.stringify) computes on its side.
  nlohmann::ordered_json parsed =
      nlohmann::ordered_json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) return params;
  for (const auto& [key, value] : parsed.items()) {
    if (value.is_null()) continue;
    params.emplace_back(key, value.is_string() ? value.get<std::string>() : value.dump());
  }
  return params;
}

std::string HttpDate(common::WallTime time) {
  std::time_t t = std::chrono::system_clock::to_time_t(time);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  // strftime's %a/%b follow the C locale, which the sidecar never changes: English names.
  std::strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

}  // namespace genauth::auth
