// JSON text from the command line into a protobuf message, with errors a person can act on: where
// the JSON is broken, that a value is not an object, or which field the message does not have.
#pragma once

#include <string>
#include <string_view>

#include "google/protobuf/message.h"

namespace genauth::cli {

// Parses `text`, which must be a JSON object, into `message` with the protobuf JSON mapping
// (camelCase or original field names; unknown fields are errors, to catch typos). `what` names the
// source in errors ("--body-json"). Returns the error, empty on success.
std::string ParseJsonObject(std::string_view what, std::string_view text,
                            google::protobuf::Message* message);

}  // namespace genauth::cli
