// Turns a request message into a GenAuth HTTP call and GenAuth's `data` into the response message,
// using the protobuf JSON mapping: snake_case fields become GenAuth's camelCase names, unset fields
// are left out (GenAuth treats absent and null alike; the SDKs strip nulls), Struct/Value pass
// through as plain JSON.
#pragma once

#include "absl/status/statusor.h"
#include "google/protobuf/message.h"
#include "nlohmann/json.hpp"
#include "service/rest_mapping.h"
#include "upstream/genauth_client.h"

namespace genauth::service {

// POST: the message as the JSON body. GET: set top-level fields as query parameters (repeated
// fields repeat the key), URL-encoded later by the client (see Target).
absl::StatusOr<upstream::UpstreamCall> BuildUpstreamCall(const RestMapping& mapping,
                                                         const google::protobuf::Message& request);

// Fills `response` from GenAuth's `data` (null leaves it empty). Unknown keys are ignored so that
// newer GenAuth servers do not break older sidecars. INTERNAL when `data` does not fit the message.
absl::Status FillResponse(const nlohmann::json& data, google::protobuf::Message* response);

}  // namespace genauth::service
