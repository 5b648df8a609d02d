// Raw loopback HTTP clients (see raw_http_client.h).
#include "support/raw_http_client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <vector>

#include "support/http_request_head.h"

namespace genauth::testing {
namespace {

using Clock = std::chrono::steady_clock;

int MillisLeft(Clock::time_point until) {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(until - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

timeval ToTimeval(std::chrono::milliseconds d) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(d.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((d.count() % 1000) * 1000);
  return tv;
}

}  // namespace

UniqueFd ConnectLoopback(int port, std::chrono::milliseconds io_timeout) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) DieWithErrno("socket");
  const timeval tv = ToTimeval(io_timeout);
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return {};
  return fd;
}

std::optional<std::string> Exchange(int port, std::string_view request,
                                    std::chrono::milliseconds timeout) {
  UniqueFd fd = ConnectLoopback(port, timeout);
  if (!fd.valid()) return std::nullopt;
  if (::send(fd.get(), request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    return std::nullopt;
  }
  std::string received;
  if (!AwaitClose(fd.get(), timeout, &received)) return std::nullopt;
  return received;
}

bool AwaitClose(int fd, std::chrono::milliseconds timeout, std::string* received) {
  const auto until = Clock::now() + timeout;
  char buffer[16 * 1024];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, MillisLeft(until));
    if (ready == 0) return false;
    if (ready < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    const ssize_t got = ::recv(fd, buffer, sizeof(buffer), MSG_DONTWAIT);
    if (got > 0) {
      if (received != nullptr) received->append(buffer, static_cast<size_t>(got));
      continue;
    }
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) continue;
    return true;  // end of stream, or a reset
  }
}

size_t SendUntilRefused(int fd, size_t max_bytes, std::chrono::milliseconds timeout,
                        bool* refused) {
  *refused = false;
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  const std::vector<char> filler(64 * 1024, 'x');
  const auto until = Clock::now() + timeout;
  size_t sent = 0;
  while (sent < max_bytes && Clock::now() < until) {
    const size_t chunk = std::min(filler.size(), max_bytes - sent);
    const ssize_t n = ::send(fd, filler.data(), chunk, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      pollfd p{fd, POLLOUT, 0};
      ::poll(&p, 1, std::min(MillisLeft(until), 50));
      continue;
    }
    *refused = true;
    break;
  }
  return sent;
}

int StatusOf(std::string_view response) {
  if (response.size() < 12 || response.substr(0, 7) != "HTTP/1." || response[8] != ' ') return -1;
  int status = 0;
  for (char c : response.substr(9, 3)) {
    if (c < '0' || c > '9') return -1;
    status = status * 10 + (c - '0');
  }
  return status;
}

std::string HeaderOf(std::string_view response, std::string_view name) {
  const size_t end = FindEndOfHead(response);
  const std::string head = ToLowerAscii(response.substr(0, end));
  const std::string wanted = "\r\n" + ToLowerAscii(name) + ":";
  const size_t at = head.find(wanted);
  if (at == std::string::npos) return "";
  size_t from = at + wanted.size();
  const size_t eol = response.find("\r\n", from);
  while (from < eol && response[from] == ' ') ++from;
  return std::string(response.substr(from, eol - from));
}

std::string BodyOf(std::string_view response) {
  const size_t end = FindEndOfHead(response);
  return end == std::string_view::npos ? "" : std::string(response.substr(end));
}

long ProcStatusKib(pid_t pid, std::string_view field) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.size() > field.size() && line.compare(0, field.size(), field) == 0 &&
        line[field.size()] == ':') {
      return std::strtol(line.c_str() + field.size() + 1, nullptr, 10);
    }
  }
  return -1;
}

int ErrnoOfSharedBind(int port) {
  const UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  const int yes = 1;
  if (!fd.valid() || setsockopt(fd.get(), SOL_SOCKET, SO_REUSEPORT, &yes, sizeof(yes)) != 0 ||
      setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes)) != 0) {
    return -1;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  return bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 ? 0 : errno;
}

HeadTricklers::HeadTricklers(int port, int count, std::string_view head_start, int max_rounds,
                             std::chrono::milliseconds interval) {
  for (int i = 0; i < count && connected_; ++i) {
    connections_.push_back(ConnectLoopback(port));
    connected_ = connections_.back().valid() &&
                 send(connections_.back().get(), head_start.data(), head_start.size(),
                      MSG_NOSIGNAL) == static_cast<ssize_t>(head_start.size());
  }
  if (!connected_) return;
  trickler_ = std::thread([this, max_rounds, interval] {
    for (int round = 0; round < max_rounds && !stop_; ++round) {
      for (const UniqueFd& fd : connections_) send(fd.get(), "X", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
      std::this_thread::sleep_for(interval);
    }
  });
}

void HeadTricklers::Stop() {
  stop_ = true;
  if (trickler_.joinable()) trickler_.join();
}

}  // namespace genauth::testing
