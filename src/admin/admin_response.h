// The bytes the admin endpoint writes back: a status line, a few fields and a short body. Every
// answer carries Connection: close (one request per connection: a connection's whole life is then
// bounded by the server's deadlines, and no idle keep-alive connection holds a slot). Pure
// functions, tested with the routes in admin_request_test.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "admin/admin_request.h"

namespace genauth::admin {

inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

// Status line and fields for a body of `content_length` bytes (sent or, for HEAD, not).
std::string ResponseHead(int status, std::string_view content_type, size_t content_length);

// The whole answer to any route but kMetrics: head and, unless `head_only`, body. `ready` is the
// readiness check's result (only read for kReadyz).
std::string FixedResponse(AdminRoute route, bool ready, bool head_only);

}  // namespace genauth::admin
