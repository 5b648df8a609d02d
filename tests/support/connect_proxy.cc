// HTTP CONNECT proxy for tests (see connect_proxy.h).
#include "support/connect_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <list>
#include <optional>
#include <string_view>
#include <utility>

#include "support/http_request_head.h"

namespace genauth::testing {
namespace {

using Clock = std::chrono::steady_clock;

// How long a client may take to send its CONNECT head, and a target to accept the connection.
constexpr std::chrono::seconds kHandshakeLimit(5);
constexpr std::chrono::seconds kConnectLimit(2);
// A tunnel with no byte in either direction for this long is closed (a bound for a test that
// forgets a connection; Stop() ends every tunnel at once anyway).
constexpr std::chrono::seconds kTunnelIdleLimit(30);
// Upper bound of one poll() wait in the accept loop, which also reaps finished threads.
constexpr int kAcceptPollMillis = 250;
constexpr size_t kRelayChunk = 16 * 1024;
constexpr int kBacklog = 64;

std::string Base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = static_cast<unsigned char>(in[i]) << 16 |
                       static_cast<unsigned char>(in[i + 1]) << 8 |
                       static_cast<unsigned char>(in[i + 2]);
    out += {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63],
            kAlphabet[v & 63]};
  }
  if (i + 1 == in.size()) {
    const unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    const unsigned v =
        static_cast<unsigned char>(in[i]) << 16 | static_cast<unsigned char>(in[i + 1]) << 8;
    out += {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63], '='};
  }
  return out;
}

// The address of a CONNECT target ("host:port", "[v6]:port") when it is a loopback address; the
// name "localhost" means 127.0.0.1 (never resolved). nullopt for anything else.
std::optional<std::pair<sockaddr_storage, socklen_t>> LoopbackAddress(std::string_view target) {
  std::string_view host;
  std::string_view port_text;
  if (!target.empty() && target.front() == '[') {
    const size_t close = target.find(']');
    if (close == std::string_view::npos || target.substr(close + 1, 1) != ":") return std::nullopt;
    host = target.substr(1, close - 1);
    port_text = target.substr(close + 2);
  } else {
    const size_t colon = target.find(':');
    if (colon == std::string_view::npos || target.find(':', colon + 1) != target.npos) {
      return std::nullopt;
    }
    host = target.substr(0, colon);
    port_text = target.substr(colon + 1);
  }
  if (port_text.empty() || port_text.size() > 5) return std::nullopt;
  unsigned port = 0;
  for (char c : port_text) {
    if (c < '0' || c > '9') return std::nullopt;
    port = port * 10 + static_cast<unsigned>(c - '0');
  }
  if (port == 0 || port > 65535) return std::nullopt;

  const std::string host_text = ToLowerAscii(host) == "localhost" ? "127.0.0.1" : std::string(host);
  sockaddr_storage storage{};
  in_addr v4{};
  in6_addr v6{};
  if (::inet_pton(AF_INET, host_text.c_str(), &v4) == 1) {
    if ((ntohl(v4.s_addr) >> 24) != 127) return std::nullopt;
    auto* addr = reinterpret_cast<sockaddr_in*>(&storage);
    addr->sin_family = AF_INET;
    addr->sin_addr = v4;
    addr->sin_port = htons(static_cast<uint16_t>(port));
    return std::make_pair(storage, static_cast<socklen_t>(sizeof(sockaddr_in)));
  }
  if (::inet_pton(AF_INET6, host_text.c_str(), &v6) == 1) {
    if (!IN6_IS_ADDR_LOOPBACK(&v6)) return std::nullopt;
    auto* addr = reinterpret_cast<sockaddr_in6*>(&storage);
    addr->sin6_family = AF_INET6;
    addr->sin6_addr = v6;
    addr->sin6_port = htons(static_cast<uint16_t>(port));
    return std::make_pair(storage, static_cast<socklen_t>(sizeof(sockaddr_in6)));
  }
  return std::nullopt;
}

