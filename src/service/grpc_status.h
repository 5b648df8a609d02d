// The one place where an absl::Status becomes a grpc::Status. Canonical codes share their numbers
// in both libraries; payloads keyed by a type URL (ErrorInfo, RetryInfo, BadRequest) become
// google.rpc.Status details, sent in the `grpc-status-details-bin` trailer.
#pragma once

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace genauth::service {

grpc::Status ToGrpcStatus(const absl::Status& status);

// "OK", "INVALID_ARGUMENT", ... as in the gRPC docs (logs and metrics labels).
const char* GrpcCodeName(absl::StatusCode code);

}  // namespace genauth::service
