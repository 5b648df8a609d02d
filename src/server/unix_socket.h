// The filesystem side of listening on a Unix domain socket (SIDECAR_GRPC_LISTEN=unix:/path): the
// socket file's mode decides which processes (containers sharing an emptyDir volume) may connect,
// and a file left by an earlier run must not stop a restart — but nothing that is not a socket
// may ever be deleted to make room.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace genauth::server {

// The path of a "unix:/path" listen address; nullopt for host:port.
std::optional<std::string> UnixSocketPath(std::string_view listen_address);

// Makes `path` free to bind. Nothing there: OK. A socket no process listens on (left behind by a
// sidecar that was killed): removed. A socket some process answers on: FAILED_PRECONDITION (a
// second sidecar must not steal the first one's socket). Anything else — a regular file, a
// directory, a symlink: FAILED_PRECONDITION, and it is left alone.
absl::Status PrepareUnixSocketPath(const std::string& path);

// chmod `path` to `mode` (e.g. 0660: owner and group may connect, which needs write permission).
absl::Status SetSocketMode(const std::string& path, mode_t mode);

// "0660".
std::string FormatFileMode(mode_t mode);

}  // namespace genauth::server
