// One transfer's libcurl side (see http_transfer.h): the easy handle's fixed options, and the C
// callbacks through which libcurl reports sockets, timers, headers and body bytes.
#include "upstream/http_transfer.h"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <sys/epoll.h>

#include <algorithm>
#include <cctype>
#include <string_view>

#include "common/ascii_case.h"

namespace genauth::upstream {

int CurlCallbacks::Socket(CURL* /*easy*/, curl_socket_t fd, int what, void* self,
                          void* /*socketp*/) {
  auto* transport = static_cast<HttpTransport*>(self);
  if (what == CURL_POLL_REMOVE) {
    transport->loop_->UnwatchFd(fd);
    return 0;
  }
  uint32_t events = 0;
  if ((what & CURL_POLL_IN) != 0) events |= EPOLLIN;
  if ((what & CURL_POLL_OUT) != 0) events |= EPOLLOUT;
  // Failure (never seen: the fd is one libcurl just opened) leaves the transfer to its timeout.
  (void)transport->loop_->WatchFd(
      fd, events, [transport, fd](uint32_t ready) { transport->OnSocketEvent(fd, ready); });
  return 0;
}

int CurlCallbacks::Timer(CURLM* /*multi*/, long timeout_ms, void* self) {  // NOLINT(runtime/int)
  auto* transport = static_cast<HttpTransport*>(self);
  if (transport->curl_timer_armed_) {
    transport->loop_->CancelTimer(transport->curl_timer_);
    transport->curl_timer_armed_ = false;
  }
  if (timeout_ms < 0) return 0;
  // Never call libcurl from inside its own callback: the loop runs the timer on its next turn.
  transport->curl_timer_ = transport->loop_->AddTimer(
      transport->clock_->Now() + std::chrono::milliseconds(timeout_ms), [transport] {
        transport->curl_timer_armed_ = false;
        transport->OnCurlTimer();
      });
  transport->curl_timer_armed_ = true;
  return 0;
}

size_t CurlCallbacks::Write(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<HttpTransport::Transfer*>(user);
  const size_t bytes = size * count;
  if (t->response.body.size() + bytes > t->max_reply_bytes) {
    t->too_large = true;
    return 0;  // libcurl ends the transfer with CURLE_WRITE_ERROR
  }
  t->response.body.append(data, bytes);
  return bytes;
}

size_t CurlCallbacks::Read(char* buffer, size_t size, size_t count, void* user) {
  auto* t = static_cast<HttpTransport::Transfer*>(user);
  static const std::string kEmpty;
  const std::string& body = t->request.body ? *t->request.body : kEmpty;
  const size_t n = std::min(size * count, body.size() - t->body_offset);
  std::copy_n(body.data() + t->body_offset, n, buffer);
  t->body_offset += n;
  if (n > 0) t->body_started = true;
  return n;
}

int CurlCallbacks::Seek(void* user, curl_off_t offset, int origin) {
  auto* t = static_cast<HttpTransport::Transfer*>(user);
  if (t->body_started || origin != SEEK_SET || offset != 0) return CURL_SEEKFUNC_FAIL;
  t->body_offset = 0;
  return CURL_SEEKFUNC_OK;
}

CURLcode CurlCallbacks::SslContext(CURL* /*easy*/, void* ssl_ctx, void* store) {
  SSL_CTX_set1_cert_store(static_cast<SSL_CTX*>(ssl_ctx), static_cast<X509_STORE*>(store));
  return CURLE_OK;
}

size_t CurlCallbacks::Header(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<HttpTransport::Transfer*>(user);
  const size_t bytes = size * count;
  std::string_view line(data, bytes);
  if (line.rfind("HTTP/", 0) == 0) {
    // A new response (after a 100 Continue): only the final one's headers count.
    t->response.content_type.clear();
    t->response.retry_after.clear();
    return bytes;
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return bytes;
  const std::string name = common::AsciiLower(line.substr(0, colon));
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back())) != 0) {
    value.remove_suffix(1);
  }
  if (name == "content-type") {
    t->response.content_type = std::string(value);
  } else if (name == "retry-after") {
    t->response.retry_after = std::string(value);
  } else if (name == "content-length") {
    // Refused before any of the body is read. (libcurl itself rejects a malformed length.)
    uint64_t length = 0;
    bool digits = !value.empty() && value.size() <= 18;
    for (char c : value) {
      if (c < '0' || c > '9') digits = false;
      if (digits) length = length * 10 + static_cast<uint64_t>(c - '0');
    }
    if (digits && length > t->max_reply_bytes) {
      t->too_large = true;
      return 0;
    }
  }
  return bytes;
}

