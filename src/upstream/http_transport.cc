// cpp-httplib transport with failure classification (see http_transport.h).
#include "upstream/http_transport.h"

#include <httplib.h>

#include <algorithm>
#include <csignal>
#include <mutex>

#include "common/duration.h"

namespace genauth::upstream {
namespace {

// httplib takes timeouts as (seconds, microseconds); a zero would mean "no timeout" to the OS.
void SetTimeouts(httplib::Client& client, common::Duration connect, common::Duration io) {
  auto to_parts = [](common::Duration d) {
    auto us =
        std::max<int64_t>(std::chrono::duration_cast<std::chrono::microseconds>(d).count(), 1000);
    return std::pair<time_t, time_t>(static_cast<time_t>(us / 1000000),
                                     static_cast<time_t>(us % 1000000));
  };
  auto [cs, cus] = to_parts(connect);
  auto [is, ius] = to_parts(io);
  client.set_connection_timeout(cs, cus);
  client.set_read_timeout(is, ius);
  client.set_write_timeout(is, ius);
}

}  // namespace

HttpTransport::HttpTransport(HttpTransportOptions options, common::Clock* clock)
    : options_(std::move(options)), clock_(clock) {
  // OpenSSL writes to the socket without MSG_NOSIGNAL, so sending on a kept-alive TLS connection
  // that GenAuth (or a proxy) has just closed raises SIGPIPE, whose default action kills the
  // whole sidecar: `make bench` saw it die with status 141 within seconds at 100 calls/s against
  // an HTTPS upstream that closes idle connections. Ignored, the write fails with EPIPE and
  // httplib reports a write error, which is classified below like any broken connection.
  static std::once_flag ignore_sigpipe;
  std::call_once(ignore_sigpipe, [] { std::signal(SIGPIPE, SIG_IGN); });
}

HttpTransport::~HttpTransport() = default;

std::unique_ptr<httplib::Client> HttpTransport::Acquire() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      auto client = std::move(idle_.back());
      idle_.pop_back();
      return client;
    }
  }
  auto client = std::make_unique<httplib::Client>(options_.base_url);
  client->set_keep_alive(true);
  client->set_tcp_nodelay(true);
  client->set_follow_location(false);
  client->enable_server_certificate_verification(true);
  if (!options_.ca_file.empty()) client->set_ca_cert_path(options_.ca_file);
  return client;
}

void HttpTransport::Release(std::unique_ptr<httplib::Client> client) {
  std::lock_guard<std::mutex> lock(mu_);
  if (idle_.size() < options_.max_idle_connections) idle_.push_back(std::move(client));
}

HttpResult HttpTransport::Send(const HttpRequest& request, common::Duration timeout) {
  HttpResult result;
  const common::TimePoint start = clock_->Now();
  const common::TimePoint deadline = start + timeout;
  auto client = Acquire();
  SetTimeouts(*client, std::min(options_.connect_timeout, timeout), timeout);

  httplib::Request req;
  req.method = request.method;
  req.path = request.target;
  for (const auto& [name, value] : request.headers) req.set_header(name, value);
  if (request.method != "GET") {
    req.body = request.body;
    req.set_header("Content-Type", "application/json");
  }
  bool too_large = false;
  bool past_deadline = false;
  // Called as body bytes arrive: bounds a slow trickle by the deadline and the body by size.
  req.progress = [&](uint64_t current, uint64_t /*total*/) {
    if (current > options_.max_reply_bytes) {
      too_large = true;
      return false;
    }
    if (clock_->Now() >= deadline) {
      past_deadline = true;
      return false;
    }
    return true;
  };

  httplib::Response res;
  httplib::Error error = httplib::Error::Success;
  bool ok = client->send(req, res, error);
  const common::Duration elapsed = clock_->Now() - start;

  if (ok) {
    result.response.status = res.status;
    result.response.body = std::move(res.body);
    result.response.content_type = res.get_header_value("Content-Type");
    result.response.retry_after = res.get_header_value("Retry-After");
    if (result.response.body.size() > options_.max_reply_bytes) {
      result.failure = TransportFailure::kTooLarge;
      result.detail =
          "GenAuth's reply is larger than " + std::to_string(options_.max_reply_bytes) + " bytes";
      return result;
    }
    Release(std::move(client));
    return result;
  }

  // A failed exchange leaves the connection in an unknown state: it is not returned to the pool.
  const std::string after = " after " + common::FormatDuration(elapsed);
  switch (error) {
    case httplib::Error::Connection:
    case httplib::Error::ConnectionTimeout:
    case httplib::Error::BindIPAddress:
      result.failure = TransportFailure::kNotSent;
      result.detail =
          "could not connect to " + options_.base_url +
          (error == httplib::Error::ConnectionTimeout ? " (connect timed out"
                                                      : " (connection refused or failed") +
          after + ")";
      break;
    case httplib::Error::SSLConnection:
      result.failure = TransportFailure::kNotSent;
      result.detail = "TLS handshake with " + options_.base_url + " failed";
      break;
    case httplib::Error::SSLServerVerification:
      result.failure = TransportFailure::kNotSent;
      result.detail = "TLS certificate of " + options_.base_url +
                      " could not be verified (set GENAUTH_CA_FILE for a private CA)";
      break;
    case httplib::Error::SSLLoadingCerts:
      result.failure = TransportFailure::kNotSent;
      result.detail = "could not load the TLS CA certificates";
      break;
    case httplib::Error::Canceled:
      if (too_large) {
        result.failure = TransportFailure::kTooLarge;
        result.detail =
            "GenAuth's reply is larger than " + std::to_string(options_.max_reply_bytes) + " bytes";
      } else {
        result.failure = TransportFailure::kTimedOut;
        result.detail =
            "GenAuth's reply did not complete within " + common::FormatDuration(timeout);
      }
      break;
    case httplib::Error::Read:
      // httplib reports both a read timeout and a reset as a read error; the elapsed time tells.
      if (past_deadline || elapsed + std::chrono::milliseconds(5) >= timeout) {
        result.failure = TransportFailure::kTimedOut;
        result.detail = "GenAuth did not answer within " + common::FormatDuration(timeout);
      } else {
        result.failure = TransportFailure::kBrokenReply;
        result.detail = "the connection to GenAuth broke while reading the reply" + after;
      }
      break;
    case httplib::Error::Write:
      result.failure = TransportFailure::kBrokenReply;
      result.detail = "the connection to GenAuth broke while sending the request" + after;
      break;
    default:
      result.failure = TransportFailure::kBrokenReply;
      result.detail =
          "HTTP exchange with GenAuth failed (" + httplib::to_string(error) + after + ")";
      break;
  }
  return result;
}

}  // namespace genauth::upstream
