// A loopback HTTP/1.1 server for tests that need replies no ordinary server sends: chunked bodies
// in odd sizes, bodies delimited by close, heads that trickle in, bodies shorter than their
// Content-Length, connections that never answer. It listens on 127.0.0.1, port 0, reads one
// request per connection, records it, and plays the next queued ReplyScript byte for byte.
//
//   RawHttpServer server;
//   server.Enqueue(TruncatedReply(1000, 10));
//   ... point the client at server.base_url() ...
//   EXPECT_EQ(server.requests().at(0).target, "/v1/x");
//
// One thread runs every connection (poll(), non-blocking sockets), so a script that sleeps or
// holds its connection open does not delay the others. Thread-safe.
//
// Limits, on purpose: a request body is read by Content-Length only (a chunked request body is not
// decoded); "Expect: 100-continue" is answered with a 100 at once; a second request on the same
// connection is never read (every builder below says "Connection: close"). A connection whose
// head is malformed or over kMaxRequestHeadBytes is closed without a reply or a record.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "support/loopback_socket.h"

namespace genauth::testing {

// One step of a scripted reply: write bytes, or wait.
struct ReplyStep {
  enum class Kind { kWrite, kSleep };
  static ReplyStep Write(std::string bytes) { return {Kind::kWrite, std::move(bytes), {}}; }
  static ReplyStep Sleep(std::chrono::milliseconds delay) { return {Kind::kSleep, {}, delay}; }

  Kind kind = Kind::kWrite;
  std::string bytes;                  // kWrite
  std::chrono::milliseconds delay{};  // kSleep
};

// What happens to the connection once every step has been played.
enum class AfterReply {
  kClose,     // orderly close (FIN): the client reads end-of-stream
  kReset,     // abortive close (RST, SO_LINGER 0): the client reads "connection reset"
  kKeepOpen,  // held open, silent, until the client closes it or the server stops
};

struct ReplyScript {
  std::vector<ReplyStep> steps;
  AfterReply after = AfterReply::kClose;
};

// A request as the server read it.
struct RecordedRequest {
  std::string method;
  std::string target;                                 // "/path?query"
  std::map<std::string, std::string> headers;         // names lower-cased
  std::string body;                                   // Content-Length bytes
  std::chrono::steady_clock::time_point received_at;  // when its last byte arrived
};

class RawHttpServer {
 public:
  // Scripts for requests that find the queue empty: by default FixedReply(200, "").
  RawHttpServer();
  explicit RawHttpServer(ReplyScript default_script);
  ~RawHttpServer();  // Stop()s
  RawHttpServer(const RawHttpServer&) = delete;
  RawHttpServer& operator=(const RawHttpServer&) = delete;

  // Queues the reply for a future request (first in, first out: one script per request, taken
  // when the request has been read in full).
  void Enqueue(ReplyScript script);
  void SetDefaultScript(ReplyScript script);

  int port() const { return port_; }
  std::string base_url() const;  // "http://127.0.0.1:PORT"
  std::vector<RecordedRequest> requests() const;
  // Connections accepted so far, including those that never sent a whole request.
  int connections() const { return connections_.load(); }
  // Waits until `count` requests have been recorded; false if `timeout` passes first.
  bool WaitForRequests(size_t count, std::chrono::milliseconds timeout) const;

  // Closes the listening socket and every connection, then joins the thread. Idempotent; returns
  // within one poll round (milliseconds) whatever the scripts are doing.
  void Stop();

 private:
  struct Connection;

  void Run();
  // Moves one connection as far as its socket allows; false once it is finished (to be closed).
  bool Advance(Connection& connection);
  bool ReadRequest(Connection& connection);
  bool PlayScript(Connection& connection);

  int port_ = 0;  // before listen_fd_, whose initialisation sets it
  UniqueFd listen_fd_;
  StopSignal stop_;
  std::atomic<int> connections_{0};

  mutable std::mutex mu_;
  mutable std::condition_variable requests_changed_;
  std::deque<ReplyScript> scripts_;        // guarded by mu_
  ReplyScript default_script_;             // guarded by mu_
  std::vector<RecordedRequest> requests_;  // guarded by mu_

  std::thread thread_;  // last: starts once everything above exists
};

// --- Script builders. Every reply but NoReply says "Connection: close" and closes after its
// body (one request per connection). Bodies are PatternBytes(n) unless given.

// Deterministic body bytes ("abc...xyzabc..."), so a test can compare what it received.
std::string PatternBytes(size_t count);

// "HTTP/1.1 <status> <reason>" with Content-Length and `headers` (each "Name: value"), in one
// write.
ReplyScript FixedReply(int status, std::string_view body,
                       const std::vector<std::string>& headers = {});

// 200 with Transfer-Encoding: chunked: `total_bytes` of body in chunks of `chunk_bytes` (the last
// may be shorter), each chunk one write, `gap` between chunks, then the last-chunk.
ReplyScript ChunkedReply(size_t total_bytes, size_t chunk_bytes,
                         std::chrono::milliseconds gap = std::chrono::milliseconds(0));

// 200 with neither Content-Length nor chunking: the body (`total_bytes`) ends when the server
// closes (RFC 9112 section 6.3, rule 8).
ReplyScript CloseDelimitedReply(size_t total_bytes);

// 200 with a Content-Length body, but the status line and headers are written one byte at a
// time, `interval` apart (a server stalling before its head is complete).
ReplyScript TricklingHeadReply(std::chrono::milliseconds interval, std::string body = "ok");

// 200 declaring Content-Length `declared_bytes` but sending only `sent_bytes` of body before it
// closes.
ReplyScript TruncatedReply(size_t declared_bytes, size_t sent_bytes);

// Reads the request and never answers: the connection stays open (for timeout tests).
ReplyScript NoReply();

}  // namespace genauth::testing
