// The protobuf JSON mapping for the shapes GenAuth calls use, done directly by reflection:
// message -> JSON text (request bodies) and parsed JSON -> message (GenAuth's `data`).
//
// Why not google::protobuf::util: its JSON functions go through a type resolver and an
// intermediate binary encoding, and the reply was already parsed once (the envelope), so
// FillResponse used to print `data` back to text for protobuf to parse again. Together that was a
// fifth of the sidecar's CPU per call (BENCHMARKS.md, "Profile"). These functions give the same
// JSON and the same messages as util's (MessageToJsonString with camelCase names and default fields
// left out; JsonStringToMessage ignoring unknown fields) for scalars, enums, nested and repeated
// messages, maps and google.protobuf.Struct/Value/ListValue. Anything else (bytes, Any, Timestamp,
// Duration, wrappers, FieldMask) answers kUnsupported, and the caller then uses util's functions.
#pragma once

#include <string>

#include "google/protobuf/message.h"
#include "nlohmann/json.hpp"

namespace genauth::service {

enum class JsonConversion {
  kOk,
  kMismatch,     // the JSON does not fit the message (`error` says where)
  kUnsupported,  // a field type outside this mapping: use google::protobuf::util instead
};

// Appends `message` as compact JSON to `out`: set fields only (proto3 defaults left out), camelCase
// json names, 64-bit integers as strings, enums by name, Struct/Value/ListValue as plain JSON.
JsonConversion MessageToJson(const google::protobuf::Message& message, std::string* out);

// Merges the JSON object `json` into `message`. Keys may be json names or proto field names;
// unknown keys and unknown enum names are ignored, null leaves a field unset (a Value becomes
// null_value). Invalid UTF-8 in strings becomes U+FFFD.
JsonConversion JsonToMessage(const nlohmann::json& json, google::protobuf::Message* message,
                             std::string* error);

}  // namespace genauth::service
