// Socket pieces for the raw test servers (see loopback_socket.h).
#include "support/loopback_socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace genauth::testing {

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) Reset(other.Release());
  return *this;
}

int UniqueFd::Release() {
  int fd = fd_;
  fd_ = -1;
  return fd;
}

void UniqueFd::Reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

void DieWithErrno(const char* what) {
  std::fprintf(stderr, "test server: %s: %s\n", what, std::strerror(errno));
  std::abort();
}

UniqueFd ListenOnLoopback(int backlog, int* port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) DieWithErrno("socket");
  int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    DieWithErrno("bind 127.0.0.1:0");
  }
  if (::listen(fd.get(), backlog) != 0) DieWithErrno("listen");
  socklen_t len = sizeof(addr);
  if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    DieWithErrno("getsockname");
  }
  *port = ntohs(addr.sin_port);
  return fd;
}

UniqueFd AcceptNonBlocking(int listen_fd) {
  UniqueFd fd(::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
  if (fd.valid()) {
    // Scripted replies are many small writes; Nagle would delay each one by a round trip.
    int one = 1;
    ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  }
  return fd;
}

StopSignal::StopSignal() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) DieWithErrno("pipe2");
  read_.Reset(fds[0]);
  write_.Reset(fds[1]);
}

void StopSignal::Raise() {
  // The byte is never read, so the read end stays readable; a second Raise() may find the pipe
  // non-empty and write nothing more, which is fine.
  char byte = 1;
  [[maybe_unused]] ssize_t n = ::write(write_.get(), &byte, 1);
}

bool StopSignal::raised() const {
  pollfd p{read_.get(), POLLIN, 0};
  return ::poll(&p, 1, 0) > 0;
}

bool WriteAll(int fd, std::string_view data, const StopSignal& stop,
              std::chrono::milliseconds stall_limit) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n > 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return false;
    pollfd fds[2] = {{fd, POLLOUT, 0}, {stop.read_fd(), POLLIN, 0}};
    int ready = ::poll(fds, 2, static_cast<int>(stall_limit.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0 || (fds[1].revents & POLLIN) != 0) return false;
    if ((fds[0].revents & (POLLERR | POLLHUP | POLLNVAL)) != 0) return false;
  }
  return true;
}

}  // namespace genauth::testing
