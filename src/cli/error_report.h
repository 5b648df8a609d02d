// How genauth-cli shows a failed call: a few lines for people, or one JSON object for scripts. Both
// decode the google.rpc.Status details the sidecar sends (ErrorInfo with GenAuth's statusCode,
// apiCode and requestId; RetryInfo), since those say why a call failed and whether to retry.
#pragma once

#include <string>
#include <string_view>

#include "grpcpp/support/status.h"

namespace genauth::cli {

// "OK", "NOT_FOUND", ... as in the gRPC docs; "CODE_<n>" for numbers outside the canonical set.
std::string StatusCodeName(grpc::StatusCode code);

// "error: NOT_FOUND: message" and one indented line per detail fact:
//   "  reason: R (domain D)", "  metadata: key=value" (sorted by key), "  retry after: 1.5s",
//   "  detail: TYPE_URL" for types the CLI does not know. Ends with a newline.
std::string FormatErrorText(const grpc::Status& status);

// {"code":"NOT_FOUND","message":"...","details":[{"@type":"type.googleapis.com/...",...}]}: each
// detail in the protobuf JSON mapping when its type is linked in, else only its "@type". One line,
// no trailing newline.
std::string FormatErrorJson(const grpc::Status& status);

}  // namespace genauth::cli
