// Reads each RPC's REST mapping from the .proto: the `google.api.http` annotation (verb, path,
// body) and the standard `idempotency_level` method option. This is the only place that knows how
// the contract declares GenAuth calls, so adding an RPC needs no C++.
#pragma once

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "google/protobuf/descriptor.h"
#include "retry/retry_policy.h"

namespace genauth::service {

struct RestMapping {
  std::string rpc;               // the method's simple name, e.g. "TriggerWebhook"
  std::string verb;              // "GET" or "POST"
  std::string path;              // e.g. "/api/v3/trigger-webhook"
  bool body_is_request = false;  // POST with body "*": the whole request message is the JSON body
  retry::Idempotency idempotency = retry::Idempotency::kSideEffects;
};

// The mapping of one method. Errors name the method and what is missing or unsupported (path
// templates, partial bodies and verbs other than GET/POST are not used by GenAuth's API).
absl::StatusOr<RestMapping> MappingForMethod(const google::protobuf::MethodDescriptor& method);

// Mappings of every method of a service, keyed by the method's full name.
absl::StatusOr<std::map<std::string, RestMapping>> MappingsForService(
    const google::protobuf::ServiceDescriptor& service);

}  // namespace genauth::service
