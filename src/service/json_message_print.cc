// The protobuf JSON mapping's printing half, message -> JSON text (see json_message.h).
#include <cfloat>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "common/json_string.h"
#include "google/protobuf/struct.pb.h"
#include "service/json_message.h"
#include "service/well_known_type.h"

namespace genauth::service {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// The shortest of %.15g and %.17g that reads back as `value`: what protobuf's SimpleDtoa (and so
// its JSON printer) writes. Whole numbers print without a fraction ("3", not "3.0"), which the
// AK/SK signature of a body depends on.
void AppendDouble(double value, std::string* out) {
  char buffer[40];
  std::snprintf(buffer, sizeof(buffer), "%.*g", DBL_DIG, value);
  if (std::strtod(buffer, nullptr) != value) {
    std::snprintf(buffer, sizeof(buffer), "%.*g", DBL_DIG + 2, value);
  }
  out->append(buffer);
}

void AppendFloat(float value, std::string* out) {
  char buffer[40];
  std::snprintf(buffer, sizeof(buffer), "%.*g", FLT_DIG, static_cast<double>(value));
  if (std::strtof(buffer, nullptr) != value) {
    std::snprintf(buffer, sizeof(buffer), "%.*g", FLT_DIG + 3, static_cast<double>(value));
  }
  out->append(buffer);
}

// NaN and infinities are strings in the JSON mapping.
bool AppendNonFinite(double value, std::string* out) {
  if (std::isnan(value)) {
    out->append("\"NaN\"");
  } else if (std::isinf(value)) {
    out->append(value > 0 ? "\"Infinity\"" : "\"-Infinity\"");
  } else {
    return false;
  }
  return true;
}

JsonConversion PrintMessage(const Message& message, std::string* out);
JsonConversion PrintStruct(const google::protobuf::Struct& value, std::string* out);
JsonConversion PrintListValue(const google::protobuf::ListValue& value, std::string* out);

JsonConversion PrintValue(const google::protobuf::Value& value, std::string* out) {
  switch (value.kind_case()) {
    case google::protobuf::Value::kNullValue:
      out->append("null");
      return JsonConversion::kOk;
    case google::protobuf::Value::kNumberValue:
      // util refuses non-finite numbers in a Value; let it say so.
      if (!std::isfinite(value.number_value())) return JsonConversion::kUnsupported;
      AppendDouble(value.number_value(), out);
      return JsonConversion::kOk;
    case google::protobuf::Value::kStringValue:
      common::AppendJsonString(value.string_value(), out);
      return JsonConversion::kOk;
    case google::protobuf::Value::kBoolValue:
      out->append(value.bool_value() ? "true" : "false");
      return JsonConversion::kOk;
    case google::protobuf::Value::kStructValue:
      return PrintStruct(value.struct_value(), out);
    case google::protobuf::Value::kListValue:
      return PrintListValue(value.list_value(), out);
    case google::protobuf::Value::KIND_NOT_SET:
      break;
  }
  return JsonConversion::kUnsupported;  // util's answer for an empty Value
}

JsonConversion PrintStruct(const google::protobuf::Struct& value, std::string* out) {
  out->push_back('{');
  bool first = true;
  for (const auto& [key, field] : value.fields()) {
    if (!first) out->push_back(',');
    first = false;
    common::AppendJsonString(key, out);
    out->push_back(':');
    if (JsonConversion c = PrintValue(field, out); c != JsonConversion::kOk) return c;
  }
  out->push_back('}');
  return JsonConversion::kOk;
}

JsonConversion PrintListValue(const google::protobuf::ListValue& value, std::string* out) {
  out->push_back('[');
  for (int i = 0; i < value.values_size(); ++i) {
    if (i > 0) out->push_back(',');
    if (JsonConversion c = PrintValue(value.values(i), out); c != JsonConversion::kOk) return c;
  }
  out->push_back(']');
  return JsonConversion::kOk;
}

// A generated well-known message, or kUnsupported for a dynamic one (util handles those).
JsonConversion PrintWellKnown(const Message& message, WellKnown kind, std::string* out) {
  switch (kind) {
    case WellKnown::kStruct:
      if (const auto* v = dynamic_cast<const google::protobuf::Struct*>(&message)) {
        return PrintStruct(*v, out);
      }
      break;
    case WellKnown::kValue:
      if (const auto* v = dynamic_cast<const google::protobuf::Value*>(&message)) {
        return PrintValue(*v, out);
      }
      break;
    case WellKnown::kListValue:
      if (const auto* v = dynamic_cast<const google::protobuf::ListValue*>(&message)) {
        return PrintListValue(*v, out);
      }
      break;
    default:
      break;
  }
  return JsonConversion::kUnsupported;
}

// One value of `field` (element `index` when repeated).
JsonConversion PrintFieldValue(const Message& message, const FieldDescriptor& field, int index,
                               std::string* out) {
  const Reflection& r = *message.GetReflection();
  const bool rep = field.is_repeated();
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      out->append(std::to_string(rep ? r.GetRepeatedInt32(message, &field, index)
                                     : r.GetInt32(message, &field)));
      break;
    case FieldDescriptor::CPPTYPE_UINT32:
      out->append(std::to_string(rep ? r.GetRepeatedUInt32(message, &field, index)
                                     : r.GetUInt32(message, &field)));
      break;
    case FieldDescriptor::CPPTYPE_INT64:
      out->push_back('"');
      out->append(std::to_string(rep ? r.GetRepeatedInt64(message, &field, index)
                                     : r.GetInt64(message, &field)));
      out->push_back('"');
      break;
    case FieldDescriptor::CPPTYPE_UINT64:
      out->push_back('"');
      out->append(std::to_string(rep ? r.GetRepeatedUInt64(message, &field, index)
                                     : r.GetUInt64(message, &field)));
      out->push_back('"');
      break;
    case FieldDescriptor::CPPTYPE_DOUBLE: {
      const double v =
          rep ? r.GetRepeatedDouble(message, &field, index) : r.GetDouble(message, &field);
      if (!AppendNonFinite(v, out)) AppendDouble(v, out);
      break;
    }
    case FieldDescriptor::CPPTYPE_FLOAT: {
      const float v =
          rep ? r.GetRepeatedFloat(message, &field, index) : r.GetFloat(message, &field);
      if (!AppendNonFinite(static_cast<double>(v), out)) AppendFloat(v, out);
      break;
    }
    case FieldDescriptor::CPPTYPE_BOOL:
      out->append((rep ? r.GetRepeatedBool(message, &field, index) : r.GetBool(message, &field))
                      ? "true"
                      : "false");
      break;
    case FieldDescriptor::CPPTYPE_ENUM: {
      if (field.enum_type()->full_name() == "google.protobuf.NullValue") {
        out->append("null");
        break;
      }
      const int number =
          rep ? r.GetRepeatedEnumValue(message, &field, index) : r.GetEnumValue(message, &field);
      const auto* value = field.enum_type()->FindValueByNumber(number);
      if (value != nullptr) {
        common::AppendJsonString(value->name(), out);
      } else {
        out->append(std::to_string(number));  // an open enum's unknown number
      }
      break;
    }
    case FieldDescriptor::CPPTYPE_STRING:
      if (field.type() == FieldDescriptor::TYPE_BYTES) return JsonConversion::kUnsupported;
      common::AppendJsonString(
          rep ? r.GetRepeatedString(message, &field, index) : r.GetString(message, &field), out);
      break;
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      const Message& child =
          rep ? r.GetRepeatedMessage(message, &field, index) : r.GetMessage(message, &field);
      const WellKnown kind = WellKnownOf(*field.message_type());
      return kind == WellKnown::kNone ? PrintMessage(child, out) : PrintWellKnown(child, kind, out);
    }
  }
  return JsonConversion::kOk;
}

