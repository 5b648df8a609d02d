// Protobuf messages to JSON for genauth-cli's output, with map entries (and so
// google.protobuf.Struct keys) in sorted order: the same response always prints the same bytes,
// which diffs, demos and tests rely on. Plain MessageToJsonString follows hash-map order.
#pragma once

#include <string>

#include "google/protobuf/message.h"

namespace genauth::cli {

// The protobuf JSON mapping of `message` (camelCase names, fields at their defaults omitted), on
// one line. Returns false with the reason in `error` when the message cannot be printed.
bool MessageToStableJson(const google::protobuf::Message& message, std::string* json,
                         std::string* error);

}  // namespace genauth::cli
