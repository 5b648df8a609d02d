// Layer wiring and lifecycle (see sidecar_server.h).
#include "server/sidecar_server.h"

#include <utility>

#include "common/duration.h"
#include "genauth/management/v1/webhook.pb.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"

namespace genauth::server {

SidecarServer::SidecarServer(SidecarServerOptions options,
                             std::shared_ptr<const observability::JsonLogger> logger,
                             common::Clock* clock, common::Random* random)
    : options_(std::move(options)),
      logger_(std::move(logger)),
      clock_(clock),
      transport_(options_.transport, clock),
      fetcher_(options_.token_fetcher, &transport_, clock),
      tokens_(options_.token_cache, &fetcher_, clock, random, &metrics_, logger_.get()),
      signer_(options_.signature
                  ? std::optional<auth::RequestSigner>(std::in_place, *options_.signature, clock)
                  : std::nullopt),
      client_(options_.client, &transport_, &tokens_, signer_ ? &*signer_ : nullptr, clock, random,
              &metrics_),
      executor_(options_.worker_threads, options_.max_queued_calls) {}

SidecarServer::~SidecarServer() { Shutdown(); }

absl::StatusOr<std::unique_ptr<SidecarServer>> SidecarServer::Start(
    SidecarServerOptions options, std::shared_ptr<const observability::JsonLogger> logger,
    common::Clock* clock, common::Random* random) {
  if (auto valid = options.client.retry.Validate(); !valid.ok()) return valid;
  std::unique_ptr<SidecarServer> self(
      new SidecarServer(std::move(options), std::move(logger), clock, random));

  // Reached through a generated message, not by name from the pool: that reference is what makes
  // the linker keep webhook.pb.o (and so the descriptor) in a binary built from static libraries.
  const auto* service =
      genauth::management::v1::TriggerWebhookRequest::descriptor()->file()->FindServiceByName(
          "WebhookService");
  if (service == nullptr)
    return absl::InternalError("WebhookService is missing from webhook.proto");
  auto handler =
      service::UnaryCallHandler::Create(*service, self->options_.handler, &self->client_,
                                        &self->executor_, clock, self->logger_, &self->metrics_);
  if (!handler.ok()) return handler.status();
  self->handler_ = *std::move(handler);
  self->webhook_service_ =
      std::make_unique<service::DescriptorService>(*service, self->handler_.get());

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int selected_port = 0;
  builder.AddListeningPort(self->options_.listen_address, grpc::InsecureServerCredentials(),
                           &selected_port);
  builder.RegisterService(self->webhook_service_.get());
  self->server_ = builder.BuildAndStart();
  if (!self->server_) {
    return absl::UnavailableError("could not listen on " + self->options_.listen_address +
                                  " (address in use, or not allowed?)");
  }
  self->port_ = selected_port;
  if (!self->signer_) self->tokens_.Start();  // signed requests need no token
  self->logger_->Info("sidecar started", {{"listen", self->options_.listen_address},
                                          {"port", selected_port},
                                          {"upstream", self->options_.transport.base_url},
                                          {"auth", self->signer_ ? "signature" : "token"}});
  return self;
}

void SidecarServer::Shutdown() {
  if (shut_down_ || !server_) return;
  shut_down_ = true;
  if (auto* health = server_->GetHealthCheckService()) health->SetServingStatus(false);
  handler_->StopAccepting();
  logger_->Info("sidecar draining", {{"inFlight", handler_->in_flight()},
                                     {"grace", common::FormatDuration(options_.shutdown_grace)}});
  // Shutdown waits for running calls until the deadline, then cancels what is left.
  server_->Shutdown(std::chrono::system_clock::now() + options_.shutdown_grace);
  executor_.Shutdown();
  tokens_.Stop();
  logger_->Info("sidecar stopped");
}

}  // namespace genauth::server
