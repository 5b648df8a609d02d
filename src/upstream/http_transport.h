// HTTP to one upstream host (GenAuth) over libcurl's multi interface, driven by an EventLoop: many
// exchanges in flight on one thread, HTTP/2 multiplexed when the host offers it (HTTP/1.1 with a
// bounded number of kept-alive connections otherwise), TLS verified against the system CA bundle
// plus an optional private CA, an optional HTTP(S) proxy.
//
// Every exchange is bounded by one timeout from start to last byte (DNS, connect, TLS, headers and
// body included), and every reply body by max_reply_bytes whatever its framing. Every failure is
// classified by what GenAuth can have seen (transfer_outcome.h), because the retry policy needs
// exactly that — which is also why libcurl is never allowed to send a request body twice: it would
// silently repeat a POST on a reused connection that died, and a trigger must never fire twice.
//
// Threading: Send and Cancel on the loop thread; SendAndWait from any other thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "common/clock.h"
#include "common/event_loop.h"

namespace genauth::upstream {

// Where the system's trusted CA certificates are: the one file a FROM-scratch image carries.
inline constexpr char kSystemCaBundle[] = "/etc/ssl/certs/ca-certificates.crt";

struct HttpTransportOptions {
  std::string base_url;  // scheme://host[:port], no trailing slash; IPv6 literals in brackets
  // A private CA's certificates (PEM), trusted in addition to the system bundle.
  std::string ca_file;
  // The system bundle (tests point it elsewhere); a missing file leaves only ca_file trusted.
  std::string system_ca_bundle = kSystemCaBundle;
  // scheme://[user:password@]host:port of an HTTP(S) proxy; empty = none. `no_proxy` lists hosts
  // (comma-separated, curl's syntax) reached without it.
  std::string proxy;
  std::string no_proxy;
  common::Duration connect_timeout = std::chrono::seconds(3);
  size_t max_reply_bytes = 4 * 1024 * 1024;  // larger replies are refused (memory bound)
  // Connections to GenAuth at most. Over HTTP/1.1 this is also the number of exchanges in flight;
  // more wait in the transport's line (within their timeouts), never inside libcurl.
  int max_connections = 64;
  // Once GenAuth has answered over HTTP/2: connections at most, each carrying up to 100 streams.
  // The default carries the default SIDECAR_MAX_IN_FLIGHT_CALLS (4096) without waiting in line.
  int max_h2_connections = 48;
  // A kept-alive connection idle this long is not reused (closed): servers and proxies close idle
  // connections, and a request sent on one just as it closes cannot be retried safely.
  common::Duration max_idle_connection_age = std::chrono::seconds(30);
};

struct HttpRequest {
  std::string method;  // "GET" or "POST"
  std::string target;  // path plus "?query" when any, already URL-encoded
  std::vector<std::pair<std::string, std::string>> headers;
  // Sent with Content-Type: application/json for POST; shared so that a retry sends the same
  // bytes without another copy of a large body. Null for none.
  std::shared_ptr<const std::string> body;
};

enum class TransportFailure {
  kNone,
  kNotSent,      // nothing reached GenAuth: connect, DNS, proxy, TLS handshake or verification
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
  std::string http_version;  // "1.1" or "2" when a reply came
};

class HttpTransport {
 public:
  using Done = std::function<void(HttpResult)>;
  using TransferId = uint64_t;

  // `loop` runs the exchanges; `loop` and `clock` must outlive the transport. Destroy it after the
  // loop has stopped (or on the loop thread).
  HttpTransport(HttpTransportOptions options, common::EventLoop* loop, common::Clock* clock);
  ~HttpTransport();

  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;

  // Creates the multi handle and reads the CA files. Errors name the file or setting at fault.
  absl::Status Init();

  // Loop thread: starts one exchange bounded by `timeout` from now. `done` runs later on the loop
  // thread, exactly once, unless Cancel comes first. When every connection (or HTTP/2 stream) is
  // busy the exchange waits in line, `priority` ones first, within the same timeout; one still
  // waiting then ends as kNotSent.
  TransferId Send(HttpRequest request, common::Duration timeout, Done done, bool priority = false);
  // Loop thread: aborts an exchange (its connection is closed, or its HTTP/2 stream reset) without
  // calling its `done`. Nothing happens for one that has finished.
  void Cancel(TransferId id);

  // Any thread but the loop's: one exchange, waiting for its result (a few token fetches a day).
  HttpResult SendAndWait(HttpRequest request, common::Duration timeout);

  // Exchanges started and not finished, waiting ones included (loop thread; read by a gauge).
  size_t in_flight() const { return in_flight_.load(std::memory_order_relaxed); }
  const HttpTransportOptions& options() const { return options_; }

  struct Transfer;  // one exchange's state (http_transfer.h)

 private:
  friend struct CurlCallbacks;  // libcurl's C callbacks (http_transfer.h)

  void OnSocketEvent(int fd, uint32_t events);
  void OnCurlTimer();
  void CollectFinished();
  void Finish(Transfer* transfer, int code);
  size_t Capacity() const;
  size_t H2Connections() const;
  void StartTransfer(Transfer* transfer);
  void StartWaiting();
  void FinishUnstarted(Transfer* transfer);
  void Recycle(std::unique_ptr<Transfer> transfer);
  std::unique_ptr<Transfer> NewTransfer();

  const HttpTransportOptions options_;
  common::EventLoop* const loop_;
  common::Clock* const clock_;
  void* multi_ = nullptr;  // CURLM*
  void* share_ = nullptr;  // CURLSH*: TLS sessions and DNS answers, shared by every transfer
  // The trusted certificates (system bundle + ca_file), parsed once and handed to every TLS
  // connection: parsing the bundle per connection cost ~1 MB and a millisecond or more each.
  void* trust_store_ = nullptr;  // X509_STORE*
  common::EventLoop::TimerId curl_timer_ = 0;
  bool curl_timer_armed_ = false;
  TransferId next_id_ = 1;
  std::unordered_map<TransferId, std::unique_ptr<Transfer>> active_;
  std::vector<std::unique_ptr<Transfer>> idle_;  // easy handles kept for reuse
  std::deque<TransferId> waiting_;  // not started yet, in order (cancelled ones skipped)
  size_t running_ = 0;              // handed to libcurl
  bool http2_ = false;              // GenAuth has answered over HTTP/2
  std::atomic<size_t> in_flight_{0};
};

}  // namespace genauth::upstream
