// The value syntaxes of settings (see value_parsers.h).
#include "config/value_parsers.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstddef>
#include <system_error>

namespace genauth::config {
namespace {

bool IsSpaceOrControl(char c) {
  auto u = static_cast<unsigned char>(c);
  return u <= 0x20 || u == 0x7f;
}

bool IsIpv4(const std::string& s, unsigned char* first_octet) {
  in_addr addr{};
  if (inet_pton(AF_INET, s.c_str(), &addr) != 1) return false;
  if (first_octet != nullptr) *first_octet = static_cast<unsigned char>(ntohl(addr.s_addr) >> 24);
  return true;
}

bool IsIpv6(const std::string& s, bool* loopback) {
  in6_addr addr{};
  if (inet_pton(AF_INET6, s.c_str(), &addr) != 1) return false;
  if (loopback != nullptr) *loopback = IN6_IS_ADDR_LOOPBACK(&addr);
  return true;
}

// Port digits only (no sign, no spaces), within [min, 65535].
bool IsPort(std::string_view text, int64_t min) {
  if (text.empty() || text.size() > 5) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  auto port = ParseInt(text);
  return port && *port >= min && *port <= 65535;
}

bool IsHostNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_';
}

}  // namespace

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool HasSpaceOrControl(std::string_view s) {
  for (char c : s) {
    if (IsSpaceOrControl(c)) return true;
  }
  return false;
}

std::string_view TrimTrailingSpace(std::string_view s) {
  while (!s.empty() && IsSpaceOrControl(s.back())) s.remove_suffix(1);
  return s;
}

std::string Quote(std::string_view s) {
  constexpr size_t kMaxShown = 200;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (char c : s.substr(0, kMaxShown)) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (u < 0x20 || u == 0x7f) {
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    } else {
      out += c;
    }
  }
  out += '"';
  if (s.size() > kMaxShown) out += "...";
  return out;
}

std::optional<int64_t> ParseInt(std::string_view text) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end) return std::nullopt;  // junk, overflow or empty
  return value;
}

std::optional<bool> ParseBool(std::string_view text) {
  std::string v = Lower(text);
  if (v == "true" || v == "1" || v == "yes") return true;
  if (v == "false" || v == "0" || v == "no") return false;
  return std::nullopt;
}

std::optional<int64_t> ParseByteSize(std::string_view text) {
  int shift = 0;
  if (text.size() > 2 && text.substr(text.size() - 2) == "Ki") shift = 10;
  if (text.size() > 2 && text.substr(text.size() - 2) == "Mi") shift = 20;
  if (text.size() > 2 && text.substr(text.size() - 2) == "Gi") shift = 30;
  if (shift != 0) text.remove_suffix(2);
  auto value = ParseInt(text);
  if (!value || *value < 0 || *value > (int64_t{1} << 40)) return std::nullopt;
  return *value << shift;
}

std::optional<uint32_t> ParseFileMode(std::string_view text) {
  if (text.empty() || text.size() > 4) return std::nullopt;
  uint32_t mode = 0;
  for (char c : text) {
    if (c < '0' || c > '7') return std::nullopt;
    mode = mode * 8 + static_cast<uint32_t>(c - '0');
  }
  // setuid, setgid and sticky mean nothing on a socket; a 4-digit mode must start with 0.
  if (mode > 0777) return std::nullopt;
  return mode;
}

std::optional<PercentRange> ParsePercentRange(std::string_view text) {
  const size_t dash = text.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  auto percent = [](std::string_view part) -> std::optional<int> {
    if (!part.empty() && part.back() == '%') part.remove_suffix(1);
    if (part.empty() || part.size() > 3) return std::nullopt;
    int value = 0;
    for (char c : part) {
      if (c < '0' || c > '9') return std::nullopt;
      value = value * 10 + (c - '0');
    }
    if (value > 100) return std::nullopt;
    return value;
  };
  const std::optional<int> start = percent(text.substr(0, dash));
  const std::optional<int> end = percent(text.substr(dash + 1));
  if (!start || !end || *start > *end) return std::nullopt;
  return PercentRange{*start, *end};
}

