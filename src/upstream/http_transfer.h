// One HTTP exchange's state inside HttpTransport, and the C callbacks libcurl calls (defined in
// http_transfer.cc with the easy handle's set-up). Internal to the transport: http_transport.h is
// the interface.
#pragma once

#include <curl/curl.h>

#include <string>

#include "common/clock.h"
#include "common/event_loop.h"
#include "upstream/http_transport.h"

namespace genauth::upstream {

// One exchange. Owned by active_ while libcurl runs it, then by idle_ (its easy handle reused).
struct HttpTransport::Transfer {
  CURL* easy = nullptr;
  TransferId id = 0;
  HttpRequest request;
  std::string url;
  curl_slist* headers = nullptr;
  size_t body_offset = 0;     // next byte of request.body to hand to libcurl
  bool body_started = false;  // a body byte was handed out (see transfer_outcome.h)
  bool too_large = false;
  size_t max_reply_bytes = 0;
  HttpResponse response;
  Done done;
  common::TimePoint started;
  common::Duration timeout{};
  bool running = false;                   // handed to libcurl (else waiting in line)
  common::EventLoop::TimerId expiry = 0;  // while waiting: ends the wait at the timeout
  char error[CURL_ERROR_SIZE] = {};
};

// libcurl's C callbacks, with the exact signatures it calls them with. `self` is the transport,
// `user` the Transfer.
struct CurlCallbacks {
  static int Socket(CURL* easy, curl_socket_t fd, int what, void* self, void* socketp);
  static int Timer(CURLM* multi, long timeout_ms, void* self);  // NOLINT(runtime/int)
  static size_t Write(char* data, size_t size, size_t count, void* user);
  static size_t Read(char* buffer, size_t size, size_t count, void* user);
  // libcurl rewinds the body to send it again: on a reused connection that died, or an HTTP/2
  // stream it must restart. Once a byte has gone out GenAuth may have the whole request, so the
  // repeat is refused (the transfer fails with CURLE_SEND_FAIL_REWIND) and the retry policy, which
  // knows whether the call may be repeated, decides.
  static int Seek(void* user, curl_off_t offset, int origin);
  // Each new TLS context (GenAuth's, or an https:// proxy's) trusts the store built at Init.
  static CURLcode SslContext(CURL* easy, void* ssl_ctx, void* store);
  // Keeps the final response's Content-Type and Retry-After; refuses a Content-Length over the
  // reply limit before any of the body is read.
  static size_t Header(char* data, size_t size, size_t count, void* user);
};

}  // namespace genauth::upstream
