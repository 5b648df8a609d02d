// Wires the layers into a running sidecar: the upstream event loop and its libcurl transport,
// credentials, token fetcher and cache, GenAuth client, call handler, the gRPC server with health
// checking and reflection, the admin HTTP endpoint and the secret watcher. Used by main and,
// in-process, by integration tests (port 0).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "admin/admin_server.h"
#include "auth/credentials.h"
#include "auth/secret_watcher.h"
#include "auth/token_cache.h"
#include "common/clock.h"
#include "common/event_loop.h"
#include "common/random.h"
#include "grpcpp/grpcpp.h"
#include "observability/json_logger.h"
#include "observability/metrics.h"
#include "server/unix_socket.h"
#include "service/descriptor_service.h"
#include "service/unary_call_handler.h"
#include "upstream/genauth_client.h"
#include "upstream/http_transport.h"
#include "upstream/management_token_fetcher.h"

namespace genauth::server {

struct SidecarServerOptions {
  std::string listen_address = "127.0.0.1:50051";  // host:port (port 0 = any) or unix:/path
  // File mode of the socket of a unix:/path listen address: the mode it is created with.
  mode_t unix_socket_mode = 0660;
  // The access key. With secret_rotation, the secret is the one the file held at start-up. Start
  // moves the secret out of these options into Credentials and wipes this copy.
  std::string access_key_id;
  std::string access_key_secret;
  // Set: poll this file and switch to the secret it holds when it changes.
  std::optional<auth::SecretWatcherOptions> secret_rotation;
  // Set: serve /metrics, /healthz and /readyz there.
  std::optional<admin::AdminServerOptions> admin;
  upstream::HttpTransportOptions transport;
  upstream::ManagementTokenFetcherOptions token_fetcher;
  // Set: sign each request with the access key (GENAUTH_AUTH_SCHEME=signature) instead of using a
  // management token; the token cache then stays idle.
  std::optional<auth::RequestSignerOptions> signature;
  auth::TokenCacheOptions token_cache;
  upstream::GenAuthClientOptions client;
  service::CallHandlerOptions handler;
  // The largest request message accepted (gRPC refuses larger ones with RESOURCE_EXHAUSTED before
  // they are read into memory).
  size_t max_request_bytes = 4 * 1024 * 1024;
  // On shutdown: how long health says NOT_SERVING (and /readyz 503) while calls are still
  // accepted, so that whoever routes calls here notices before they are refused. The defaults
  // here are SIDECAR_*'s (tests/app/server_options_test.cc checks that they agree).
  common::Duration drain_delay = std::chrono::seconds(1);
  common::Duration shutdown_grace = std::chrono::seconds(10);
};

class SidecarServer {
 public:
  // Builds every layer and starts serving. `clock` and `random` must outlive the server. Errors
  // (the listen address or admin address cannot be bound, a stale socket path that is not a
  // socket) leave nothing running.
  static absl::StatusOr<std::unique_ptr<SidecarServer>> Start(
      SidecarServerOptions options, std::shared_ptr<const observability::JsonLogger> logger,
      common::Clock* clock, common::Random* random);
  ~SidecarServer();

  // The TCP port bound (useful with port 0); 0 for a Unix socket.
  int port() const { return port_; }
  // The admin endpoint's TCP port; 0 when it is off.
  int admin_port() const { return admin_ ? admin_->port() : 0; }
  observability::MetricsRegistry& metrics() { return metrics_; }

  // Serving and not draining: what /readyz reports.
  bool ready() const { return ready_.load(); }

  // Polls the secret file now instead of waiting for the next interval (tests; nothing to do
  // when rotation is off).
  void PollSecretFileNow();

  // Graceful stop: readiness and health turn NOT_SERVING, new calls are refused, in-flight calls
  // get up to the grace period, then everything stops. Idempotent; blocks until done.
  void Shutdown();

 private:
  // `access_key_secret` is the only copy the server keeps (options.access_key_secret is empty).
  SidecarServer(SidecarServerOptions options, std::string access_key_secret,
                std::shared_ptr<const observability::JsonLogger> logger, common::Clock* clock,
                common::Random* random);

  // Builds the gRPC server and binds its listening port (for a unix:/path: locked, a stale socket
  // removed, created with its final mode). Sets server_ and port_.
  absl::Status StartGrpc();

  // Starts the event loop and the transport, and exports their gauges.
  absl::Status StartUpstream();

  // Puts a new secret into use (the secret watcher's applier): with a token, only once a token was
  // fetched with it; with signatures, at once.
  absl::Status ApplySecret(const std::string& secret);

  const SidecarServerOptions options_;
  std::shared_ptr<const observability::JsonLogger> logger_;
  common::Clock* const clock_;
  observability::MetricsRegistry metrics_;
  auth::Credentials credentials_;
  common::EventLoop loop_;  // before everything that posts to it, so it is destroyed after them
  upstream::HttpTransport transport_;
  upstream::ManagementTokenFetcher fetcher_;
  auth::TokenCache tokens_;
  std::optional<auth::RequestSigner> signer_;
  upstream::GenAuthClient client_;
  std::unique_ptr<service::UnaryCallHandler> handler_;
  std::unique_ptr<service::DescriptorService> webhook_service_;
  // Held while gRPC serves on a unix:/path (see unix_socket.h). gRPC unlinks the socket file when
  // it stops, so the lock must outlive server_: declared before it, destroyed after it.
  std::unique_ptr<UnixSocketPathLock> socket_lock_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<admin::AdminServer> admin_;
  std::unique_ptr<auth::SecretWatcher> secret_watcher_;
  int port_ = 0;
  std::atomic<bool> ready_{false};
  bool shut_down_ = false;
};

}  // namespace genauth::server