std::unique_ptr<HttpTransport::Transfer> HttpTransport::NewTransfer() {
  if (!idle_.empty()) {
    auto transfer = std::move(idle_.back());
    idle_.pop_back();
    return transfer;
  }
  auto t = std::make_unique<Transfer>();
  t->easy = curl_easy_init();
  CURL* e = t->easy;
  // Options that never change for this upstream, set once per easy handle.
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);  // share the first HTTP/2 connection, not open many
  curl_easy_setopt(e, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));  // NOLINT
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(e, CURLOPT_PROXY_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(e, CURLOPT_PROXY_SSL_VERIFYHOST, 2L);
  // No CA file or directory for libcurl to parse per connection: the store built at Init is
  // installed into each TLS context instead.
  curl_easy_setopt(e, CURLOPT_CAINFO, nullptr);
  curl_easy_setopt(e, CURLOPT_CAPATH, nullptr);
  curl_easy_setopt(e, CURLOPT_PROXY_CAINFO, nullptr);
  curl_easy_setopt(e, CURLOPT_PROXY_CAPATH, nullptr);
  curl_easy_setopt(e, CURLOPT_SSL_CTX_FUNCTION, &CurlCallbacks::SslContext);
  curl_easy_setopt(e, CURLOPT_SSL_CTX_DATA, trust_store_);
  curl_easy_setopt(e, CURLOPT_SHARE, share_);
  // Set always: an empty proxy also keeps libcurl from reading proxies from the environment on its
  // own (the configuration reads them, so that the start-up log can say which is used).
  curl_easy_setopt(e, CURLOPT_PROXY, options_.proxy.c_str());
  curl_easy_setopt(e, CURLOPT_NOPROXY, options_.no_proxy.c_str());
  curl_easy_setopt(e, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
  // Every running transfer holds these buffers: the smallest upload buffer libcurl allows (its
  // default is 64 KiB) keeps thousands in flight within the memory limit.
  curl_easy_setopt(e, CURLOPT_UPLOAD_BUFFERSIZE, 16L * 1024);
  curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 8L * 1024);  // replies are small JSON envelopes
  curl_easy_setopt(
      e, CURLOPT_MAXAGE_CONN,
      static_cast<long>(std::max<int64_t>(  // NOLINT(runtime/int)
          1, std::chrono::duration_cast<std::chrono::seconds>(options_.max_idle_connection_age)
                 .count())));
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &CurlCallbacks::Write);
  curl_easy_setopt(e, CURLOPT_READFUNCTION, &CurlCallbacks::Read);
  curl_easy_setopt(e, CURLOPT_SEEKFUNCTION, &CurlCallbacks::Seek);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &CurlCallbacks::Header);
  Transfer* raw = t.get();
  curl_easy_setopt(e, CURLOPT_WRITEDATA, raw);
  curl_easy_setopt(e, CURLOPT_READDATA, raw);
  curl_easy_setopt(e, CURLOPT_SEEKDATA, raw);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, raw);
  curl_easy_setopt(e, CURLOPT_PRIVATE, raw);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, raw->error);
  return t;
}

}  // namespace genauth::upstream
