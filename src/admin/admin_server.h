// The admin HTTP endpoint, for the platform rather than for callers (SIDECAR_ADMIN_LISTEN):
//   GET /metrics  Prometheus text format 0.0.4, rendered from the MetricsRegistry at each scrape
//   GET /healthz  200 "ok" while the process serves HTTP at all (liveness)
//   GET /readyz   200 "ready" while the sidecar accepts calls, 503 "draining" (or "starting")
//                 otherwise (readiness)
// Its own small HTTP server (cpp-httplib, a few threads), separate from the gRPC port so that a
// scraper or a probe never competes with calls. No request body is read and nothing is written.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "observability/metrics.h"

namespace httplib {
class Server;
}  // namespace httplib

namespace genauth::admin {

struct AdminServerOptions {
  // host:port with an IPv4 address, localhost or [IPv6]; port 0 picks a free one. Kubelet probes
  // come from outside the pod's loopback, so httpGet probes need the pod IP or 0.0.0.0.
  std::string listen_address = "127.0.0.1:9464";
};

class AdminServer {
 public:
  // Whether the sidecar is ready for calls. Called per /readyz request, from the admin server's
  // threads: it must be cheap and thread-safe.
  using ReadinessCheck = std::function<bool()>;

  // Binds and starts serving; an error (UNAVAILABLE: address in use or not allowed; or
  // INVALID_ARGUMENT: not host:port) when it cannot. `metrics` must outlive the server.
  static absl::StatusOr<std::unique_ptr<AdminServer>> Start(
      const AdminServerOptions& options, const observability::MetricsRegistry* metrics,
      ReadinessCheck ready);
  ~AdminServer();  // stops

  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  // The bound TCP port (useful with port 0).
  int port() const { return port_; }

  // Stops accepting and waits for requests in progress. Idempotent.
  void Stop();

 private:
  AdminServer(const observability::MetricsRegistry* metrics, ReadinessCheck ready);

  const observability::MetricsRegistry* const metrics_;
  const ReadinessCheck ready_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace genauth::admin
