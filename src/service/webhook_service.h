// genauth.management.v1.WebhookService. Every RPC forwards to the one UnaryCallHandler; what an RPC
// does upstream is declared in webhook.proto, not here.
#pragma once

#include "genauth/management/v1/webhook.grpc.pb.h"
#include "service/unary_call_handler.h"

namespace genauth::service {

class WebhookService final : public genauth::management::v1::WebhookService::CallbackService {
 public:
  explicit WebhookService(UnaryCallHandler* handler) : handler_(handler) {}

  grpc::ServerUnaryReactor* TriggerWebhook(
      grpc::CallbackServerContext* context,
      const genauth::management::v1::TriggerWebhookRequest* request,
      genauth::management::v1::TriggerWebhookResponse* response) override {
    return handler_->Handle(context, request, response);
  }

 private:
  UnaryCallHandler* const handler_;
};

}  // namespace genauth::service
