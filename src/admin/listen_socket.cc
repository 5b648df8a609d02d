// The admin endpoint's listening socket (see listen_socket.h).
#include "admin/listen_socket.h"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <optional>
#include <string_view>

namespace genauth::admin {
namespace {

// Connections the kernel queues before the loop accepts them; the loop accepts at once, so this
// only absorbs bursts.
constexpr int kBacklog = 128;

struct HostPort {
  std::string host;  // as getaddrinfo takes it: IPv6 without brackets
  std::string port;
};

// "127.0.0.1:9464", "localhost:0", "[::1]:9464". Config has validated it; this only splits it.
std::optional<HostPort> SplitHostPort(std::string_view address) {
  const size_t colon = address.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  std::string_view host = address.substr(0, colon);
  const std::string_view port = address.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  int number = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
  if (ec != std::errc() || end != port.data() + port.size() || number < 0 || number > 65535) {
    return std::nullopt;
  }
  return HostPort{std::string(host), std::string(port)};
}

absl::Status CannotListen(const std::string& address, const std::string& why) {
  return absl::UnavailableError(
      "could not listen on " + address +
      " for the admin endpoint (address in use, or not allowed?): " + why);
}

int BoundPort(int fd) {
  sockaddr_storage bound{};
  socklen_t length = sizeof(bound);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length) != 0) return 0;
  char service[NI_MAXSERV] = {};
  if (getnameinfo(reinterpret_cast<sockaddr*>(&bound), length, nullptr, 0, service, sizeof(service),
                  NI_NUMERICSERV) != 0) {
    return 0;
  }
  int port = 0;
  std::from_chars(service, service + std::strlen(service), port);
  return port;
}

}  // namespace

absl::StatusOr<ListenSocket> ListenTcp(const std::string& address) {
  const std::optional<HostPort> split = SplitHostPort(address);
  if (!split) {
    return absl::InvalidArgumentError("the admin listen address " + address + " is not host:port");
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (const int rc = getaddrinfo(split->host.c_str(), split->port.c_str(), &hints, &found);
      rc != 0) {
    return CannotListen(address, gai_strerror(rc));
  }
  std::string why = "no address";
  for (const addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    const int fd =
        socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      why = std::strerror(errno);
      continue;
    }
    const int yes = 1;
    const int no = 0;
    // SO_REUSEPORT is off by default; set explicitly so the intent is in the code, not implied.
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes)) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &no, sizeof(no)) != 0 ||
        bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, kBacklog) != 0) {
      why = std::strerror(errno);
      close(fd);
      continue;
    }
    freeaddrinfo(found);
    const int port = BoundPort(fd);
    if (port <= 0) {
      close(fd);
      return CannotListen(address, "getsockname failed");
    }
    return ListenSocket{fd, port};
  }
  freeaddrinfo(found);
  return CannotListen(address, why);
}

}  // namespace genauth::admin
