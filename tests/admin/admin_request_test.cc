// The admin endpoint's rules, table-driven: which answer each request head gets (from the head
// alone), where a head ends, and the bytes of the answers.
#include "admin/admin_request.h"

#include <gtest/gtest.h>

#include <string>

#include "admin/admin_response.h"

namespace genauth::admin {
namespace {

struct RouteCase {
  std::string head;
  AdminRoute route;
  bool head_only;
};

TEST(RouteRequestTest, EveryRuleOnItsHead) {
  const RouteCase cases[] = {
      {"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", AdminRoute::kHealthz, false},
      {"GET /readyz HTTP/1.1\r\n\r\n", AdminRoute::kReadyz, false},
      {"GET /metrics HTTP/1.1\r\nAccept: text/plain\r\n\r\n", AdminRoute::kMetrics, false},
      {"HEAD /metrics HTTP/1.1\r\n\r\n", AdminRoute::kMetrics, true},
      {"GET /metrics?name[]=up HTTP/1.1\r\n\r\n", AdminRoute::kMetrics, false},
      {"GET http://10.0.0.7:9464/healthz HTTP/1.1\r\n\r\n", AdminRoute::kHealthz, false},
      {"GET /healthz HTTP/1.0\n\n", AdminRoute::kHealthz, false},  // bare LF, HTTP/1.0
      {"GET /healthz HTTP/1.1\r\nContent-Length: 0\r\n\r\n", AdminRoute::kHealthz, false},
      {"GET /healthz HTTP/1.1\r\nContent-Length: 000\r\n\r\n", AdminRoute::kHealthz, false},
      {"GET / HTTP/1.1\r\n\r\n", AdminRoute::kNotFound, false},
      {"GET /healthz/ HTTP/1.1\r\n\r\n", AdminRoute::kNotFound, false},
      {"GET /HEALTHZ HTTP/1.1\r\n\r\n", AdminRoute::kNotFound, false},
      // Any other method: 405, before anything about a body.
      {"POST /metrics HTTP/1.1\r\nContent-Length: 268435456\r\n\r\n", AdminRoute::kMethodNotAllowed,
       false},
      {"PUT /healthz HTTP/1.1\r\n\r\n", AdminRoute::kMethodNotAllowed, false},
      {"DELETE /readyz HTTP/1.1\r\n\r\n", AdminRoute::kMethodNotAllowed, false},
      {"OPTIONS * HTTP/1.1\r\n\r\n", AdminRoute::kMethodNotAllowed, false},
      {"PATCH /metrics HTTP/1.1\r\n\r\n", AdminRoute::kMethodNotAllowed, false},
      {"TRACE / HTTP/1.1\r\n\r\n", AdminRoute::kMethodNotAllowed, false},
      {"CONNECT a:1 HTTP/1.1\r\n\r\n", AdminRoute::kMethodNotAllowed, false},
      {"get /healthz HTTP/1.1\r\n\r\n", AdminRoute::kMethodNotAllowed, false},  // case-sensitive
      // A body announced on GET or HEAD: 413, whatever the path.
      {"GET /metrics HTTP/1.1\r\nContent-Length: 268435456\r\n\r\n", AdminRoute::kBodyNotAccepted,
       false},
      {"GET /healthz HTTP/1.1\r\ncontent-length:1\r\n\r\n", AdminRoute::kBodyNotAccepted, false},
      {"HEAD /nowhere HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", AdminRoute::kBodyNotAccepted,
       true},
      {"GET /healthz HTTP/1.1\r\nTRANSFER-ENCODING: identity\r\n\r\n", AdminRoute::kBodyNotAccepted,
       false},
      // Malformed.
      {"GET /healthz HTTP/1.1\r\nContent-Length: -1\r\n\r\n", AdminRoute::kMalformed, false},
      {"GET /healthz HTTP/1.1\r\nContent-Length: 1e9\r\n\r\n", AdminRoute::kMalformed, false},
      {"GET /healthz HTTP/1.1\r\nContent-Length:\r\n\r\n", AdminRoute::kMalformed, false},
      {"GET /healthz HTTP/1.1\r\nno colon here\r\n\r\n", AdminRoute::kMalformed, false},
      {"GET /healthz HTTP/1.1\r\nbad name: x\r\n\r\n", AdminRoute::kMalformed, false},
      {"GET /healthz HTTP/2.0\r\n\r\n", AdminRoute::kMalformed, false},
      {"GET /healthz\r\n\r\n", AdminRoute::kMalformed, false},  // HTTP/0.9
      {"GET  /healthz HTTP/1.1\r\n\r\n", AdminRoute::kMalformed, false},
      {"\r\n\r\n", AdminRoute::kMalformed, false},
      {"\x16\x03\x01\x02\x01\xfc\x03\x03\r\n\r\n", AdminRoute::kMalformed, false},
  };
  for (const RouteCase& c : cases) {
    const AdminRequest request = RouteRequest(c.head);
    EXPECT_EQ(RouteName(request.route), RouteName(c.route)) << c.head;
    EXPECT_EQ(request.head_only, c.head_only) << c.head;
  }
}

TEST(FindEndOfHeadTest, TheFirstBlankLine) {
  EXPECT_EQ(FindEndOfHead("GET / HTTP/1.1\r\n\r\n"), 18u);
  EXPECT_EQ(FindEndOfHead("GET / HTTP/1.1\n\nbody"), 16u);
  EXPECT_EQ(FindEndOfHead("GET / HTTP/1.1\r\nA: b\r\n\r\nbody\r\n\r\n"), 24u);
  EXPECT_EQ(FindEndOfHead("GET / HTTP/1.1\r\nA: b\r\n\r"), std::string::npos);
  EXPECT_EQ(FindEndOfHead("GET / HTTP/1.1\r\nA: b\r\n"), std::string::npos);
  EXPECT_EQ(FindEndOfHead(""), std::string::npos);
}

TEST(AdminResponseTest, AnswersCloseTheConnectionAndHeadOmitsTheBody) {
  EXPECT_EQ(FixedResponse(AdminRoute::kHealthz, false, false),
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 3\r\n"
            "Cache-Control: no-store\r\nConnection: close\r\n\r\nok\n");
  EXPECT_EQ(FixedResponse(AdminRoute::kHealthz, true, true),
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 3\r\n"
            "Cache-Control: no-store\r\nConnection: close\r\n\r\n");
  const std::string not_allowed = FixedResponse(AdminRoute::kMethodNotAllowed, true, false);
  EXPECT_EQ(not_allowed.rfind("HTTP/1.1 405 Method Not Allowed\r\n", 0), 0u) << not_allowed;
  EXPECT_NE(not_allowed.find("\r\nAllow: GET, HEAD\r\n"), std::string::npos) << not_allowed;
}

TEST(AdminResponseTest, StatusOfEachRoute) {
  const std::pair<AdminRoute, std::string> cases[] = {
      {AdminRoute::kNotFound, "404 Not Found"},
      {AdminRoute::kBodyNotAccepted, "413 Content Too Large"},
      {AdminRoute::kHeadTooLarge, "431 Request Header Fields Too Large"},
      {AdminRoute::kMalformed, "400 Bad Request"},
  };
  for (const auto& [route, status] : cases) {
    EXPECT_EQ(FixedResponse(route, true, false).rfind("HTTP/1.1 " + status + "\r\n", 0), 0u)
        << status;
  }
  EXPECT_EQ(FixedResponse(AdminRoute::kReadyz, true, false).rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
  const std::string unready = FixedResponse(AdminRoute::kReadyz, false, false);
  EXPECT_EQ(unready.rfind("HTTP/1.1 503 Service Unavailable\r\n", 0), 0u);
  EXPECT_NE(unready.find("not ready: starting or draining\n"), std::string::npos);
}

}  // namespace
}  // namespace genauth::admin
