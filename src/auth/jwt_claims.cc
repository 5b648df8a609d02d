// Unverified JWT claim reading (see jwt_claims.h).
#include "auth/jwt_claims.h"

#include <array>
#include <cstdint>

#include "nlohmann/json.hpp"

namespace genauth::auth {
namespace {

constexpr std::array<int16_t, 256> MakeDecodeTable() {
  std::array<int16_t, 256> table{};
  for (auto& v : table) v = -1;
  const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (int i = 0; i < 64; ++i)
    table[static_cast<unsigned char>(alphabet[i])] = static_cast<int16_t>(i);
  // Plain base64 characters too: some issuers get this wrong.
  table['+'] = 62;
  table['/'] = 63;
  return table;
}

constexpr auto kDecode = MakeDecodeTable();

}  // namespace

std::optional<std::string> Base64UrlDecode(std::string_view in) {
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  if (in.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(in.size() * 3 / 4);
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : in) {
    int v = kDecode[static_cast<unsigned char>(c)];
    if (v < 0) return std::nullopt;
    buffer = (buffer << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  return out;
}

std::optional<std::string> JwtStringClaim(std::string_view jwt, std::string_view name) {
  size_t first_dot = jwt.find('.');
  if (first_dot == std::string_view::npos) return std::nullopt;
  size_t second_dot = jwt.find('.', first_dot + 1);
  if (second_dot == std::string_view::npos) return std::nullopt;
  auto payload = Base64UrlDecode(jwt.substr(first_dot + 1, second_dot - first_dot - 1));
  if (!payload) return std::nullopt;
  auto claims = nlohmann::json::parse(*payload, nullptr, /*allow_exceptions=*/false);
  if (!claims.is_object()) return std::nullopt;
  auto it = claims.find(name);
  if (it == claims.end() || !it->is_string()) return std::nullopt;
  auto value = it->get<std::string>();
  if (value.empty()) return std::nullopt;
  return value;
}

}  // namespace genauth::auth