std::string FormatMillis(std::chrono::milliseconds d) {
  const int64_t ms = d.count();
  if (ms != 0 && ms % 3600000 == 0) return std::to_string(ms / 3600000) + "h";
  if (ms != 0 && ms % 60000 == 0) return std::to_string(ms / 60000) + "m";
  if (ms != 0 && ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

std::string FormatBytes(int64_t bytes) {
  if (bytes != 0 && bytes % (int64_t{1} << 30) == 0) return std::to_string(bytes >> 30) + "Gi";
  if (bytes != 0 && bytes % (int64_t{1} << 20) == 0) return std::to_string(bytes >> 20) + "Mi";
  if (bytes != 0 && bytes % (int64_t{1} << 10) == 0) return std::to_string(bytes >> 10) + "Ki";
  return std::to_string(bytes);
}

std::string FormatMode(uint32_t mode) {
  std::string out = "0000";
  for (size_t i = 3; i >= 1; --i, mode >>= 3) out[i] = static_cast<char>('0' + (mode & 7));
  return out;
}

std::optional<HostUrl> ParseHostUrl(std::string_view text, std::string* why) {
  const std::string lower = Lower(text);
  HostUrl result;
  std::string_view rest = lower;
  if (rest.rfind("https://", 0) == 0) {
    rest.remove_prefix(8);
  } else if (rest.rfind("http://", 0) == 0) {
    rest.remove_prefix(7);
    result.plain_http = true;
  } else {
    *why = "expected https://host[:port] (or http:// for a loopback host)";
    return std::nullopt;
  }
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.empty()) {
    *why = "expected a host after the scheme, as in https://api.genauth.ai";
    return std::nullopt;
  }
  if (rest.find_first_of("/?#") != std::string_view::npos) {
    *why = "expected scheme://host[:port] only, without a path, query or fragment";
    return std::nullopt;
  }
  if (rest.find('@') != std::string_view::npos) {
    *why = "expected no user info in the URL; credentials go in GENAUTH_ACCESS_KEY_*";
    return std::nullopt;
  }
  std::string_view host;
  std::string_view port;
  bool has_port = false;
  if (rest.front() == '[') {
    size_t close = rest.find(']');
    bool ipv6_loopback = false;
    if (close == std::string_view::npos ||
        !IsIpv6(std::string(rest.substr(1, close - 1)), &ipv6_loopback)) {
      *why = "expected a valid IPv6 address inside [ ]";
      return std::nullopt;
    }
    std::string_view after = rest.substr(close + 1);
    if (!after.empty() && after.front() != ':') {
      *why = "expected :port or nothing after the IPv6 address";
      return std::nullopt;
    }
    has_port = !after.empty();
    if (has_port) port = after.substr(1);
    result.loopback = ipv6_loopback;
  } else {
    size_t colon = rest.find(':');
    host = rest.substr(0, colon);
    if (colon != std::string_view::npos) {
      has_port = true;
      port = rest.substr(colon + 1);
    }
    bool valid_name = !host.empty();
    for (char c : host) valid_name = valid_name && IsHostNameChar(c);
    if (!valid_name) {
      *why = "expected a host name or address (letters, digits, '-', '.'; IPv6 inside [ ])";
      return std::nullopt;
    }
    unsigned char first_octet = 0;
    result.loopback =
        host == "localhost" || (IsIpv4(std::string(host), &first_octet) && first_octet == 127);
  }
  if (has_port && !IsPort(port, 1)) {
    *why = "expected a port from 1 to 65535 after ':'";
    return std::nullopt;
  }
  result.url = std::string(lower.substr(0, lower.find("://") + 3)) + std::string(rest);
  return result;
}

bool IsTcpListenAddress(std::string_view text) {
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || !IsPort(text.substr(colon + 1), 0)) return false;
  std::string_view host = text.substr(0, colon);
  if (host == "localhost") return true;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    return IsIpv6(std::string(host.substr(1, host.size() - 2)), nullptr);
  }
  return IsIpv4(std::string(host), nullptr);
}

bool IsListenAddress(std::string_view text, std::string* why) {
  if (text.rfind("unix:", 0) == 0) {
    std::string_view path = text.substr(5);
    // sun_path holds 108 bytes including the terminating NUL; bind() fails on longer paths.
    constexpr size_t kMaxUnixPath = 107;
    if (path.size() < 2 || path.front() != '/' || HasSpaceOrControl(path)) {
      *why = "expected unix:/absolute/path (an absolute path, without spaces)";
      return false;
    }
    if (path.size() > kMaxUnixPath) {
      *why = "expected a unix socket path of at most 107 bytes";
      return false;
    }
    return true;
  }
  *why =
      "expected host:port (host an IPv4 address, localhost or [IPv6]; port 0 to 65535) or "
      "unix:/absolute/path";
  return IsTcpListenAddress(text);
}

}  // namespace genauth::config
