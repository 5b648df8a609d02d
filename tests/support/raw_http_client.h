// Raw-socket HTTP/1.1 clients on 127.0.0.1 for attacking and probing an HTTP server (the admin
// endpoint): exact bytes on the wire, requests that never finish, bodies pushed until the server
// refuses them. Every wait is bounded. POSIX only (part of test_servers).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "support/loopback_socket.h"

namespace genauth::testing {

// A blocking connection to 127.0.0.1:`port` whose sends and receives give up after `io_timeout`;
// invalid when the connection is refused.
UniqueFd ConnectLoopback(int port,
                         std::chrono::milliseconds io_timeout = std::chrono::milliseconds(2000));

// Sends `request` on a new connection and reads until the server closes it: everything received,
// or nullopt when it could not connect, send, or the close did not come within `timeout`.
std::optional<std::string> Exchange(int port, std::string_view request,
                                    std::chrono::milliseconds timeout = std::chrono::seconds(2));

// Reads from `fd` until the peer closes it (end of stream or reset) or `timeout` passes; appends
// what arrived to *received when given. True when the close came in time.
bool AwaitClose(int fd, std::chrono::milliseconds timeout, std::string* received = nullptr);

// Writes filler to `fd` (switched to non-blocking) until `max_bytes` were accepted, the peer
// refuses more (reset, closed) or `timeout` passes. Returns the bytes the kernel accepted; *refused
// tells whether a write failed.
size_t SendUntilRefused(int fd, size_t max_bytes, std::chrono::milliseconds timeout, bool* refused);

// Parts of a raw response: the status code (-1 when it is not "HTTP/1.x NNN"), a field's value
// ("" when absent; the name is matched without case) and the body after the blank line.
int StatusOf(std::string_view response);
std::string HeaderOf(std::string_view response, std::string_view name);
std::string BodyOf(std::string_view response);

// A field of /proc/<pid>/status in KiB ("VmRSS", "VmHWM"), -1 when it cannot be read.
long ProcStatusKib(pid_t pid, std::string_view field);

// Binds a new socket to 127.0.0.1:`port` with SO_REUSEPORT and SO_REUSEADDR, as a second server
// wanting a share of the port would: 0 when the bind succeeds, otherwise its errno (EADDRINUSE for
// a listener that does not share); -1 when the socket could not be set up at all.
int ErrnoOfSharedBind(int port);

// Slow-header clients (a slowloris): `count` connections to 127.0.0.1:`port` that each send
// `head_start`, a partial request head, and then one more byte every `interval` from a thread of
// their own — at most `max_rounds` times, so the trickling is bounded even if Stop never comes.
class HeadTricklers {
 public:
  HeadTricklers(int port, int count, std::string_view head_start, int max_rounds,
                std::chrono::milliseconds interval = std::chrono::milliseconds(100));
  ~HeadTricklers() { Stop(); }
  HeadTricklers(const HeadTricklers&) = delete;
  HeadTricklers& operator=(const HeadTricklers&) = delete;

  // Whether every connection was accepted and took the head's start.
  bool connected() const { return connected_; }
  const std::vector<UniqueFd>& connections() const { return connections_; }
  // Stops trickling (the connections stay open until destruction).
  void Stop();

 private:
  std::vector<UniqueFd> connections_;
  bool connected_ = true;
  std::atomic<bool> stop_{false};
  std::thread trickler_;
};

}  // namespace genauth::testing