// Connects a non-blocking socket to `address` within kConnectLimit; invalid on failure or stop.
UniqueFd ConnectTo(const sockaddr_storage& address, socklen_t length, const StopSignal& stop) {
  UniqueFd fd(::socket(address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return fd;
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), length) == 0) return fd;
  if (errno != EINPROGRESS) return UniqueFd();
  pollfd fds[2] = {{fd.get(), POLLOUT, 0}, {stop.read_fd(), POLLIN, 0}};
  const int limit_ms = static_cast<int>(std::chrono::milliseconds(kConnectLimit).count());
  if (::poll(fds, 2, limit_ms) <= 0 || (fds[1].revents & POLLIN) != 0) return UniqueFd();
  int error = 0;
  socklen_t error_length = sizeof(error);
  if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &error_length) != 0 || error != 0) {
    return UniqueFd();
  }
  return fd;
}

std::string StatusReply(int status, std::string_view extra_headers = {}) {
  const char* reason = status == 400   ? "Bad Request"
                       : status == 403 ? "Forbidden"
                       : status == 405 ? "Method Not Allowed"
                       : status == 407 ? "Proxy Authentication Required"
                       : status == 502 ? "Bad Gateway"
                                       : "Service Unavailable";
  return "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\n" + std::string(extra_headers) +
         "Content-Length: 0\r\nConnection: close\r\n\r\n";
}

// Closes with RST rather than FIN, so that a reset on one side of a tunnel reaches the other.
void ResetOnClose(int fd) {
  linger abort{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort, sizeof(abort));
}

}  // namespace

ConnectProxy::ConnectProxy() : ConnectProxy(ConnectProxyOptions{}) {}

ConnectProxy::ConnectProxy(ConnectProxyOptions options)
    : options_(std::move(options)),
      expected_credentials_(options_.username.empty()
                                ? std::string()
                                : Base64(options_.username + ":" + options_.password)),
      listen_fd_(ListenOnLoopback(kBacklog, &port_)) {
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

ConnectProxy::~ConnectProxy() { Stop(); }

std::string ConnectProxy::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

std::vector<ProxyRequest> ConnectProxy::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

std::vector<std::string> ConnectProxy::connect_targets() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> targets;
  for (const ProxyRequest& request : requests_) {
    if (request.method == "CONNECT") targets.push_back(request.target);
  }
  return targets;
}

void ConnectProxy::Stop() {
  if (!acceptor_.joinable()) return;
  stop_.Raise();
  acceptor_.join();  // it joins the connection threads before it returns
  listen_fd_.Reset();
}

void ConnectProxy::Record(ProxyRequest request) {
  std::lock_guard<std::mutex> lock(mu_);
  requests_.push_back(std::move(request));
}

void ConnectProxy::AcceptLoop() {
  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::list<Worker> workers;
  auto reap = [&workers] {
    for (auto it = workers.begin(); it != workers.end();) {
      if (!it->done->load()) {
        ++it;
        continue;
      }
      it->thread.join();
      it = workers.erase(it);
    }
  };
  while (true) {
    pollfd fds[2] = {{stop_.read_fd(), POLLIN, 0}, {listen_fd_.get(), POLLIN, 0}};
    if (::poll(fds, 2, kAcceptPollMillis) < 0 && errno != EINTR) {
      std::perror("ConnectProxy: poll");
      break;
    }
    if ((fds[0].revents & POLLIN) != 0) break;
    reap();
    if ((fds[1].revents & POLLIN) == 0) continue;
    // Bounded: at most a backlog's worth per round.
    for (int i = 0; i < kBacklog; ++i) {
      UniqueFd client = AcceptNonBlocking(listen_fd_.get());
      if (!client.valid()) break;
      if (workers.size() >= options_.max_connections) {
        WriteAll(client.get(), StatusReply(503), stop_, std::chrono::milliseconds(100));
        continue;
      }
      auto done = std::make_shared<std::atomic<bool>>(false);
      std::thread thread([this, done, fd = std::move(client)]() mutable {
        Serve(std::move(fd));
        done->store(true);
      });
      workers.push_back({std::move(thread), std::move(done)});
    }
  }
  // Every connection thread polls stop_ too, so these joins take a poll round at most.
  for (Worker& worker : workers) worker.thread.join();
}

