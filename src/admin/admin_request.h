// What the admin endpoint answers to a request head, decided from the head alone: the request line
// and header fields, never a body. Pure functions (no sockets, no state) so that every rule is
// tested table-driven; admin_server.cc only moves bytes.
//
// The endpoint speaks the small subset of HTTP/1.1 that probes and Prometheus use: GET or HEAD of
// /healthz, /readyz or /metrics, one request per connection, no request body. A request that
// announces a body (Content-Length above 0, or any Transfer-Encoding) is refused from its head, so
// the body is never read: the answer goes out while the body is still unsent.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace genauth::admin {

// Longest request head (request line and fields) read; a longer one is answered 431. Probes and
// scrapers send about 200 bytes.
inline constexpr size_t kMaxRequestHeadBytes = 8 * 1024;

// Where the head in `buffer` ends: just past its blank line (CRLF CRLF, or bare LF LF as lenient
// clients send), or npos while it is incomplete.
size_t FindEndOfHead(std::string_view buffer);

enum class AdminRoute {
  kHealthz,           // 200 "ok"
  kReadyz,            // 200 or 503 from the readiness check
  kMetrics,           // 200 with the Prometheus text
  kNotFound,          // 404: any other path
  kMethodNotAllowed,  // 405 with Allow: GET, HEAD
  kBodyNotAccepted,   // 413: Content-Length above 0, or Transfer-Encoding
  kHeadTooLarge,      // 431: no end of head within kMaxRequestHeadBytes
  kMalformed,         // 400: not an HTTP/1.0 or HTTP/1.1 request head
};

struct AdminRequest {
  AdminRoute route = AdminRoute::kMalformed;
  bool head_only = false;  // HEAD: the same status and fields, no body
};

// Decides the answer to a complete head (as delimited by FindEndOfHead). Checked in this order:
// a malformed request line, the method (405 even with a body), a body (413), a malformed field or
// Content-Length (400), then the path (its query string ignored).
AdminRequest RouteRequest(std::string_view head);

// "healthz", "method_not_allowed", ...: the value of the reason label in the admin metrics.
std::string_view RouteName(AdminRoute route);

}  // namespace genauth::admin
