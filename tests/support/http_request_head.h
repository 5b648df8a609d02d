// The head of an HTTP/1.1 request (request line and header fields), as the raw test servers
// (raw_http_server, connect_proxy) read it off a socket.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace genauth::testing {

// Longest request head the test servers accept; longer ones are dropped as malformed.
inline constexpr size_t kMaxRequestHeadBytes = 64 * 1024;

struct HttpRequestHead {
  std::string method;
  std::string target;   // as sent: "/path?q", "host:port" for CONNECT
  std::string version;  // "HTTP/1.1"
  // Names lower-cased, values trimmed; a repeated field's values are joined with ", ".
  std::map<std::string, std::string> headers;
};

// Where the head in `buffer` ends: the offset just past the blank line ("\r\n\r\n"), or npos
// while it has not arrived yet.
size_t FindEndOfHead(std::string_view buffer);

// Parses a head (request line, CRLF-separated fields, optionally the blank line); nullopt when
// the request line or a field is malformed.
std::optional<HttpRequestHead> ParseRequestHead(std::string_view head);

// Content-Length of the request: 0 when absent, nullopt when not a plain decimal number.
std::optional<size_t> ContentLength(const HttpRequestHead& head);

std::string ToLowerAscii(std::string_view text);

}  // namespace genauth::testing