void ConnectProxy::Serve(UniqueFd client) {
  // The head, read within kHandshakeLimit.
  std::string in;
  size_t head_end = std::string::npos;
  const Clock::time_point deadline = Clock::now() + kHandshakeLimit;
  while (head_end == std::string::npos) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    pollfd fds[2] = {{client.get(), POLLIN, 0}, {stop_.read_fd(), POLLIN, 0}};
    if (left.count() <= 0 || ::poll(fds, 2, static_cast<int>(left.count())) <= 0 ||
        (fds[1].revents & POLLIN) != 0) {
      return;
    }
    char buffer[4096];
    const ssize_t n = ::recv(client.get(), buffer, sizeof(buffer), 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n <= 0) return;
    in.append(buffer, static_cast<size_t>(n));
    head_end = FindEndOfHead(in);
    if (head_end == std::string::npos && in.size() > kMaxRequestHeadBytes) break;
  }

  std::optional<HttpRequestHead> head =
      head_end == std::string::npos ? std::nullopt
                                    : ParseRequestHead(std::string_view(in).substr(0, head_end));
  ProxyRequest request;
  if (head) {
    request.method = head->method;
    request.target = head->target;
    request.headers = head->headers;
  }
  // Records the answer, then sends it: a test that sees the reply also sees the record.
  auto answer = [&](int status, std::string_view extra_headers = {}) {
    request.status = status;
    Record(request);
    WriteAll(client.get(), StatusReply(status, extra_headers), stop_, std::chrono::seconds(1));
  };
  if (!head) return answer(400);
  if (head->method != "CONNECT") return answer(405, "Allow: CONNECT\r\n");
  if (!expected_credentials_.empty()) {
    auto it = head->headers.find("proxy-authorization");
    const std::string_view given = it == head->headers.end() ? "" : std::string_view(it->second);
    const size_t space = given.find(' ');
    if (space == std::string_view::npos || ToLowerAscii(given.substr(0, space)) != "basic" ||
        given.substr(space + 1) != expected_credentials_) {
      return answer(407, "Proxy-Authenticate: Basic realm=\"connect_proxy\"\r\n");
    }
  }
  std::optional<std::pair<sockaddr_storage, socklen_t>> address = LoopbackAddress(head->target);
  if (!address) return answer(403);
  upstream_connects_.fetch_add(1);
  UniqueFd upstream = ConnectTo(address->first, address->second, stop_);
  if (!upstream.valid()) return answer(502);

  request.status = 200;
  Record(request);
  if (!WriteAll(client.get(), "HTTP/1.1 200 Connection established\r\n\r\n", stop_)) return;
  tunnels_.fetch_add(1);
  open_tunnels_.fetch_add(1);
  // Bytes the client sent after its head (a client need not wait for the 200) go first.
  if (WriteAll(upstream.get(), std::string_view(in).substr(head_end), stop_)) {
    Tunnel(client.get(), upstream.get());
  }
  open_tunnels_.fetch_sub(1);
}

void ConnectProxy::Tunnel(int client, int upstream) {
  const int idle_ms = static_cast<int>(std::chrono::milliseconds(kTunnelIdleLimit).count());
  char buffer[kRelayChunk];
  while (true) {
    pollfd fds[3] = {{client, POLLIN, 0}, {upstream, POLLIN, 0}, {stop_.read_fd(), POLLIN, 0}};
    const int ready = ::poll(fds, 3, idle_ms);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0 || (fds[2].revents & POLLIN) != 0) return;
    for (int side = 0; side < 2; ++side) {
      if (fds[side].revents == 0) continue;
      const int from = fds[side].fd;
      const int to = fds[1 - side].fd;
      const ssize_t n = ::recv(from, buffer, sizeof(buffer), 0);
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (n == 0) return;  // orderly close: the other side gets a FIN when the sockets close
      if (n < 0) {
        ResetOnClose(to);
        return;
      }
      if (!WriteAll(to, std::string_view(buffer, static_cast<size_t>(n)), stop_)) return;
    }
  }
}

}  // namespace genauth::testing
