// HTTP/1.1 to one upstream host (GenAuth) over cpp-httplib, with kept-alive connections.
//
// It classifies every failure by what the upstream can have seen (nothing sent / sent without a
// reply / reply broken), because the retry policy needs exactly that. Each Send has a timeout that
// bounds the whole exchange: headers by the socket timeouts, a slow-trickling body by a progress
// check. Thread-safe: each Send borrows a connection from a small pool.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"

namespace httplib {
class Client;
}

namespace genauth::upstream {

struct HttpTransportOptions {
  std::string base_url;  // scheme://host[:port], no trailing slash
  std::string ca_file;   // TLS trust anchors; empty = the system CA bundle
  common::Duration connect_timeout = std::chrono::seconds(3);
  size_t max_reply_bytes = 4 * 1024 * 1024;  // larger replies are refused (memory bound)
  size_t max_idle_connections = 64;
};

struct HttpRequest {
  std::string method;  // "GET" or "POST"
  std::string target;  // path plus "?query" when any, already URL-encoded
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // sent with Content-Type: application/json when non-empty or POST
};

enum class TransportFailure {
  kNone,
  kNotSent,      // connection refused/failed, connect timeout, TLS handshake or verification
  kTimedOut,     // sent, no complete reply within the timeout
  kBrokenReply,  // sent, then the connection broke (reset, truncated body) or the write failed
  kTooLarge,     // the reply body exceeded max_reply_bytes
};

struct HttpResponse {
  int status = 0;
  std::string body;
  std::string content_type;
  std::string retry_after;  // the Retry-After header, empty when absent
};

struct HttpResult {
  TransportFailure failure = TransportFailure::kNone;
  std::string detail;  // what went wrong, in plain words (no secrets: never includes headers)
  HttpResponse response;
};

class HttpTransport {
 public:
  HttpTransport(HttpTransportOptions options, common::Clock* clock);
  ~HttpTransport();

  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;

  // One exchange, bounded by `timeout` from now.
  HttpResult Send(const HttpRequest& request, common::Duration timeout);

  const HttpTransportOptions& options() const { return options_; }

 private:
  std::unique_ptr<httplib::Client> Acquire();
  void Release(std::unique_ptr<httplib::Client> client);

  const HttpTransportOptions options_;
  common::Clock* const clock_;
  std::mutex mu_;
  std::vector<std::unique_ptr<httplib::Client>> idle_;
};

}  // namespace genauth::upstream
