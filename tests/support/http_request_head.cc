// HTTP/1.1 request heads for the raw test servers (see http_request_head.h).
#include "support/http_request_head.h"

#include <cctype>

namespace genauth::testing {
namespace {

constexpr std::string_view kCrlf = "\r\n";

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool IsToken(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c)) || c == ':' ||
        std::iscntrl(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

}  // namespace

size_t FindEndOfHead(std::string_view buffer) {
  size_t at = buffer.find("\r\n\r\n");
  return at == std::string_view::npos ? at : at + 4;
}

std::optional<HttpRequestHead> ParseRequestHead(std::string_view head) {
  size_t line_end = head.find(kCrlf);
  std::string_view request_line = head.substr(0, line_end);
  head = line_end == std::string_view::npos ? std::string_view() : head.substr(line_end + 2);

  HttpRequestHead parsed;
  size_t first_space = request_line.find(' ');
  size_t last_space = request_line.rfind(' ');
  if (first_space == std::string_view::npos || last_space == first_space) return std::nullopt;
  parsed.method = std::string(request_line.substr(0, first_space));
  parsed.target = std::string(request_line.substr(first_space + 1, last_space - first_space - 1));
  parsed.version = std::string(request_line.substr(last_space + 1));
  if (!IsToken(parsed.method) || parsed.target.empty() || parsed.version.rfind("HTTP/", 0) != 0) {
    return std::nullopt;
  }

  while (!head.empty()) {
    line_end = head.find(kCrlf);
    std::string_view line = head.substr(0, line_end);
    head = line_end == std::string_view::npos ? std::string_view() : head.substr(line_end + 2);
    if (line.empty()) break;  // the blank line that ends the head
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || !IsToken(line.substr(0, colon))) return std::nullopt;
    std::string name = ToLowerAscii(line.substr(0, colon));
    std::string_view value = Trim(line.substr(colon + 1));
    auto [it, inserted] = parsed.headers.emplace(name, std::string(value));
    if (!inserted) it->second.append(", ").append(value);
  }
  return parsed;
}

std::optional<size_t> ContentLength(const HttpRequestHead& head) {
  auto it = head.headers.find("content-length");
  if (it == head.headers.end()) return size_t{0};
  const std::string& text = it->second;
  if (text.empty() || text.size() > 18) return std::nullopt;  // 18 digits cannot overflow
  size_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<size_t>(c - '0');
  }
  return value;
}

std::string ToLowerAscii(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower;
}

}  // namespace genauth::testing
