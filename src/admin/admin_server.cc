// The admin HTTP endpoint (see admin_server.h): one epoll loop moving bytes; the rules about what
// to answer are in admin_request.cc and admin_response.cc.
#include "admin/admin_server.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <future>
#include <utility>

#include "admin/admin_response.h"
#include "admin/listen_socket.h"
#include "common/clock.h"

namespace genauth::admin {
namespace {

// Input discarded while lingering, at most: past it the peer is sending a body it was told we
// refuse, and the close (with its reset) comes at once.
constexpr size_t kMaxLingerBytes = 256 * 1024;
// How long accepting pauses when the process is out of descriptors: the listener stays readable,
// so retrying at once would spin.
constexpr auto kAcceptPause = std::chrono::milliseconds(100);

constexpr std::array<AdminRoute, 8> kRoutes = {
    AdminRoute::kHealthz,      AdminRoute::kReadyz,           AdminRoute::kMetrics,
    AdminRoute::kNotFound,     AdminRoute::kMethodNotAllowed, AdminRoute::kBodyNotAccepted,
    AdminRoute::kHeadTooLarge, AdminRoute::kMalformed};

const char* DropReasonName(size_t reason) {
  static constexpr const char* kNames[] = {"head_timeout", "write_timeout", "evicted",
                                           "accept_error"};
  return kNames[reason];
}

}  // namespace

AdminServer::AdminServer(const AdminServerOptions& options, observability::MetricsRegistry* metrics,
                         ReadinessCheck ready)
    : options_(options),
      metrics_(metrics),
      ready_(std::move(ready)),
      loop_(common::SystemClock::Get()),
      render_loop_(common::SystemClock::Get()) {
  for (AdminRoute route : kRoutes) {
    requests_[static_cast<size_t>(route)] = metrics_->GetCounter(
        "genauth_admin_requests_total", {{"route", std::string(RouteName(route))}},
        "Requests the admin endpoint answered, by route (refusals: not_found, method_not_allowed, "
        "body_not_accepted, head_too_large, malformed)");
  }
  for (size_t reason = 0; reason < dropped_.size(); ++reason) {
    dropped_[reason] = metrics_->GetCounter(
        "genauth_admin_connections_dropped_total", {{"reason", DropReasonName(reason)}},
        "Admin connections closed without an answer: head or write deadline passed, evicted at "
        "the connection limit, or accept failed");
  }
}

AdminServer::~AdminServer() { Stop(); }

absl::StatusOr<std::unique_ptr<AdminServer>> AdminServer::Start(
    const AdminServerOptions& options, observability::MetricsRegistry* metrics,
    ReadinessCheck ready) {
  absl::StatusOr<ListenSocket> listener = ListenTcp(options.listen_address);
  if (!listener.ok()) return listener.status();
  std::unique_ptr<AdminServer> self(new AdminServer(options, metrics, std::move(ready)));
  self->listen_fd_ = listener->fd;
  self->port_ = listener->port;
  for (auto [loop, name] : {std::pair{&self->loop_, "genauth-admin"},
                            std::pair{&self->render_loop_, "genauth-metrics"}}) {
    if (absl::Status started = loop->Start(name); !started.ok()) return started;
  }
  // Watches are loop-thread work; wait for this one so that a failure is a start-up error.
  std::promise<absl::Status> watching;
  AdminServer* raw = self.get();
  raw->loop_.Post([raw, &watching] {
    watching.set_value(
        raw->loop_.WatchFd(raw->listen_fd_, EPOLLIN, [raw](uint32_t) { raw->OnListenerReady(); }));
  });
  if (absl::Status watched = watching.get_future().get(); !watched.ok()) return watched;
  return self;
}

void AdminServer::Stop() {
  if (stopped_.exchange(true)) return;
  // The loop first: once it has joined, nothing else touches the connections or posts renders.
  loop_.Stop();
  render_loop_.Stop();
  for (auto& [id, connection] : connections_) close(connection.fd);
  connections_.clear();
  if (listen_fd_ >= 0) close(listen_fd_);
  listen_fd_ = -1;
}

void AdminServer::OnListenerReady() {
  // Bounded per turn so that a connection flood cannot keep the loop from the connections it has.
  for (size_t i = 0; i < options_.max_connections; ++i) {
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      Admit(fd);
      continue;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) return;
    if (errno == EINTR || errno == ECONNABORTED) continue;
    // EMFILE, ENFILE, ENOBUFS...: the pending connection stays queued; pause rather than spin.
    dropped_[static_cast<size_t>(DropReason::kAcceptError)]->Increment();
    loop_.UnwatchFd(listen_fd_);
    loop_.AddTimer(common::SystemClock::Get()->Now() + kAcceptPause, [this] {
      [[maybe_unused]] absl::Status watched =
          loop_.WatchFd(listen_fd_, EPOLLIN, [this](uint32_t) { OnListenerReady(); });
    });
    return;
  }
}

