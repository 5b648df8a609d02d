// See connection_drop.h.
#include "emulator/connection_drop.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace genauth::emulator {
namespace {

// The port of an IPv4 or IPv6 socket address, or -1.
int PortOf(const sockaddr_storage& address) {
  if (address.ss_family == AF_INET) {
    return ntohs(reinterpret_cast<const sockaddr_in&>(address).sin_port);
  }
  if (address.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6&>(address).sin6_port);
  }
  return -1;
}

bool Matches(int fd, int local_port, int remote_port) {
  sockaddr_storage local{};
  sockaddr_storage peer{};
  socklen_t local_size = sizeof(local);
  socklen_t peer_size = sizeof(peer);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_size) != 0) return false;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_size) != 0) return false;
  return PortOf(local) == local_port && PortOf(peer) == remote_port;
}

}  // namespace

bool DropConnection(int local_port, int remote_port) {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return false;
  bool dropped = false;
  while (const dirent* entry = readdir(dir)) {
    char* end = nullptr;
    const long fd = std::strtol(entry->d_name, &end, 10);
    if (end == entry->d_name || *end != '\0' || fd == dirfd(dir)) continue;
    if (Matches(static_cast<int>(fd), local_port, remote_port)) {
      dropped = shutdown(static_cast<int>(fd), SHUT_RDWR) == 0;
      break;
    }
  }
  closedir(dir);
  return dropped;
}

}  // namespace genauth::emulator
