// Fuzzes the unverified JWT claim reading done on every management token (the userpool header):
// base64url decoding and the claim lookup. Input: claim name, NUL, token.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "auth/jwt_claims.h"
#include "fuzz_check.h"

namespace {

// A reference base64url encoder (no padding), for the round-trip invariants.
std::string Encode(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : bytes) {
    buffer = (buffer << 8) | static_cast<uint8_t>(c);
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(buffer >> bits) & 0x3f];
    }
  }
  if (bits > 0) out += kAlphabet[(buffer << (6 - bits)) & 0x3f];
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  genauth::fuzz::FuzzInput input(data, size);
  const std::string_view name = input.Piece();
  const std::string_view jwt = input.Rest();

  // Any bytes encode and decode back to themselves.
  std::optional<std::string> decoded = genauth::auth::Base64UrlDecode(Encode(jwt));
  FUZZ_CHECK(decoded.has_value() && *decoded == jwt);

  // Decoding the raw input: every 4 characters give 3 bytes, and re-encoding what came out
  // decodes to the same bytes (the last character's unused bits may differ).
  if (std::optional<std::string> raw = genauth::auth::Base64UrlDecode(jwt)) {
    size_t chars = jwt.size();
    while (chars > 0 && jwt[chars - 1] == '=') --chars;
    FUZZ_CHECK(raw->size() == chars * 6 / 8);
    FUZZ_CHECK(genauth::auth::Base64UrlDecode(Encode(*raw)) == raw);
  }

  std::optional<std::string> claim = genauth::auth::JwtStringClaim(jwt, name);
  if (claim) FUZZ_CHECK(!claim->empty());
  return 0;
}
