// Method lookup for genauth-cli (see method_registry.h).
#include "cli/method_registry.h"

#include "genauth/management/v1/webhook.pb.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/text_format.h"

namespace genauth::cli {
namespace {

// grpc/health/v1/health.proto, reduced to Check. Field numbers and enum values are the wire
// contract (https://github.com/grpc/grpc/blob/master/doc/health-checking.md); the names make the
// JSON output readable ({"status":"SERVING"}).
constexpr char kHealthProtoText[] = R"pb(
  name: "grpc/health/v1/health.proto"
  package: "grpc.health.v1"
  syntax: "proto3"
  message_type {
    name: "HealthCheckRequest"
    field { name: "service" number: 1 label: LABEL_OPTIONAL type: TYPE_STRING json_name: "service" }
  }
  message_type {
    name: "HealthCheckResponse"
    field {
      name: "status"
      number: 1
      label: LABEL_OPTIONAL
      type: TYPE_ENUM
      type_name: ".grpc.health.v1.HealthCheckResponse.ServingStatus"
      json_name: "status"
    }
    enum_type {
      name: "ServingStatus"
      value { name: "UNKNOWN" number: 0 }
      value { name: "SERVING" number: 1 }
      value { name: "NOT_SERVING" number: 2 }
      value { name: "SERVICE_UNKNOWN" number: 3 }
    }
  }
  service {
    name: "Health"
    method {
      name: "Check"
      input_type: ".grpc.health.v1.HealthCheckRequest"
      output_type: ".grpc.health.v1.HealthCheckResponse"
    }
  }
)pb";

// The health pool and its factory, built once and never destroyed: messages made by the factory
// may be alive during static destruction.
struct HealthPool {
  google::protobuf::DescriptorPool pool;
  google::protobuf::DynamicMessageFactory factory{&pool};
  bool ok = false;
};

HealthPool& GetHealthPool() {
  static HealthPool* const health = [] {
    auto* h = new HealthPool;
    google::protobuf::FileDescriptorProto file;
    h->ok = google::protobuf::TextFormat::ParseFromString(kHealthProtoText, &file) &&
            h->pool.BuildFile(file) != nullptr;
    return h;
  }();
  return *health;
}

const google::protobuf::ServiceDescriptor* WebhookServiceDescriptor() {
  // Referencing the generated message keeps webhook.pb.cc linked in, which registers the file in
  // the generated pool (a static library drops object files nothing refers to).
  const google::protobuf::FileDescriptor* file =
      genauth::management::v1::TriggerWebhookRequest::descriptor()->file();
  return file->pool()->FindServiceByName(kWebhookService);
}

}  // namespace

std::unique_ptr<google::protobuf::Message> ResolvedMethod::NewRequest() const {
  return std::unique_ptr<google::protobuf::Message>(
      factory->GetPrototype(method->input_type())->New());
}

std::unique_ptr<google::protobuf::Message> ResolvedMethod::NewResponse() const {
  return std::unique_ptr<google::protobuf::Message>(
      factory->GetPrototype(method->output_type())->New());
}

std::string ResolvedMethod::Path() const {
  return "/" + method->service()->full_name() + "/" + method->name();
}

std::optional<ResolvedMethod> FindMethod(std::string_view name) {
  if (!name.empty() && name.front() == '/') name.remove_prefix(1);
  if (name.empty()) return std::nullopt;
  std::string full_name(name);
  if (size_t slash = full_name.find('/'); slash != std::string::npos) full_name[slash] = '.';

  if (full_name.find('.') == std::string::npos) {
    const google::protobuf::ServiceDescriptor* service = WebhookServiceDescriptor();
    const google::protobuf::MethodDescriptor* method =
        service == nullptr ? nullptr : service->FindMethodByName(full_name);
    if (method == nullptr) return std::nullopt;
    return ResolvedMethod{method, google::protobuf::MessageFactory::generated_factory()};
  }
  WebhookServiceDescriptor();  // make sure the generated pool holds webhook.proto
  if (const auto* method =
          google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(full_name)) {
    return ResolvedMethod{method, google::protobuf::MessageFactory::generated_factory()};
  }
  HealthPool& health = GetHealthPool();
  if (!health.ok) return std::nullopt;
  if (const auto* method = health.pool.FindMethodByName(full_name)) {
    return ResolvedMethod{method, &health.factory};
  }
  return std::nullopt;
}

std::vector<std::string> WebhookMethodNames() {
  std::vector<std::string> names;
  const google::protobuf::ServiceDescriptor* service = WebhookServiceDescriptor();
  if (service == nullptr) return names;
  for (int i = 0; i < service->method_count(); ++i) names.push_back(service->method(i)->name());
  return names;
}

}  // namespace genauth::cli