void AdminServer::Admit(int fd) {
  if (connections_.size() >= options_.max_connections && !EvictOne()) {
    close(fd);
    return;
  }
  const ConnectionId id = next_id_++;
  connections_[id].fd = fd;
  if (!Watch(id, EPOLLIN)) return;
  ArmDeadline(id, options_.head_timeout, DropReason::kHeadTimeout);
  // A probe's request is usually in the socket already: answering it in this turn leaves no
  // window in which later connections could evict it.
  ReadHead(id);
}

bool AdminServer::EvictOne() {
  // Oldest first within each class: clients still sending their head (slow or idle), then ones
  // lingering after their answer, then any.
  for (Phase wanted : {Phase::kHead, Phase::kLinger}) {
    for (const auto& [id, connection] : connections_) {
      if (connection.phase == wanted) {
        Drop(id, DropReason::kEvicted);
        return true;
      }
    }
  }
  if (connections_.empty()) return false;
  Drop(connections_.begin()->first, DropReason::kEvicted);
  return true;
}

void AdminServer::OnConnectionEvent(ConnectionId id, uint32_t events) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  switch (it->second.phase) {
    case Phase::kHead:
      ReadHead(id);
      return;
    case Phase::kWrite:
      WriteSome(id);
      return;
    case Phase::kLinger:
      Discard(id);
      return;
    case Phase::kMetrics:
      // Not watching input while the render runs (a client's extra bytes would wake the loop for
      // nothing); an error or hang-up still shows here.
      if ((events & (EPOLLERR | EPOLLHUP)) != 0) Close(id);
      return;
  }
}

void AdminServer::ReadHead(ConnectionId id) {
  Connection& c = connections_.at(id);
  char buffer[4096];
  for (;;) {
    const size_t room = kMaxRequestHeadBytes - c.head.size();
    if (room == 0) {
      Answer(id, {AdminRoute::kHeadTooLarge, false});
      return;
    }
    const ssize_t got = recv(c.fd, buffer, std::min(room, sizeof(buffer)), 0);
    if (got > 0) {
      // Only the new bytes (and the three before them) can complete the blank line.
      const size_t from = c.head.size() < 3 ? 0 : c.head.size() - 3;
      c.head.append(buffer, static_cast<size_t>(got));
      const size_t end = FindEndOfHead(std::string_view(c.head).substr(from));
      if (end != std::string_view::npos) {
        // Bytes past the head (a body sent without waiting) are left unread.
        Answer(id, RouteRequest(std::string_view(c.head).substr(0, from + end)));
        return;
      }
      continue;
    }
    if (got < 0 && errno == EINTR) continue;
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    Close(id);  // the peer left (or the socket failed) before its request was complete
    return;
  }
}

void AdminServer::Answer(ConnectionId id, const AdminRequest& request) {
  requests_[static_cast<size_t>(request.route)]->Increment();
  Connection& c = connections_.at(id);
  c.head = std::string();  // done with it: free the buffer
  if (request.route == AdminRoute::kMetrics) {
    RequestMetrics(id, request.head_only);
    return;
  }
  const bool ready = request.route == AdminRoute::kReadyz ? ready_() : true;
  c.out = FixedResponse(request.route, ready, request.head_only);
  StartWrite(id);
}

void AdminServer::RequestMetrics(ConnectionId id, bool head_only) {
  Connection& c = connections_.at(id);
  c.phase = Phase::kMetrics;
  if (!Watch(id, 0)) return;
  ArmDeadline(id, options_.write_timeout, DropReason::kWriteTimeout);
  metrics_waiting_.emplace_back(id, head_only);
  MaybeStartRender();
}

