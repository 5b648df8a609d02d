// Where genauth-cli finds an RPC by name, and how it makes that RPC's messages. WebhookService
// comes from the generated descriptor pool, so every RPC added to webhook.proto is callable (and
// listed in help) without touching the CLI. grpc.health.v1.Health is described by a small pool of
// our own: gRPC C++ serves it without linking any protobuf descriptor for it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace genauth::cli {

// The service whose methods `call METHOD` takes by their short name.
inline constexpr char kWebhookService[] = "genauth.management.v1.WebhookService";
// grpc.health.v1.Health/Check, used by `health`.
inline constexpr char kHealthCheckMethod[] = "grpc.health.v1.Health.Check";

// A unary method and the factory for its messages. Both point into process-lifetime pools.
struct ResolvedMethod {
  const google::protobuf::MethodDescriptor* method = nullptr;
  google::protobuf::MessageFactory* factory = nullptr;

  std::unique_ptr<google::protobuf::Message> NewRequest() const;
  std::unique_ptr<google::protobuf::Message> NewResponse() const;
  // The HTTP/2 path gRPC calls it by: "/genauth.management.v1.WebhookService/TriggerWebhook".
  std::string Path() const;
};

// Finds a method by "TriggerWebhook" (a WebhookService method), "pkg.Service/Method",
// "/pkg.Service/Method" or "pkg.Service.Method". nullopt when there is no such method.
// Streaming methods are returned too; callers reject them.
std::optional<ResolvedMethod> FindMethod(std::string_view name);

// The short names of WebhookService's methods, in declaration order.
std::vector<std::string> WebhookMethodNames();

}  // namespace genauth::cli