JsonConversion PrintMap(const Message& message, const FieldDescriptor& field, std::string* out) {
  const Reflection& r = *message.GetReflection();
  const FieldDescriptor* key_field = field.message_type()->map_key();
  const FieldDescriptor* value_field = field.message_type()->map_value();
  out->push_back('{');
  for (int i = 0; i < r.FieldSize(message, &field); ++i) {
    if (i > 0) out->push_back(',');
    const Message& entry = r.GetRepeatedMessage(message, &field, i);
    // Keys are always strings in JSON: print the key, then quote it unless it already is.
    std::string key;
    if (JsonConversion c = PrintFieldValue(entry, *key_field, 0, &key); c != JsonConversion::kOk) {
      return c;
    }
    if (key.empty() || key.front() != '"') key = "\"" + key + "\"";
    out->append(key);
    out->push_back(':');
    if (JsonConversion c = PrintFieldValue(entry, *value_field, 0, out); c != JsonConversion::kOk) {
      return c;
    }
  }
  out->push_back('}');
  return JsonConversion::kOk;
}

JsonConversion PrintMessage(const Message& message, std::string* out) {
  const Reflection& r = *message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r.ListFields(message, &fields);  // set fields only, by number: what util prints
  out->push_back('{');
  bool first = true;
  for (const FieldDescriptor* field : fields) {
    if (field->is_extension()) return JsonConversion::kUnsupported;
    if (!first) out->push_back(',');
    first = false;
    common::AppendJsonString(field->json_name(), out);
    out->push_back(':');
    JsonConversion c = JsonConversion::kOk;
    if (field->is_map()) {
      c = PrintMap(message, *field, out);
    } else if (field->is_repeated()) {
      out->push_back('[');
      for (int i = 0; i < r.FieldSize(message, field) && c == JsonConversion::kOk; ++i) {
        if (i > 0) out->push_back(',');
        c = PrintFieldValue(message, *field, i, out);
      }
      out->push_back(']');
    } else {
      c = PrintFieldValue(message, *field, 0, out);
    }
    if (c != JsonConversion::kOk) return c;
  }
  out->push_back('}');
  return JsonConversion::kOk;
}

}  // namespace

JsonConversion MessageToJson(const Message& message, std::string* out) {
  const WellKnown kind = WellKnownOf(*message.GetDescriptor());
  if (kind != WellKnown::kNone) return PrintWellKnown(message, kind, out);
  return PrintMessage(message, out);
}

}  // namespace genauth::service
