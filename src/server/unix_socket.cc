// Unix socket path locking, stale-socket removal and creation mode (see unix_socket.h).
#include "server/unix_socket.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace genauth::server {
namespace {

std::string ErrnoText(int error) { return std::strerror(error); }

enum class Probe { kNobody, kServing, kUnknown };

// Whether a process serves on the socket at `path`, found by connecting without blocking:
// ECONNREFUSED is the kernel's "no listener" (the socket's owner is gone); success or EAGAIN (a
// listener whose backlog is full) means someone serves; anything else (EACCES: not allowed to
// connect) cannot tell, and `*why` says why.
Probe ProbeSocket(const std::string& path, std::string* why) {
  sockaddr_un addr{};
  if (path.size() >= sizeof(addr.sun_path)) {
    *why = "the path is too long for a socket";
    return Probe::kUnknown;
  }
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    *why = "cannot create a socket to probe it: " + ErrnoText(errno);
    return Probe::kUnknown;
  }
  const int result = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  const int error = errno;
  close(fd);
  if (result == 0 || error == EAGAIN || error == EINPROGRESS) return Probe::kServing;
  if (error == ECONNREFUSED) return Probe::kNobody;
  *why = "cannot tell whether a process serves on it: connecting fails with " + ErrnoText(error);
  return Probe::kUnknown;
}

}  // namespace

std::optional<std::string> UnixSocketPath(std::string_view listen_address) {
  constexpr std::string_view kPrefix = "unix:";
  if (listen_address.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  return std::string(listen_address.substr(kPrefix.size()));
}

UnixSocketPathLock::~UnixSocketPathLock() {
  if (fd_ >= 0) close(fd_);  // closing the only descriptor of the open file releases the flock
}

absl::StatusOr<std::unique_ptr<UnixSocketPathLock>> LockUnixSocketPath(
    const std::string& socket_path) {
  const std::string lock_path = socket_path + ".lock";
  // O_NOFOLLOW: a symlink planted at the lock's name must not make us create or lock another file.
  const int fd = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    return absl::FailedPreconditionError("cannot create the lock file " + lock_path + ": " +
                                         ErrnoText(errno));
  }
  auto lock = std::make_unique<UnixSocketPathLock>(fd);
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return absl::FailedPreconditionError(
          "another process (a sidecar started with the same socket path) holds " + lock_path);
    }
    return absl::FailedPreconditionError("cannot lock " + lock_path + ": " + ErrnoText(errno));
  }
  return lock;
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
  std::string why;
  switch (ProbeSocket(path, &why)) {
    case Probe::kServing:
      return absl::FailedPreconditionError("another process is listening on " + path);
    case Probe::kUnknown:
      return absl::FailedPreconditionError("refusing to replace the socket " + path + ": " + why);
    case Probe::kNobody:
      break;
  }
  if (unlink(path.c_str()) != 0 && errno != ENOENT) {
    return absl::FailedPreconditionError("cannot remove the stale socket " + path + ": " +
                                         ErrnoText(errno));
  }
  return absl::OkStatus();
}

SocketCreationMask::SocketCreationMask(mode_t mode) : previous_(umask(~mode & 0777)) {}

SocketCreationMask::~SocketCreationMask() { umask(previous_); }

std::string FormatFileMode(mode_t mode) {
  std::string out = "0000";
  for (int i = 3; i >= 1; --i) {
    out[static_cast<size_t>(i)] = static_cast<char>('0' + (mode & 7));
    mode >>= 3;
  }
  return out;
}

}  // namespace genauth::server
