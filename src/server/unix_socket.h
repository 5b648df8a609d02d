// The filesystem side of listening on a Unix domain socket (SIDECAR_GRPC_LISTEN=unix:/path): the
// socket file's mode decides which processes (containers sharing an emptyDir volume) may connect,
// and a file left by an earlier run must not stop a restart — but nothing that is not a socket,
// and no socket a process serves on, may ever be deleted to make room.
//
// The order that makes this race-free (SidecarServer::Start follows it):
//   1. LockUnixSocketPath: an exclusive lock on `<path>.lock`, held until the server is gone, so
//      that of two sidecars given one path only one ever touches it;
//   2. PrepareUnixSocketPath (under the lock): remove a stale socket;
//   3. bind (gRPC does it) inside a SocketCreationMask, so the socket is born with its final mode.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace genauth::server {

// The path of a "unix:/path" listen address; nullopt for host:port.
std::optional<std::string> UnixSocketPath(std::string_view listen_address);

// An exclusive flock(2) on `<socket path>.lock`, released when this is destroyed or the process
// ends — however it ends: the kernel drops the lock of a killed process, so a crash leaves no lock
// that blocks the next start (the lock file itself stays, harmless, and is reused).
class UnixSocketPathLock {
 public:
  explicit UnixSocketPathLock(int fd) : fd_(fd) {}
  ~UnixSocketPathLock();
  UnixSocketPathLock(const UnixSocketPathLock&) = delete;
  UnixSocketPathLock& operator=(const UnixSocketPathLock&) = delete;

 private:
  int fd_;
};

// Takes the lock for `socket_path` without waiting. FAILED_PRECONDITION when another process
// (another sidecar started with the same path) holds it, or when the lock file cannot be created
// (the directory is not writable, or a symlink stands at its name: it is never followed).
absl::StatusOr<std::unique_ptr<UnixSocketPathLock>> LockUnixSocketPath(
    const std::string& socket_path);

// Makes `path` free to bind; call with the path's lock held. Nothing there: OK. A socket nobody
// accepts connections on (left behind by a sidecar that was killed): removed. A socket some process
// serves on — including one too busy to accept (its backlog full) — or one whose state cannot be
// told (connecting is not permitted): FAILED_PRECONDITION, left alone. Anything else — a regular
// file, a directory, a symlink: FAILED_PRECONDITION, left alone. Never blocks.
//
// Why this cannot remove a live socket: a process can only start serving at `path` by binding it,
// which fails while the stale file is there, unless it first removes that file; a sidecar does so
// only under the lock, and gRPC (which also unlinks a socket it finds before binding) is only ever
// asked to bind by the lock holder. So between the probe here and the unlink, nobody can have
// started serving at `path`.
absl::Status PrepareUnixSocketPath(const std::string& path);

// Sets the process's umask so that a socket bound while this lives gets exactly `mode` (bind(2)
// creates the socket file with 0777 & ~umask), and restores the previous umask when destroyed.
// With it the socket never exists with any other mode — no window in which a chmod has not yet
// happened. The umask is process-wide: use it only around the bind, while no other thread of ours
// creates files (at start-up none does; gRPC's threads create no files either).
class SocketCreationMask {
 public:
  explicit SocketCreationMask(mode_t mode);
  ~SocketCreationMask();
  SocketCreationMask(const SocketCreationMask&) = delete;
  SocketCreationMask& operator=(const SocketCreationMask&) = delete;

 private:
  mode_t previous_;
};

// "0660".
std::string FormatFileMode(mode_t mode);

}  // namespace genauth::server
