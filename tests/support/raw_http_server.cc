// Scripted loopback HTTP/1.1 server for tests (see raw_http_server.h).
#include "support/raw_http_server.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <memory>
#include <optional>

#include "common/http_reason.h"
#include "support/http_request_head.h"

namespace genauth::testing {
namespace {

using Clock = std::chrono::steady_clock;

// Connections open at once; more wait in the listen backlog.
constexpr size_t kMaxConnections = 64;
// Longest request body read; a larger one drops the connection.
constexpr size_t kMaxBodyBytes = 64 * 1024 * 1024;
// Upper bound of one poll() wait, so the loop re-checks its state at least this often.
constexpr int kMaxPollMillis = 250;
// Bytes read per recv(), and recv() calls per connection per round (fairness between
// connections; the rest waits for the next round).
constexpr size_t kReadChunk = 16 * 1024;
constexpr int kReadsPerRound = 64;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

}  // namespace

struct RawHttpServer::Connection {
  enum class State { kReading, kPlaying, kHolding };

  explicit Connection(UniqueFd socket) : fd(std::move(socket)) {}

  UniqueFd fd;
  State state = State::kReading;
  // kReading: bytes so far; the head ends at head_end (npos until it has arrived).
  std::string in;
  size_t head_end = std::string::npos;
  HttpRequestHead head;
  size_t body_bytes = 0;
  bool sent_continue = false;
  // kPlaying: the script, the step being played, bytes of it written, when its sleep ends.
  ReplyScript script;
  size_t step = 0;
  size_t written = 0;
  std::optional<Clock::time_point> wake_at;
};

RawHttpServer::RawHttpServer() : RawHttpServer(FixedReply(200, "")) {}

RawHttpServer::RawHttpServer(ReplyScript default_script)
    : listen_fd_(ListenOnLoopback(static_cast<int>(kMaxConnections), &port_)),
      default_script_(std::move(default_script)) {
  thread_ = std::thread([this] { Run(); });
}

RawHttpServer::~RawHttpServer() { Stop(); }

void RawHttpServer::Enqueue(ReplyScript script) {
  std::lock_guard<std::mutex> lock(mu_);
  scripts_.push_back(std::move(script));
}

void RawHttpServer::SetDefaultScript(ReplyScript script) {
  std::lock_guard<std::mutex> lock(mu_);
  default_script_ = std::move(script);
}

std::string RawHttpServer::base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

std::vector<RecordedRequest> RawHttpServer::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

bool RawHttpServer::WaitForRequests(size_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mu_);
  return requests_changed_.wait_for(lock, timeout, [&] { return requests_.size() >= count; });
}

void RawHttpServer::Stop() {
  if (!thread_.joinable()) return;
  stop_.Raise();
  thread_.join();
  listen_fd_.Reset();
}

void RawHttpServer::Run() {
  std::vector<std::unique_ptr<Connection>> connections;
  std::vector<pollfd> fds;
  while (true) {
    fds.clear();
    fds.push_back({stop_.read_fd(), POLLIN, 0});
    // Full: leave new connections in the backlog (fd -1 is ignored by poll()).
    fds.push_back({connections.size() < kMaxConnections ? listen_fd_.get() : -1, POLLIN, 0});
    int timeout_ms = kMaxPollMillis;
    const Clock::time_point now = Clock::now();
    for (const auto& connection : connections) {
      int fd = connection->fd.get();
      short events = POLLIN;
      if (connection->state == Connection::State::kPlaying) {
        const ReplyStep& step = connection->script.steps[connection->step];
        if (step.kind == ReplyStep::Kind::kWrite) {
          events = POLLOUT;
        } else if (connection->wake_at) {
          // Sleeping: not polled at all (an error the socket reports would wake poll() in a
          // loop until the sleep ends); the next write notices a vanished client.
          fd = -1;
          auto left = std::chrono::ceil<std::chrono::milliseconds>(*connection->wake_at - now);
          timeout_ms = std::clamp(static_cast<int>(left.count()), 0, timeout_ms);
        }
      }
      fds.push_back({fd, events, 0});
    }
    if (::poll(fds.data(), fds.size(), timeout_ms) < 0 && errno != EINTR) {
      std::perror("RawHttpServer: poll");
      break;
    }
    if ((fds[0].revents & POLLIN) != 0) break;
    if ((fds[1].revents & POLLIN) != 0) {
      while (connections.size() < kMaxConnections) {
        UniqueFd fd = AcceptNonBlocking(listen_fd_.get());
        if (!fd.valid()) break;
        connections_.fetch_add(1);
        connections.push_back(std::make_unique<Connection>(std::move(fd)));
      }
    }
    // Every connection gets a turn each round: the sockets are non-blocking, so one with nothing
    // to do costs a single EAGAIN.
    connections.erase(std::remove_if(connections.begin(), connections.end(),
                                     [this](const auto& c) { return !Advance(*c); }),
                      connections.end());
  }
  // The connections' sockets close here; Stop() closes the listening one after the join.
}

