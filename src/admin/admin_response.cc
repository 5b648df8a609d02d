// The admin endpoint's answers (see admin_response.h).
#include "admin/admin_response.h"

#include "common/http_reason.h"

namespace genauth::admin {
namespace {

constexpr std::string_view kTextPlain = "text/plain; charset=utf-8";

struct Answer {
  int status;
  std::string_view body;
};

Answer AnswerTo(AdminRoute route, bool ready) {
  switch (route) {
    // Liveness: answering at all proves the process is not wedged. It deliberately checks nothing
    // else — a restart would not fix GenAuth being down, and would drop the calls in flight.
    case AdminRoute::kHealthz:
      return {200, "ok\n"};
    // Readiness reflects only the sidecar itself (serving, not draining), never GenAuth's
    // reachability or a token: the sidecar is one container of the application's pod, so an
    // unready sidecar takes the whole pod out of its Services. If GenAuth being down flipped
    // readiness, every pod would drop out at once — including the application's endpoints that
    // never touch GenAuth — and callers would get connection errors instead of the sidecar's clear
    // UNAVAILABLE (TOKEN_UNAVAILABLE / UPSTREAM_UNREACHABLE), which they can retry. Upstream health
    // is in /metrics (token fetch failures, attempt outcomes) for alerting instead.
    case AdminRoute::kReadyz:
      return ready ? Answer{200, "ready\n"} : Answer{503, "not ready: starting or draining\n"};
    case AdminRoute::kMetrics:  // rendered elsewhere; never answered from here
    case AdminRoute::kNotFound:
      return {404, "not found: the admin endpoint serves /healthz, /readyz and /metrics\n"};
    case AdminRoute::kMethodNotAllowed:
      return {405, "method not allowed: only GET and HEAD\n"};
    case AdminRoute::kBodyNotAccepted:
      return {413, "request bodies are not accepted\n"};
    case AdminRoute::kHeadTooLarge:
      return {431, "request head too large\n"};
    case AdminRoute::kMalformed:
      return {400, "bad request\n"};
  }
  return {400, "bad request\n"};
}

}  // namespace

std::string ResponseHead(int status, std::string_view content_type, size_t content_length) {
  std::string head = "HTTP/1.1 " + std::to_string(status) + " ";
  head += common::HttpReasonPhrase(status);
  head += "\r\nContent-Type: ";
  head += content_type;
  head += "\r\nContent-Length: " + std::to_string(content_length);
  if (status == 405) head += "\r\nAllow: GET, HEAD";
  head += "\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n";
  return head;
}

std::string FixedResponse(AdminRoute route, bool ready, bool head_only) {
  const Answer answer = AnswerTo(route, ready);
  std::string response = ResponseHead(answer.status, kTextPlain, answer.body.size());
  if (!head_only) response += answer.body;
  return response;
}

}  // namespace genauth::admin
