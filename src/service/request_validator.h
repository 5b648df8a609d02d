// Enforces the `(genauth.management.v1.rules)` field options on a request message before any
// upstream call. Generic: works on any message through reflection.
#pragma once

#include "absl/status/status.h"
#include "google/protobuf/message.h"

namespace genauth::service {

// OK, or INVALID_ARGUMENT naming every violated field (ErrorInfo reason INVALID_REQUEST, metadata
// `fields` listing them).
absl::Status ValidateRequest(const google::protobuf::Message& request);

}  // namespace genauth::service
