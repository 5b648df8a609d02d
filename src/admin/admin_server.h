// The admin HTTP endpoint, for the platform rather than for callers (SIDECAR_ADMIN_LISTEN):
//   GET /metrics  Prometheus text format 0.0.4, rendered from the MetricsRegistry at each scrape
//   GET /healthz  200 "ok" while the process serves HTTP at all (liveness)
//   GET /readyz   200 "ready" while the sidecar accepts calls, 503 "not ready" (starting or
//                 draining) otherwise (readiness)
// HEAD is served too; any other method is answered 405, a request announcing a body 413 — from its
// head, without reading the body (admin_request.h).
//
// Why its own small server rather than cpp-httplib (which it used to be): httplib 0.11 reads a
// request's whole body into memory before any handler runs (a 256 MB POST costs 256 MB of RSS),
// its read timeout is per recv() rather than per request (a client trickling one byte a second
// holds a thread for ever), and it serves each connection on a pool thread with an unbounded queue
// (32 slow clients made /healthz wait). Its pre-routing handler does run before the body, but it
// cannot bound connections, time the head as a whole or decide how a connection is closed. Here
// one epoll thread (common::EventLoop) owns every connection, never blocks, and enforces:
//   - a deadline on the whole request head from accept (head_timeout), however slowly it trickles,
//     then one on writing the answer (write_timeout), then a short bounded linger;
//   - at most max_connections open connections: at the limit a new connection evicts the oldest
//     one still sending its head (then a lingering one, then the oldest other), so a prompt probe
//     always gets in, and each connection holds at most kMaxRequestHeadBytes of input;
//   - /healthz and /readyz answered on the loop at once; /metrics rendered on a thread of its own,
//     one render at a time shared by every scrape waiting for it, so neither a slow client nor a
//     scrape (nor a flood of them) delays a probe.
// Each refusal and dropped connection is counted (genauth_admin_requests_total{route},
// genauth_admin_connections_dropped_total{reason}); nothing is logged per connection, since whoever
// reaches the port could otherwise flood the log.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "admin/admin_request.h"
#include "common/event_loop.h"
#include "observability/metrics.h"

namespace genauth::admin {

struct AdminServerOptions {
  // host:port with an IPv4 address, localhost or [IPv6]; port 0 picks a free one. Kubelet probes
  // come from outside the pod's loopback, so httpGet probes need the pod IP or 0.0.0.0.
  std::string listen_address = "127.0.0.1:9464";
  // Open connections at most (each holds at most 8 KiB of request head).
  size_t max_connections = 64;
  // From accept to the end of the request head, whatever the pace of its bytes. Probes and
  // scrapers send their head in one segment; the kubelet's probe timeout is 1 s by default.
  common::Duration head_timeout = std::chrono::seconds(3);
  // From the end of the head to the last byte of the answer written (a /metrics render included).
  common::Duration write_timeout = std::chrono::seconds(5);
  // After the answer, unread input is discarded for this long (and at most 256 KiB) before the
  // close, so that closing with unread bytes (which sends a reset) does not destroy the answer
  // before a client that is still sending a refused body has read it.
  common::Duration linger_timeout = std::chrono::milliseconds(500);
};

class AdminServer {
 public:
  // Whether the sidecar is ready for calls. Called per /readyz request, from the server's loop
  // thread: it must be cheap, non-blocking and thread-safe.
  using ReadinessCheck = std::function<bool()>;

  // Binds and starts serving; an error (UNAVAILABLE: address in use or not allowed; or
  // INVALID_ARGUMENT: not host:port) when it cannot. `metrics` must outlive the server; the
  // server registers its own counters in it.
  static absl::StatusOr<std::unique_ptr<AdminServer>> Start(const AdminServerOptions& options,
                                                            observability::MetricsRegistry* metrics,
                                                            ReadinessCheck ready);
  ~AdminServer();  // stops

  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  // The bound TCP port (useful with port 0).
  int port() const { return port_; }

  // Stops accepting and closes every connection (answers are a few hundred bytes and deadlines
  // bound each connection, so there is nothing worth waiting for). Idempotent; not from the loop.
  void Stop();

 private:
  enum class Phase {
    kHead,     // reading the request head
    kMetrics,  // waiting for a /metrics render
    kWrite,    // writing the answer
    kLinger,   // answer written and our side shut down; discarding input until the peer closes
  };
  enum class DropReason { kHeadTimeout, kWriteTimeout, kEvicted, kAcceptError, kCount };

  struct Connection {
    int fd = -1;
    Phase phase = Phase::kHead;
    std::string head;                         // bytes read so far, at most kMaxRequestHeadBytes
    std::string out;                          // the answer's head (and fixed body)
    std::shared_ptr<const std::string> body;  // the /metrics text, shared by coalesced scrapes
    size_t sent = 0;                          // bytes of out, then of body, written
    size_t discarded = 0;                     // bytes read and dropped while lingering
    common::EventLoop::TimerId deadline = 0;  // 0: none armed
  };
  using ConnectionId = uint64_t;  // in accept order: lower is older

  AdminServer(const AdminServerOptions& options, observability::MetricsRegistry* metrics,
              ReadinessCheck ready);

  // --- loop thread only ---
  void OnListenerReady();
  void Admit(int fd);
  bool EvictOne();
  void OnConnectionEvent(ConnectionId id, uint32_t events);
  void ReadHead(ConnectionId id);
  void Answer(ConnectionId id, const AdminRequest& request);
  void RequestMetrics(ConnectionId id, bool head_only);
  void MaybeStartRender();
  void OnRendered(const std::shared_ptr<const std::string>& text);
  void StartWrite(ConnectionId id);
  void WriteSome(ConnectionId id);
  void Discard(ConnectionId id);
  // Replaces the connection's deadline; when it passes, the connection is closed (and counted
  // under `reason` unless kCount).
  void ArmDeadline(ConnectionId id, common::Duration after, DropReason reason);
  // Sets the events the loop waits for; false (and the connection closed) when epoll refuses.
  bool Watch(ConnectionId id, uint32_t events);
  void Close(ConnectionId id);
  void Drop(ConnectionId id, DropReason reason);

  const AdminServerOptions options_;
  observability::MetricsRegistry* const metrics_;
  const ReadinessCheck ready_;
  common::EventLoop loop_;         // every socket
  common::EventLoop render_loop_;  // RenderPrometheus, off the loop that answers probes
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopped_{false};

  // Loop thread only.
  std::map<ConnectionId, Connection> connections_;
  ConnectionId next_id_ = 1;
  std::vector<std::pair<ConnectionId, bool>> metrics_waiting_;    // (id, HEAD), for the next render
  std::vector<std::pair<ConnectionId, bool>> metrics_rendering_;  // covered by the render running
  bool render_in_flight_ = false;

  // Counters, registered at start so every series exists from the first scrape.
  std::array<observability::Counter*, 8> requests_{};  // by AdminRoute
  std::array<observability::Counter*, static_cast<size_t>(DropReason::kCount)> dropped_{};
};

}  // namespace genauth::admin
