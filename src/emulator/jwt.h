// JWT-shaped management tokens: base64url(header) "." base64url(payload) "." base64url(signature),
// the signature being HMAC-SHA256 over the first two parts with a key private to one emulator. The
// sidecar only reads the payload (like the official SDKs); the signature makes tokens look real and
// lets the emulator tell its own tokens from forged ones.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace genauth::emulator {

// RFC 4648 section 5 alphabet, without padding.
std::string Base64UrlEncode(std::string_view data);
// Accepts input with or without '=' padding; nullopt on characters outside the alphabet.
std::optional<std::string> Base64UrlDecode(std::string_view text);

// Signs and verifies tokens with a random 256-bit key made at construction. Immutable afterwards,
// so thread-safe.
class TokenSigner {
 public:
  TokenSigner();

  // A compact JWT ({"alg":"HS256","typ":"JWT"}) carrying `payload`.
  std::string Sign(const nlohmann::json& payload) const;
  // True when `token` has three parts and its signature was made by this signer.
  bool Verify(std::string_view token) const;

 private:
  std::string Mac(std::string_view data) const;

  std::string key_;
};

// The decoded payload of a JWT-shaped token, without checking the signature (what the SDKs do to
// read scoped_userpool_id). nullopt when the token is not three parts with a JSON object payload.
std::optional<nlohmann::json> DecodeJwtPayload(std::string_view token);

}  // namespace genauth::emulator
