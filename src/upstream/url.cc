// URL building (see url.h).
#include "upstream/url.h"

namespace genauth::upstream {

std::string UrlEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~';
    if (unreserved) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

std::string Target(const std::string& path,
                   const std::vector<std::pair<std::string, std::string>>& query) {
  std::string target = path;
  for (size_t i = 0; i < query.size(); ++i) {
    target += i == 0 ? '?' : '&';
    target += UrlEncode(query[i].first) + "=" + UrlEncode(query[i].second);
  }
  return target;
}

}  // namespace genauth::upstream
