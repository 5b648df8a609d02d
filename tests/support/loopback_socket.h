// POSIX socket pieces shared by the raw test servers (raw_http_server, connect_proxy): an owning
// file descriptor, a listening socket on 127.0.0.1 port 0, a stop signal that wakes poll(), and
// bounded writes. Test infrastructure only: a failure to create a socket aborts the process.
#pragma once

#include <chrono>
#include <string_view>

namespace genauth::testing {

// Owns one file descriptor and closes it when destroyed.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.Release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { Reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int Release();
  void Reset(int fd = -1);

 private:
  int fd_ = -1;
};

// Prints `what` with errno's message and aborts: a test server that cannot open its socket cannot
// run any test, and the helpers have no gtest dependency to report through.
[[noreturn]] void DieWithErrno(const char* what);

// A non-blocking, close-on-exec TCP socket listening on 127.0.0.1 on a port the kernel picks
// (written to *port).
UniqueFd ListenOnLoopback(int backlog, int* port);

// Accepts one pending connection as a non-blocking, close-on-exec socket with TCP_NODELAY;
// invalid when none is pending (or on error).
UniqueFd AcceptNonBlocking(int listen_fd);

// A level-triggered "stop now" flag that poll() can wait on: once Raise()d, read_fd() stays
// readable for good, so every thread polling it wakes, however many there are. Thread-safe.
class StopSignal {
 public:
  StopSignal();
  void Raise();
  bool raised() const;
  int read_fd() const { return read_.get(); }

 private:
  UniqueFd read_;
  UniqueFd write_;
};

// Writes all of `data` to the non-blocking socket `fd`, waiting for it to drain when full.
// Returns false when the peer is gone, `stop` is raised, or no byte could be written for
// `stall_limit`. Never raises SIGPIPE.
bool WriteAll(int fd, std::string_view data, const StopSignal& stop,
              std::chrono::milliseconds stall_limit = std::chrono::seconds(10));

}  // namespace genauth::testing
