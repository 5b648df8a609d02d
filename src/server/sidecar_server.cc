// Layer wiring and lifecycle (see sidecar_server.h).
#include "server/sidecar_server.h"

#include <algorithm>
#include <utility>

#include "common/duration.h"
#include "common/secret_file.h"
#include "common/secret_memory.h"
#include "genauth/management/v1/webhook.pb.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "server/unix_socket.h"
#include "sidecar_version.h"

namespace genauth::server {
namespace {

// How often a drain looks whether the calls in flight have all been answered.
constexpr auto kDrainPollInterval = std::chrono::milliseconds(10);

// The client's options with a log line on every circuit breaker state change and on every step of
// the token renewal back-off.
upstream::GenAuthClientOptions WithStateChangeLogs(upstream::GenAuthClientOptions options,
                                                   const observability::JsonLogger* logger) {
  options.on_circuit_change = [logger](upstream::CircuitState from, upstream::CircuitState to,
                                       int failures) {
    nlohmann::json fields = {{"from", upstream::CircuitStateName(from)},
                             {"to", upstream::CircuitStateName(to)},
                             {"consecutiveFailures", failures}};
    if (to == upstream::CircuitState::kOpen) {
      logger->Warn("GenAuth circuit breaker opened; calls fail fast until a probe succeeds",
                   std::move(fields));
    } else {
      logger->Info("GenAuth circuit breaker state changed", std::move(fields));
    }
  };
  options.on_token_renewal_backoff = [logger](int fresh_refusals, common::Duration wait) {
    logger->Warn(
        "GenAuth refused a fresh management token; token renewals back off (check the access "
        "key and the clock)",
        {{"freshTokensRefused", fresh_refusals}, {"renewIn", common::FormatDuration(wait)}});
  };
  return options;
}

// A proxy URL for the log: "http://user:secret@host:3128" becomes "http://***@host:3128".
std::string RedactUserInfo(const std::string& url) {
  const size_t scheme = url.find("://");
  const size_t start = scheme == std::string::npos ? 0 : scheme + 3;
  const size_t at = url.find('@', start);
  const size_t slash = url.find('/', start);
  if (at == std::string::npos || (slash != std::string::npos && slash < at)) return url;
  return url.substr(0, start) + "***" + url.substr(at);
}

// The secret watcher's file reader: the same bounded, regular-file-only read as at start-up.
absl::StatusOr<std::string> ReadSecretFileContent(const std::string& path) {
  absl::StatusOr<common::SecretFileContent> file = common::ReadSecretFile(path);
  if (!file.ok()) return file.status();
  return std::move(file->content);  // moved, not copied: the watcher wipes this buffer
}

}  // namespace

SidecarServer::SidecarServer(SidecarServerOptions options, std::string access_key_secret,
                             std::shared_ptr<const observability::JsonLogger> logger,
                             common::Clock* clock, common::Random* random)
    : options_(std::move(options)),
      logger_(std::move(logger)),
      clock_(clock),
      credentials_(options_.access_key_id, std::move(access_key_secret)),
      loop_(clock),
      transport_(options_.transport, &loop_, clock),
      fetcher_(options_.token_fetcher, &credentials_, &transport_, clock),
      tokens_(options_.token_cache, &fetcher_, clock, random, &metrics_, logger_.get()),
      signer_(options_.signature ? std::optional<auth::RequestSigner>(
                                       std::in_place, *options_.signature, &credentials_, clock)
                                 : std::nullopt),
      client_(WithStateChangeLogs(options_.client, logger_.get()), &transport_, &loop_, &tokens_,
              signer_ ? &*signer_ : nullptr, clock, random, &metrics_) {}

SidecarServer::~SidecarServer() {
  Shutdown();
  for (const char* name :
       {"genauth_upstream_transfers_in_flight", "genauth_upstream_loop_busy_seconds",
        "genauth_upstream_loop_timers", "genauth_log_lines_dropped"}) {
    metrics_.SetGaugeFunction(name, {}, "", nullptr);
  }
}

absl::Status SidecarServer::StartUpstream() {
  if (absl::Status started = loop_.Start(); !started.ok()) return started;
  if (absl::Status ready = transport_.Init(); !ready.ok()) return ready;
  // Read when scraped; the loop thread writes them with relaxed atomics.
  metrics_.SetGaugeFunction(
      "genauth_upstream_transfers_in_flight", {},
      "HTTP exchanges with GenAuth in flight (token fetches included)",
      [this]() -> std::optional<double> { return static_cast<double>(transport_.in_flight()); });
  metrics_.SetGaugeFunction(
      "genauth_upstream_loop_busy_seconds", {},
      "Seconds the upstream event loop spent handling events (its CPU share: rate() of this)",
      [this]() -> std::optional<double> { return loop_.busy_seconds(); });
  metrics_.SetGaugeFunction(
      "genauth_upstream_loop_timers", {},
      "Timers pending on the upstream event loop (retry waits, token waits, libcurl's timeout)",
      [this]() -> std::optional<double> { return static_cast<double>(loop_.pending_timers()); });
  metrics_.SetGaugeFunction(
      "genauth_log_lines_dropped", {},
      "Log lines dropped because stdout could not take them (its reader stalled); counts up",
      [this]() -> std::optional<double> { return static_cast<double>(logger_->dropped_lines()); });
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<SidecarServer>> SidecarServer::Start(
    SidecarServerOptions options, std::shared_ptr<const observability::JsonLogger> logger,
    common::Clock* clock, common::Random* random) {
  if (auto valid = options.client.Validate(); !valid.ok()) {
    common::WipeString(options.access_key_secret);
    return valid;
  }
  // Moved out so that the options the server keeps for its lifetime hold no copy of the secret.
  std::string access_key_secret = std::move(options.access_key_secret);
  common::WipeString(options.access_key_secret);  // what a move may leave of a short string
  std::unique_ptr<SidecarServer> self(new SidecarServer(
      std::move(options), std::move(access_key_secret), std::move(logger), clock, random));
  const SidecarServerOptions& o = self->options_;

  // Reached through a generated message, not by name from the pool: that reference is what makes
  // the linker keep webhook.pb.o (and so the descriptor) in a binary built from static libraries.
  const auto* service =
      genauth::management::v1::TriggerWebhookRequest::descriptor()->file()->FindServiceByName(
          "WebhookService");
  if (service == nullptr)
    return absl::InternalError("WebhookService is missing from webhook.proto");
  if (absl::Status upstream = self->StartUpstream(); !upstream.ok()) return upstream;
  auto handler = service::UnaryCallHandler::Create(*service, o.handler, &self->client_, clock,
                                                   random, self->logger_, &self->metrics_);
  if (!handler.ok()) return handler.status();
  self->handler_ = *std::move(handler);
  self->webhook_service_ =
      std::make_unique<service::DescriptorService>(*service, self->handler_.get());

  if (absl::Status listening = self->StartGrpc(); !listening.ok()) return listening;
  const std::optional<std::string> socket_path = UnixSocketPath(o.listen_address);
  // Errors from here on must stop the gRPC server quietly (no drain log for a start that failed).
  auto fail = [&self](absl::Status status) {
    self->server_->Shutdown(std::chrono::system_clock::now());
    self->server_.reset();
    return status;
  };
  self->ready_ = true;
  if (o.admin) {
    SidecarServer* raw = self.get();
    auto admin =
        admin::AdminServer::Start(*o.admin, &self->metrics_, [raw] { return raw->ready(); });
    if (!admin.ok()) return fail(admin.status());
    self->admin_ = *std::move(admin);
  }
  if (!self->signer_) self->tokens_.Start();  // signed requests need no token
  if (o.secret_rotation) {
    SidecarServer* raw = self.get();
    self->secret_watcher_ = std::make_unique<auth::SecretWatcher>(
        *o.secret_rotation, std::string(*self->credentials_.secret()), ReadSecretFileContent,
        [raw](const std::string& secret) { return raw->ApplySecret(secret); }, clock,
        &self->metrics_, self->logger_.get());
    self->secret_watcher_->Start();
  }
  nlohmann::json fields = {{"version", kVersion},
                           {"listen", o.listen_address},
                           {"upstream", o.transport.base_url},
                           {"auth", self->signer_ ? "signature" : "token"},
                           {"maxInFlightCalls", o.handler.admission.max_calls},
                           {"maxInFlightBytes", o.handler.admission.max_bytes},
                           {"maxConnections", o.transport.max_connections}};
  if (!o.transport.proxy.empty()) {
    fields["proxy"] = RedactUserInfo(o.transport.proxy);
    if (!o.transport.no_proxy.empty()) fields["noProxy"] = o.transport.no_proxy;
  }
  fields["caFile"] = o.transport.ca_file.empty()
                         ? o.transport.system_ca_bundle
                         : o.transport.system_ca_bundle + " + " + o.transport.ca_file;
  if (socket_path) {
    fields["socketMode"] = FormatFileMode(o.unix_socket_mode);
  } else {
    fields["port"] = self->port_;
  }
  if (self->admin_) {
    fields["admin"] = o.admin->listen_address;
    fields["adminPort"] = self->admin_->port();
  }
  if (o.secret_rotation) fields["secretFile"] = o.secret_rotation->path;
  self->logger_->Info("sidecar started", std::move(fields));
  return self;
}

absl::Status SidecarServer::StartGrpc() {
  const SidecarServerOptions& o = options_;
  const std::optional<std::string> socket_path = UnixSocketPath(o.listen_address);
  auto cannot_listen = [&o](const absl::Status& why) {
    return absl::FailedPreconditionError("could not listen on " + o.listen_address + ": " +
                                         std::string(why.message()));
  };
  if (socket_path) {
    auto lock = LockUnixSocketPath(*socket_path);
    if (!lock.ok()) return cannot_listen(lock.status());
    socket_lock_ = *std::move(lock);
    if (absl::Status free = PrepareUnixSocketPath(*socket_path); !free.ok()) {
      return cannot_listen(free);
    }
  }
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int selected_port = 0;
  builder.AddListeningPort(o.listen_address, grpc::InsecureServerCredentials(), &selected_port);
  builder.SetMaxReceiveMessageSize(static_cast<int>(o.max_request_bytes));
  // gRPC sets SO_REUSEPORT on its listeners by default, which would let any other process of the
  // same user in the pod bind the same port with SO_REUSEPORT too and receive a share of the
  // application's calls (the kernel spreads new connections over the sockets). Off, a second bind
  // of the port fails with EADDRINUSE whatever its options.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // Callers share the pod's loopback: there is no bandwidth-delay product to discover, and BDP
  // probing only widens the HTTP/2 windows so that gRPC buffers more of every incoming request
  // before the sidecar can refuse it (48 concurrent 3 MB calls: peak RSS ~100 MiB with it, ~83
  // without, measured by tests/e2e/memory_bound_test.sh's load).
  builder.AddChannelArgument(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  builder.RegisterService(webhook_service_.get());
  {
    // gRPC binds in BuildAndStart, on this thread: under this mask the socket file is created with
    // its final mode, so no process ever sees it with the umask's (no chmod afterwards, no window).
    std::optional<SocketCreationMask> mask;
    if (socket_path) mask.emplace(o.unix_socket_mode);
    server_ = builder.BuildAndStart();
  }
  if (!server_) {
    return absl::UnavailableError("could not listen on " + o.listen_address +
                                  " (address in use, or not allowed?)");
  }
  // gRPC reports 1 for a unix:/path listener; there is no port to report.
  port_ = socket_path ? 0 : selected_port;
  return absl::OkStatus();
}

absl::Status SidecarServer::ApplySecret(const std::string& secret) {
  if (signer_) {
    // Nothing to prove it with short of a real call: the next signature uses it, and GenAuth's
    // answer to that call tells.
    credentials_.SetSecret(secret);
    return absl::OkStatus();
  }
  // The current token stays in use until a token was fetched with the new secret; only then is
  // the secret switched, on the cache's fetch turn, so no later fetch can still use the old one.
  return tokens_.FetchReplacement(
      [this, &secret](common::TimePoint deadline) {
        return fetcher_.FetchWithSecret(secret, deadline);
      },
      [this, &secret] { credentials_.SetSecret(secret); });
}

void SidecarServer::PollSecretFileNow() {
  if (secret_watcher_) secret_watcher_->PollNow();
}

void SidecarServer::Shutdown() {
  if (shut_down_ || !server_) return;
  shut_down_ = true;
  // First, so that the platform stops routing new work here while calls drain.
  ready_ = false;
  if (auto* health = server_->GetHealthCheckService()) health->SetServingStatus(false);
  logger_->Info("sidecar draining", {{"inFlight", handler_->in_flight()},
                                     {"drainDelay", common::FormatDuration(options_.drain_delay)},
                                     {"grace", common::FormatDuration(options_.shutdown_grace)}});
  // Calls are still served while health says NOT_SERVING, so that a caller routing by health
  // moves away before anything is refused.
  if (options_.drain_delay > common::Duration::zero()) {
    clock_->SleepUntil(clock_->Now() + options_.drain_delay);
  }
  handler_->StopAccepting();
  // The listener stays open while the calls in flight finish, so that a new caller is told why
  // and when to come back (SHUTTING_DOWN with a RetryInfo) instead of meeting a closed port.
  const common::TimePoint grace_end = clock_->Now() + options_.shutdown_grace;
  while (handler_->in_flight() > 0 && clock_->Now() < grace_end) {
    clock_->SleepUntil(std::min(grace_end, clock_->Now() + kDrainPollInterval));
  }
  // Calls carried on for their idempotency keys (callers gone) had the grace; what is left is
  // cancelled now, while the loop runs.
  handler_->StopCarryingOn();
  // Shutdown waits for running calls until the deadline, then cancels what is left.
  // Calls are finished from the loop, so it runs until the server has answered every one.
  server_->Shutdown(std::chrono::system_clock::now() +
                    std::max(common::Duration::zero(), grace_end - clock_->Now()));
  if (secret_watcher_) secret_watcher_->Stop();
  tokens_.Stop();
  loop_.Stop();
  // Last, so that metrics can be scraped and /readyz answers 503 throughout the drain.
  if (admin_) admin_->Stop();
  logger_->Info("sidecar stopped");
}

}  // namespace genauth::server