bool RawHttpServer::Advance(Connection& connection) {
  switch (connection.state) {
    case Connection::State::kReading:
      return ReadRequest(connection);
    case Connection::State::kPlaying:
      return PlayScript(connection);
    case Connection::State::kHolding: {
      // Drain and discard, to notice the client closing.
      char buffer[kReadChunk];
      for (int i = 0; i < kReadsPerRound; ++i) {
        ssize_t n = ::recv(connection.fd.get(), buffer, sizeof(buffer), 0);
        if (n > 0) continue;
        if (n < 0 && errno == EINTR) continue;
        return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
      }
      return true;
    }
  }
  return false;
}

bool RawHttpServer::ReadRequest(Connection& connection) {
  bool peer_closed = false;
  char buffer[kReadChunk];
  for (int i = 0; i < kReadsPerRound; ++i) {
    ssize_t n = ::recv(connection.fd.get(), buffer, sizeof(buffer), 0);
    if (n > 0) {
      connection.in.append(buffer, static_cast<size_t>(n));
      continue;
    }
    if (n == 0) {
      peer_closed = true;  // maybe only a half-close after a whole request: still answer it
      break;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) break;
    return false;
  }

  if (connection.head_end == std::string::npos) {
    connection.head_end = FindEndOfHead(connection.in);
    if (connection.head_end == std::string::npos) {
      return !peer_closed && connection.in.size() <= kMaxRequestHeadBytes;
    }
    std::optional<HttpRequestHead> head =
        ParseRequestHead(std::string_view(connection.in).substr(0, connection.head_end));
    std::optional<size_t> body_bytes = head ? ContentLength(*head) : std::nullopt;
    if (!body_bytes || *body_bytes > kMaxBodyBytes) return false;  // dropped: not an HTTP request
    connection.head = std::move(*head);
    connection.body_bytes = *body_bytes;
  }

  const size_t have = connection.in.size() - connection.head_end;
  if (have < connection.body_bytes) {
    // A client that sent "Expect: 100-continue" holds the body back until told to go on (libcurl
    // does so for large bodies, and otherwise waits a second before sending anyway).
    auto expect = connection.head.headers.find("expect");
    if (!connection.sent_continue && expect != connection.head.headers.end() &&
        ToLowerAscii(expect->second) == "100-continue") {
      connection.sent_continue = true;
      if (!WriteAll(connection.fd.get(), kContinue, stop_, std::chrono::seconds(1))) return false;
    }
    return !peer_closed;
  }

  RecordedRequest request;
  request.method = std::move(connection.head.method);
  request.target = std::move(connection.head.target);
  request.headers = std::move(connection.head.headers);
  request.body = connection.in.substr(connection.head_end, connection.body_bytes);
  request.received_at = Clock::now();
  connection.in.clear();
  {
    std::lock_guard<std::mutex> lock(mu_);
    requests_.push_back(std::move(request));
    if (scripts_.empty()) {
      connection.script = default_script_;
    } else {
      connection.script = std::move(scripts_.front());
      scripts_.pop_front();
    }
  }
  requests_changed_.notify_all();
  connection.state = Connection::State::kPlaying;
  return PlayScript(connection);
}

