// Wires the layers into a running sidecar: transport, token fetcher and cache, GenAuth client,
// executor, call handler, the gRPC server with health checking and reflection. Used by main and,
// in-process, by integration tests (port 0).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "auth/token_cache.h"
#include "common/bounded_executor.h"
#include "common/clock.h"
#include "common/random.h"
#include "grpcpp/grpcpp.h"
#include "observability/json_logger.h"
#include "observability/metrics.h"
#include "service/descriptor_service.h"
#include "service/unary_call_handler.h"
#include "upstream/genauth_client.h"
#include "upstream/http_transport.h"
#include "upstream/management_token_fetcher.h"

namespace genauth::server {

struct SidecarServerOptions {
  std::string listen_address = "127.0.0.1:50051";  // host:port (port 0 = any) or unix:/path
  upstream::HttpTransportOptions transport;
  upstream::ManagementTokenFetcherOptions token_fetcher;
  // Set: sign each request with the access key (GENAUTH_AUTH_SCHEME=signature) instead of using a
  // management token; the token cache then stays idle.
  std::optional<auth::RequestSignerOptions> signature;
  auth::TokenCacheOptions token_cache;
  upstream::GenAuthClientOptions client;
  service::CallHandlerOptions handler;
  size_t worker_threads = 32;
  size_t max_queued_calls = 256;
  common::Duration shutdown_grace = std::chrono::seconds(10);
};

class SidecarServer {
 public:
  // Builds every layer and starts serving. `clock` and `random` must outlive the server.
  static absl::StatusOr<std::unique_ptr<SidecarServer>> Start(
      SidecarServerOptions options, std::shared_ptr<const observability::JsonLogger> logger,
      common::Clock* clock, common::Random* random);
  ~SidecarServer();

  // The TCP port bound (useful with port 0); 0 for a Unix socket.
  int port() const { return port_; }
  observability::MetricsRegistry& metrics() { return metrics_; }

  // Graceful stop: health turns NOT_SERVING, new calls are refused, in-flight calls get up to the
  // grace period, then everything stops. Idempotent; blocks until done.
  void Shutdown();

 private:
  SidecarServer(SidecarServerOptions options,
                std::shared_ptr<const observability::JsonLogger> logger, common::Clock* clock,
                common::Random* random);

  const SidecarServerOptions options_;
  std::shared_ptr<const observability::JsonLogger> logger_;
  common::Clock* const clock_;
  observability::MetricsRegistry metrics_;
  upstream::HttpTransport transport_;
  upstream::ManagementTokenFetcher fetcher_;
  auth::TokenCache tokens_;
  std::optional<auth::RequestSigner> signer_;
  upstream::GenAuthClient client_;
  common::BoundedExecutor executor_;
  std::unique_ptr<service::UnaryCallHandler> handler_;
  std::unique_ptr<service::DescriptorService> webhook_service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  bool shut_down_ = false;
};

}  // namespace genauth::server
