// An HTTP CONNECT proxy on 127.0.0.1, port 0, for tests that prove a client honours HTTPS_PROXY:
// it records every request it gets, opens tunnels to loopback targets only, and relays bytes both
// ways until either side closes.
//
//   ConnectProxy proxy;                          // or ConnectProxy({"user", "secret"})
//   ... client with HTTPS_PROXY=proxy.url() calls https://127.0.0.1:PORT/ ...
//   EXPECT_EQ(proxy.connect_targets(), std::vector<std::string>{"127.0.0.1:PORT"});
//
// Answers: 200 "Connection established" and a tunnel; 403 for a target outside 127.0.0.0/8, ::1
// and "localhost" (no connection is attempted: tests never reach other hosts, and names are never
// resolved); 407 without the configured credentials; 405 for any method but CONNECT; 400 for a
// malformed request; 502 when the target refuses; 503 when max_tunnels connections are open.
// One thread accepts, one thread per client connection runs its handshake and tunnel. Thread-safe.
#pragma once

#include <atomic>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "support/loopback_socket.h"

namespace genauth::testing {

struct ConnectProxyOptions {
  // Non-empty: every request must carry "Proxy-Authorization: Basic base64(username:password)",
  // or it is answered 407 with "Proxy-Authenticate: Basic".
  std::string username;
  std::string password;
  // Client connections served at once (handshakes and tunnels); more are answered 503.
  size_t max_connections = 64;
};

// One request the proxy answered.
struct ProxyRequest {
  std::string method;
  std::string target;                          // "host:port" for CONNECT
  std::map<std::string, std::string> headers;  // names lower-cased
  int status = 0;                              // the proxy's answer
};

class ConnectProxy {
 public:
  ConnectProxy();
  explicit ConnectProxy(ConnectProxyOptions options);
  ~ConnectProxy();  // Stop()s
  ConnectProxy(const ConnectProxy&) = delete;
  ConnectProxy& operator=(const ConnectProxy&) = delete;

  int port() const { return port_; }
  std::string url() const;  // "http://127.0.0.1:PORT", for HTTPS_PROXY or CURLOPT_PROXY

  std::vector<ProxyRequest> requests() const;
  // The target of every CONNECT, in arrival order, whatever the answer.
  std::vector<std::string> connect_targets() const;
  // Tunnels established (answered 200), and how many are open now.
  int tunnels() const { return tunnels_.load(); }
  int open_tunnels() const { return open_tunnels_.load(); }
  // Connections the proxy tried to open to targets (a refused target is never tried).
  int upstream_connects() const { return upstream_connects_.load(); }

  // Closes the listening socket and every tunnel, then joins all threads. Idempotent; returns
  // within milliseconds.
  void Stop();

 private:
  void AcceptLoop();
  void Serve(UniqueFd client);
  // Relays bytes between the two sockets until either closes or the proxy stops.
  void Tunnel(int client, int upstream);
  void Record(ProxyRequest request);

  const ConnectProxyOptions options_;
  const std::string expected_credentials_;  // base64(username:password), empty when not required
  int port_ = 0;                            // before listen_fd_, whose initialisation sets it
  UniqueFd listen_fd_;
  StopSignal stop_;
  std::atomic<int> tunnels_{0};
  std::atomic<int> open_tunnels_{0};
  std::atomic<int> upstream_connects_{0};

  mutable std::mutex mu_;
  std::vector<ProxyRequest> requests_;  // guarded by mu_

  std::thread acceptor_;  // last: starts once everything above exists
};

}  // namespace genauth::testing