void AdminServer::MaybeStartRender() {
  if (render_in_flight_ || metrics_waiting_.empty()) return;
  // Every scrape waiting now shares this render, which starts after each of them arrived; scrapes
  // arriving meanwhile wait for the next one. At most one render runs and one is pending, however
  // many scrapes come.
  render_in_flight_ = true;
  metrics_rendering_.swap(metrics_waiting_);
  metrics_waiting_.clear();
  render_loop_.Post([this] {
    auto text = std::make_shared<const std::string>(metrics_->RenderPrometheus());
    // Dropped when the server is stopping: nobody is waiting any more.
    loop_.Post([this, text = std::move(text)] { OnRendered(text); });
  });
}

void AdminServer::OnRendered(const std::shared_ptr<const std::string>& text) {
  render_in_flight_ = false;
  for (const auto& [id, head_only] : metrics_rendering_) {
    auto it = connections_.find(id);
    // Gone meanwhile: closed by its deadline or evicted.
    if (it == connections_.end() || it->second.phase != Phase::kMetrics) continue;
    it->second.out = ResponseHead(200, kMetricsContentType, text->size());
    if (!head_only) it->second.body = text;
    StartWrite(id);
  }
  metrics_rendering_.clear();
  MaybeStartRender();
}

void AdminServer::StartWrite(ConnectionId id) {
  Connection& c = connections_.at(id);
  if (c.phase != Phase::kMetrics) {
    ArmDeadline(id, options_.write_timeout, DropReason::kWriteTimeout);
  }
  c.phase = Phase::kWrite;
  c.sent = 0;
  WriteSome(id);
}

void AdminServer::WriteSome(ConnectionId id) {
  Connection& c = connections_.at(id);
  const size_t total = c.out.size() + (c.body ? c.body->size() : 0);
  while (c.sent < total) {
    const std::string& part = c.sent < c.out.size() ? c.out : *c.body;
    const size_t offset = c.sent < c.out.size() ? c.sent : c.sent - c.out.size();
    const ssize_t n = send(c.fd, part.data() + offset, part.size() - offset, MSG_NOSIGNAL);
    if (n > 0) {
      c.sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      Watch(id, EPOLLOUT);
      return;
    }
    Close(id);
    return;
  }
  c.out = std::string();
  c.body.reset();
  // Our FIN follows the answer; the peer closes after reading it, which ends the linger.
  shutdown(c.fd, SHUT_WR);
  c.phase = Phase::kLinger;
  if (!Watch(id, EPOLLIN)) return;
  ArmDeadline(id, options_.linger_timeout, DropReason::kCount);
  Discard(id);
}

void AdminServer::Discard(ConnectionId id) {
  Connection& c = connections_.at(id);
  char buffer[16 * 1024];
  for (;;) {
    const ssize_t got = recv(c.fd, buffer, sizeof(buffer), 0);
    if (got > 0) {
      c.discarded += static_cast<size_t>(got);
      if (c.discarded < kMaxLingerBytes) continue;
    } else if (got < 0 && errno == EINTR) {
      continue;
    } else if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return;
    }
    Close(id);  // the peer closed, failed, or keeps sending what we refused
    return;
  }
}

void AdminServer::ArmDeadline(ConnectionId id, common::Duration after, DropReason reason) {
  Connection& c = connections_.at(id);
  if (c.deadline != 0) loop_.CancelTimer(c.deadline);
  c.deadline = loop_.AddTimer(common::SystemClock::Get()->Now() + after, [this, id, reason] {
    auto it = connections_.find(id);
    if (it == connections_.end()) return;
    it->second.deadline = 0;
    if (reason == DropReason::kCount) {
      Close(id);
    } else {
      Drop(id, reason);
    }
  });
}

bool AdminServer::Watch(ConnectionId id, uint32_t events) {
  const int fd = connections_.at(id).fd;
  if (loop_.WatchFd(fd, events, [this, id](uint32_t fired) { OnConnectionEvent(id, fired); })
          .ok()) {
    return true;
  }
  Close(id);  // epoll refused (out of memory): nothing would ever wake this connection
  return false;
}

void AdminServer::Close(ConnectionId id) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  if (it->second.deadline != 0) loop_.CancelTimer(it->second.deadline);
  loop_.UnwatchFd(it->second.fd);
  close(it->second.fd);
  connections_.erase(it);
}

void AdminServer::Drop(ConnectionId id, DropReason reason) {
  dropped_[static_cast<size_t>(reason)]->Increment();
  Close(id);
}

}  // namespace genauth::admin
