// Reading google.api.http and idempotency_level (see rest_mapping.h).
#include "service/rest_mapping.h"

#include "google/api/annotations.pb.h"

namespace genauth::service {

absl::StatusOr<RestMapping> MappingForMethod(const google::protobuf::MethodDescriptor& method) {
  const auto& options = method.options();
  const std::string where = "method " + method.full_name();
  if (!options.HasExtension(google::api::http)) {
    return absl::FailedPreconditionError(where + " has no google.api.http annotation");
  }
  const google::api::HttpRule& rule = options.GetExtension(google::api::http);
  RestMapping mapping;
  mapping.rpc = method.name();
  switch (rule.pattern_case()) {
    case google::api::HttpRule::kGet:
      mapping.verb = "GET";
      mapping.path = rule.get();
      break;
    case google::api::HttpRule::kPost:
      mapping.verb = "POST";
      mapping.path = rule.post();
      break;
    default:
      return absl::FailedPreconditionError(where + ": only get and post mappings are supported");
  }
  if (mapping.path.empty() || mapping.path.front() != '/' ||
      mapping.path.find('{') != std::string::npos) {
    return absl::FailedPreconditionError(where + ": the path must be a literal absolute path");
  }
  if (mapping.verb == "POST") {
    if (rule.body() != "*") {
      return absl::FailedPreconditionError(where + ": a post mapping must have body \"*\"");
    }
    mapping.body_is_request = true;
  } else if (!rule.body().empty()) {
    return absl::FailedPreconditionError(where + ": a get mapping cannot have a body");
  }
  const auto level = options.idempotency_level();
  mapping.idempotency = level == google::protobuf::MethodOptions::NO_SIDE_EFFECTS ||
                                level == google::protobuf::MethodOptions::IDEMPOTENT
                            ? retry::Idempotency::kIdempotent
                            : retry::Idempotency::kSideEffects;
  return mapping;
}

absl::StatusOr<std::map<std::string, RestMapping>> MappingsForService(
    const google::protobuf::ServiceDescriptor& service) {
  std::map<std::string, RestMapping> mappings;
  for (int i = 0; i < service.method_count(); ++i) {
    const auto* method = service.method(i);
    auto mapping = MappingForMethod(*method);
    if (!mapping.ok()) return mapping.status();
    mappings.emplace(method->full_name(), *std::move(mapping));
  }
  return mappings;
}

}  // namespace genauth::service
