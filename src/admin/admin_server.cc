// The admin HTTP endpoint (see admin_server.h).
#include "admin/admin_server.h"

#include <sys/socket.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <optional>
#include <string_view>
#include <utility>

#include "httplib.h"

namespace genauth::admin {
namespace {

// Scrapes and probes are a few requests every few seconds; more threads would only cost memory.
constexpr size_t kThreads = 4;

struct HostPort {
  std::string host;  // as getaddrinfo takes it: IPv6 without brackets
  int port = 0;
};

// "127.0.0.1:9464", "localhost:0", "[::1]:9464". Config has validated it; this only splits it.
std::optional<HostPort> SplitHostPort(std::string_view address) {
  const size_t colon = address.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  std::string_view host = address.substr(0, colon);
  std::string_view port = address.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  HostPort result{std::string(host), 0};
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), result.port);
  if (ec != std::errc() || end != port.data() + port.size() || result.port < 0 ||
      result.port > 65535) {
    return std::nullopt;
  }
  return result;
}

}  // namespace

AdminServer::AdminServer(const observability::MetricsRegistry* metrics, ReadinessCheck ready)
    : metrics_(metrics), ready_(std::move(ready)), server_(std::make_unique<httplib::Server>()) {}

AdminServer::~AdminServer() { Stop(); }

absl::StatusOr<std::unique_ptr<AdminServer>> AdminServer::Start(
    const AdminServerOptions& options, const observability::MetricsRegistry* metrics,
    ReadinessCheck ready) {
  std::optional<HostPort> address = SplitHostPort(options.listen_address);
  if (!address) {
    return absl::InvalidArgumentError("the admin listen address " + options.listen_address +
                                      " is not host:port");
  }
  std::unique_ptr<AdminServer> self(new AdminServer(metrics, std::move(ready)));
  httplib::Server& server = *self->server_;
  server.new_task_queue = [] { return new httplib::ThreadPool(kThreads); };
  // httplib's default also sets SO_REUSEPORT, which would let the admin port be shared silently
  // with another process (or with the gRPC port, which gRPC opens with SO_REUSEPORT).
  server.set_socket_options([](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  // One request per connection: httplib 0.11 keeps a thread in an idle keep-alive connection until
  // its timeout, which Stop would then wait for. Scrapers and probes reconnect cheaply.
  server.set_keep_alive_max_count(1);
  server.set_read_timeout(std::chrono::seconds(5));
  server.set_write_timeout(std::chrono::seconds(5));

  AdminServer* raw = self.get();
  server.Get("/metrics", [raw](const httplib::Request&, httplib::Response& res) {
    res.set_content(raw->metrics_->RenderPrometheus(), "text/plain; version=0.0.4; charset=utf-8");
  });
  // Liveness: answering at all proves the process is not wedged. It deliberately checks nothing
  // else — a restart would not fix GenAuth being down, and would drop the calls in flight.
  server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain; charset=utf-8");
  });
  // Readiness reflects only the sidecar itself (serving, not draining), never GenAuth's
  // reachability or a token: the sidecar is one container of the application's pod, so an unready
  // sidecar takes the whole pod out of its Services. If GenAuth being down flipped readiness, every
  // pod would drop out at once — including the application's endpoints that never touch GenAuth —
  // and callers would get connection errors instead of the sidecar's clear UNAVAILABLE
  // (TOKEN_UNAVAILABLE / UPSTREAM_UNREACHABLE), which they can retry. Upstream health is in
  // /metrics (token fetch failures, attempt outcomes) for alerting instead.
  server.Get("/readyz", [raw](const httplib::Request&, httplib::Response& res) {
    if (raw->ready_()) {
      res.set_content("ready\n", "text/plain; charset=utf-8");
    } else {
      res.status = 503;
      res.set_content("not ready: starting or draining\n", "text/plain; charset=utf-8");
    }
  });

  if (address->port == 0) {
    self->port_ = server.bind_to_any_port(address->host);
  } else if (server.bind_to_port(address->host, address->port)) {
    self->port_ = address->port;
  }
  if (self->port_ <= 0) {
    return absl::UnavailableError("could not listen on " + options.listen_address +
                                  " for the admin endpoint (address in use, or not allowed?)");
  }
  // Wait until the accept loop runs: a Stop before that would be lost (httplib 0.11's stop only
  // acts on a running server) and leave listen_after_bind running forever.
  auto listen_returned = std::make_shared<std::atomic<bool>>(false);
  self->thread_ = std::thread([raw, listen_returned] {
    raw->server_->listen_after_bind();
    listen_returned->store(true);
  });
  while (!server.is_running() && !listen_returned->load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (!server.is_running()) {
    return absl::UnavailableError("the admin endpoint on " + options.listen_address +
                                  " stopped as soon as it started");
  }
  return self;
}

void AdminServer::Stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace genauth::admin
