// Which google.protobuf well-known type a message is, for the JSON mapping (json_message.h):
// Struct, Value and ListValue have their own JSON forms; the others are left to protobuf's util.
#pragma once

#include <string>

#include "google/protobuf/descriptor.h"

namespace genauth::service {

enum class WellKnown { kNone, kStruct, kValue, kListValue, kOther };

inline WellKnown WellKnownOf(const google::protobuf::Descriptor& descriptor) {
  const std::string& name = descriptor.full_name();
  if (name.rfind("google.protobuf.", 0) != 0) return WellKnown::kNone;
  if (name == "google.protobuf.Struct") return WellKnown::kStruct;
  if (name == "google.protobuf.Value") return WellKnown::kValue;
  if (name == "google.protobuf.ListValue") return WellKnown::kListValue;
  return WellKnown::kOther;
}

}  // namespace genauth::service
