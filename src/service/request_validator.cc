// Field-rule validation (see request_validator.h).
#include "service/request_validator.h"

#include <string>
#include <vector>

#include "errors/error_details.h"
#include "genauth/management/v1/field_rules.pb.h"

namespace genauth::service {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

bool IsSet(const Message& message, const FieldDescriptor& field) {
  const Reflection& reflection = *message.GetReflection();
  if (field.is_repeated()) return reflection.FieldSize(message, &field) > 0;
  if (field.cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
    std::string scratch;
    return !reflection.GetStringReference(message, &field, &scratch).empty();
  }
  if (field.has_presence()) return reflection.HasField(message, &field);
  // Plain proto3 scalars have no presence: zero counts as unset.
  return reflection.HasField(message, &field);
}

// Integer value for bounds checks; false for non-integer fields.
bool IntegerValue(const Message& message, const FieldDescriptor& field, int64_t* out) {
  const Reflection& reflection = *message.GetReflection();
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      *out = reflection.GetInt32(message, &field);
      return true;
    case FieldDescriptor::CPPTYPE_INT64:
      *out = reflection.GetInt64(message, &field);
      return true;
    case FieldDescriptor::CPPTYPE_UINT32:
      *out = reflection.GetUInt32(message, &field);
      return true;
    case FieldDescriptor::CPPTYPE_UINT64: {
      // Beyond INT64_MAX it exceeds any bound a rule can state: saturate.
      uint64_t value = reflection.GetUInt64(message, &field);
      *out = value > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(value);
      return true;
    }
    default:
      return false;
  }
}

}  // namespace

absl::Status ValidateRequest(const Message& request) {
  const auto* descriptor = request.GetDescriptor();
  std::vector<std::string> problems;
  std::string fields;
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor& field = *descriptor->field(i);
    if (!field.options().HasExtension(genauth::management::v1::rules)) continue;
    const auto& rules = field.options().GetExtension(genauth::management::v1::rules);
    const bool set = IsSet(request, field);
    std::string problem;
    if (rules.required() && !set) {
      problem = field.name() + " is required";
    } else if (set && !field.is_repeated()) {
      int64_t value = 0;
      if (IntegerValue(request, field, &value)) {
        if ((rules.has_min() && value < rules.min()) || (rules.has_max() && value > rules.max())) {
          problem = field.name() + " must be";
          if (rules.has_min()) problem += " at least " + std::to_string(rules.min());
          if (rules.has_min() && rules.has_max()) problem += " and";
          if (rules.has_max()) problem += " at most " + std::to_string(rules.max());
          problem += ", got " + std::to_string(value);
        }
      }
    }
    if (!problem.empty()) {
      problems.push_back(problem);
      fields += (fields.empty() ? "" : ",") + field.name();
    }
  }
  if (problems.empty()) return absl::OkStatus();
  std::string message = "invalid " + descriptor->name() + ": ";
  for (size_t i = 0; i < problems.size(); ++i) message += (i > 0 ? "; " : "") + problems[i];
  absl::Status status = absl::InvalidArgumentError(message);
  errors::SetErrorInfo(status, errors::reason::kInvalidRequest, {{"fields", fields}});
  return status;
}

}  // namespace genauth::service
