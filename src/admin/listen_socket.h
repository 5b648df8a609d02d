// The admin endpoint's listening TCP socket: non-blocking, close-on-exec, SO_REUSEADDR on (a
// restarted sidecar can bind again while old connections sit in TIME_WAIT) and SO_REUSEPORT off.
// With SO_REUSEPORT another process of the same user could bind the same address and port and the
// kernel would hand it a share of the connections (probes, scrapes) without a word; with it off,
// such a bind fails with EADDRINUSE.
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace genauth::admin {

struct ListenSocket {
  int fd = -1;  // owned by the caller, who closes it
  int port = 0;
};

// Binds and listens on `address` (host:port with an IPv4 address, localhost or [IPv6]; port 0 picks
// a free one). INVALID_ARGUMENT when it is not host:port; UNAVAILABLE (address in use, not allowed,
// unknown host) when it cannot listen there.
absl::StatusOr<ListenSocket> ListenTcp(const std::string& address);

}  // namespace genauth::admin