bool RawHttpServer::PlayScript(Connection& connection) {
  std::vector<ReplyStep>& steps = connection.script.steps;
  while (connection.step < steps.size()) {
    const ReplyStep& step = steps[connection.step];
    if (step.kind == ReplyStep::Kind::kSleep) {
      const Clock::time_point now = Clock::now();
      if (!connection.wake_at) connection.wake_at = now + step.delay;
      if (now < *connection.wake_at) return true;
      connection.wake_at.reset();
      ++connection.step;
      continue;
    }
    while (connection.written < step.bytes.size()) {
      ssize_t n = ::send(connection.fd.get(), step.bytes.data() + connection.written,
                         step.bytes.size() - connection.written, MSG_NOSIGNAL);
      if (n > 0) {
        connection.written += static_cast<size_t>(n);
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else {
        return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);  // else the client is gone
      }
    }
    connection.written = 0;
    ++connection.step;
  }
  switch (connection.script.after) {
    case AfterReply::kClose:
      return false;
    case AfterReply::kReset: {
      linger abort{1, 0};
      ::setsockopt(connection.fd.get(), SOL_SOCKET, SO_LINGER, &abort, sizeof(abort));
      return false;
    }
    case AfterReply::kKeepOpen:
      connection.state = Connection::State::kHolding;
      return true;
  }
  return false;
}

std::string PatternBytes(size_t count) {
  std::string bytes(count, '\0');
  for (size_t i = 0; i < count; ++i) bytes[i] = static_cast<char>('a' + i % 26);
  return bytes;
}

ReplyScript FixedReply(int status, std::string_view body, const std::vector<std::string>& headers) {
  std::string reply = "HTTP/1.1 " + std::to_string(status) + " " +
                      std::string(common::HttpReasonPhrase(status)) +
                      "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  for (const std::string& header : headers) reply += header + "\r\n";
  reply.append("Connection: close\r\n\r\n").append(body);
  return {{ReplyStep::Write(std::move(reply))}, AfterReply::kClose};
}

ReplyScript ChunkedReply(size_t total_bytes, size_t chunk_bytes, std::chrono::milliseconds gap) {
  chunk_bytes = std::max<size_t>(chunk_bytes, 1);
  const std::string body = PatternBytes(total_bytes);
  ReplyScript script;
  script.steps.push_back(ReplyStep::Write(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"));
  for (size_t offset = 0; offset < total_bytes; offset += chunk_bytes) {
    if (offset > 0 && gap.count() > 0) script.steps.push_back(ReplyStep::Sleep(gap));
    const size_t size = std::min(chunk_bytes, total_bytes - offset);
    char hex[20];
    std::snprintf(hex, sizeof(hex), "%zx\r\n", size);
    script.steps.push_back(ReplyStep::Write(hex + body.substr(offset, size) + "\r\n"));
  }
  script.steps.push_back(ReplyStep::Write("0\r\n\r\n"));
  return script;
}

ReplyScript CloseDelimitedReply(size_t total_bytes) {
  return {{ReplyStep::Write("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n"),
           ReplyStep::Write(PatternBytes(total_bytes))},
          AfterReply::kClose};
}

ReplyScript TricklingHeadReply(std::chrono::milliseconds interval, std::string body) {
  const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) +
                           "\r\nConnection: close\r\n\r\n";
  ReplyScript script;
  for (size_t i = 0; i < head.size(); ++i) {
    if (i > 0) script.steps.push_back(ReplyStep::Sleep(interval));
    script.steps.push_back(ReplyStep::Write(head.substr(i, 1)));
  }
  script.steps.push_back(ReplyStep::Write(std::move(body)));
  return script;
}

ReplyScript TruncatedReply(size_t declared_bytes, size_t sent_bytes) {
  return {{ReplyStep::Write("HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(declared_bytes) +
                            "\r\nConnection: close\r\n\r\n"),
           ReplyStep::Write(PatternBytes(sent_bytes))},
          AfterReply::kClose};
}

ReplyScript NoReply() { return {{}, AfterReply::kKeepOpen}; }

}  // namespace genauth::testing
