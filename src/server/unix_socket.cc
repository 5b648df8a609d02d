// Unix socket path preparation and mode (see unix_socket.h).
#include "server/unix_socket.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace genauth::server {
namespace {

std::string ErrnoText(int error) { return std::strerror(error); }

// Whether a process accepts connections on the socket at `path`.
bool SomeoneListens(const std::string& path) {
  sockaddr_un addr{};
  if (path.size() >= sizeof(addr.sun_path)) return false;
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const bool connected = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return connected;
}

}  // namespace

std::optional<std::string> UnixSocketPath(std::string_view listen_address) {
  constexpr std::string_view kPrefix = "unix:";
  if (listen_address.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  return std::string(listen_address.substr(kPrefix.size()));
}

absl::Status PrepareUnixSocketPath(const std::string& path) {
  struct stat info {};
  if (lstat(path.c_str(), &info) != 0) {
    if (errno == ENOENT) return absl::OkStatus();
    return absl::FailedPreconditionError("cannot check the socket path " + path + ": " +
                                         ErrnoText(errno));
  }
  if (!S_ISSOCK(info.st_mode)) {
    return absl::FailedPreconditionError(
        "the socket path " + path +
        " exists and is not a socket; refusing to replace it (remove it or choose another path)");
  }
  if (SomeoneListens(path)) {
    return absl::FailedPreconditionError("another process is listening on " + path);
  }
  if (unlink(path.c_str()) != 0 && errno != ENOENT) {
    return absl::FailedPreconditionError("cannot remove the stale socket " + path + ": " +
                                         ErrnoText(errno));
  }
  return absl::OkStatus();
}

absl::Status SetSocketMode(const std::string& path, mode_t mode) {
  if (chmod(path.c_str(), mode) != 0) {
    return absl::FailedPreconditionError("cannot set mode " + FormatFileMode(mode) + " on " + path +
                                         ": " + ErrnoText(errno));
  }
  return absl::OkStatus();
}

std::string FormatFileMode(mode_t mode) {
  std::string out = "0000";
  for (int i = 3; i >= 1; --i) {
    out[static_cast<size_t>(i)] = static_cast<char>('0' + (mode & 7));
    mode >>= 3;
  }
  return out;
}

}  // namespace genauth::server
