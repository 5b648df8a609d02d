// The protobuf JSON mapping's parsing half, parsed JSON -> message (see json_message.h).
#include <cctype>
#include <cerrno>
#include <cfloat>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "google/protobuf/struct.pb.h"
#include "service/json_message.h"
#include "service/well_known_type.h"

namespace genauth::service {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using nlohmann::json;

// `text` with every invalid UTF-8 sequence replaced by U+FFFD, as the printer-and-reparser path
// did (nlohmann's error_handler_t::replace). Valid text is returned as is.
std::string ValidUtf8(const std::string& text) {
  auto continuation = [&](size_t i) {
    return i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80;
  };
  // Length of the valid sequence starting at `i`, or 0.
  auto sequence = [&](size_t i) -> size_t {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) return continuation(i + 1) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
      if (!continuation(i + 1) || !continuation(i + 2)) return 0;
      const auto c1 = static_cast<unsigned char>(text[i + 1]);
      if (c == 0xE0 && c1 < 0xA0) return 0;  // overlong
      if (c == 0xED && c1 > 0x9F) return 0;  // surrogate
      return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
      if (!continuation(i + 1) || !continuation(i + 2) || !continuation(i + 3)) return 0;
      const auto c1 = static_cast<unsigned char>(text[i + 1]);
      if (c == 0xF0 && c1 < 0x90) return 0;  // overlong
      if (c == 0xF4 && c1 > 0x8F) return 0;  // above U+10FFFF
      return 4;
    }
    return 0;
  };
  size_t i = 0;
  while (i < text.size()) {
    const size_t n = sequence(i);
    if (n == 0) break;
    i += n;
  }
  if (i == text.size()) return text;
  std::string out = text.substr(0, i);
  while (i < text.size()) {
    const size_t n = sequence(i);
    if (n == 0) {
      out.append("\xEF\xBF\xBD");
      ++i;
      while (continuation(i)) ++i;  // the rest of the broken sequence is part of the one error
    } else {
      out.append(text, i, n);
      i += n;
    }
  }
  return out;
}

void JsonToValue(const json& in, google::protobuf::Value* out);

void JsonToStruct(const json& in, google::protobuf::Struct* out) {
  auto& fields = *out->mutable_fields();
  for (auto it = in.begin(); it != in.end(); ++it)
    JsonToValue(it.value(), &fields[ValidUtf8(it.key())]);
}

void JsonToListValue(const json& in, google::protobuf::ListValue* out) {
  for (const json& element : in) JsonToValue(element, out->add_values());
}

void JsonToValue(const json& in, google::protobuf::Value* out) {
  switch (in.type()) {
    case json::value_t::null:
    case json::value_t::discarded:
      out->set_null_value(google::protobuf::NULL_VALUE);
      break;
    case json::value_t::boolean:
      out->set_bool_value(in.get<bool>());
      break;
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      out->set_number_value(in.get<double>());
      break;
    case json::value_t::string:
      out->set_string_value(ValidUtf8(in.get_ref<const std::string&>()));
      break;
    case json::value_t::array:
    case json::value_t::binary:
      JsonToListValue(in, out->mutable_list_value());
      break;
    case json::value_t::object:
      JsonToStruct(in, out->mutable_struct_value());
      break;
  }
}

const char* TypeName(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return "a number";
    case json::value_t::string:
      return "a string";
    case json::value_t::array:
      return "an array";
    case json::value_t::object:
      return "an object";
    default:
      return "something else";
  }
}

// An integer in [min, max] from a JSON number or a decimal string (both are the JSON mapping).
template <class Int>
bool ReadInteger(const json& in, Int* out) {
  constexpr auto kMin = std::numeric_limits<Int>::min();
  constexpr auto kMax = std::numeric_limits<Int>::max();
  if (in.is_number_unsigned()) {
    const auto v = in.get<uint64_t>();
    if (v > static_cast<uint64_t>(kMax)) return false;
    *out = static_cast<Int>(v);
    return true;
  }
  if (in.is_number_integer()) {
    const auto v = in.get<int64_t>();
    if (v < 0 && (!std::numeric_limits<Int>::is_signed || v < static_cast<int64_t>(kMin))) {
      return false;
    }
    if (v > 0 && static_cast<uint64_t>(v) > static_cast<uint64_t>(kMax)) return false;
    *out = static_cast<Int>(v);
    return true;
  }
  if (in.is_number_float()) {
    const double v = in.get<double>();
    if (v != std::floor(v) || v < static_cast<double>(kMin) || v > static_cast<double>(kMax)) {
      return false;
    }
    *out = static_cast<Int>(v);
    return true;
  }
  if (in.is_string()) {
    const std::string& text = in.get_ref<const std::string&>();
    if (text.empty()) return false;
    char* end = nullptr;
    errno = 0;
    if (std::numeric_limits<Int>::is_signed) {
      const long long v = std::strtoll(text.c_str(), &end, 10);
      if (errno != 0 || *end != '\0' || v < static_cast<long long>(kMin) ||
          v > static_cast<long long>(kMax)) {
        return false;
      }
      *out = static_cast<Int>(v);
    } else {
      if (text[0] == '-') return false;
      const unsigned long long v = std::strtoull(text.c_str(), &end, 10);
      if (errno != 0 || *end != '\0' || v > static_cast<unsigned long long>(kMax)) return false;
      *out = static_cast<Int>(v);
    }
    return true;
  }
  return false;
}

// A JSON boolean, or the words protobuf's parser also takes (absl::SimpleAtob's): true, t, yes,
// y, 1 and false, f, no, n, 0, in any case.
bool ReadBool(const json& in, bool* out) {
  if (in.is_boolean()) {
    *out = in.get<bool>();
    return true;
  }
  if (!in.is_string()) return false;
  std::string word = in.get<std::string>();
  for (char& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (word == "true" || word == "t" || word == "yes" || word == "y" || word == "1") {
    *out = true;
  } else if (word == "false" || word == "f" || word == "no" || word == "n" || word == "0") {
    *out = false;
  } else {
    return false;
  }
  return true;
}

bool ReadDouble(const json& in, double* out) {
  if (in.is_number()) {
    *out = in.get<double>();
    return true;
  }
  if (!in.is_string()) return false;
  const std::string& text = in.get_ref<const std::string&>();
  if (text == "NaN") {
    *out = std::numeric_limits<double>::quiet_NaN();
  } else if (text == "Infinity") {
    *out = std::numeric_limits<double>::infinity();
  } else if (text == "-Infinity") {
    *out = -std::numeric_limits<double>::infinity();
  } else {
    char* end = nullptr;
    errno = 0;
    *out = std::strtod(text.c_str(), &end);
    return !text.empty() && errno == 0 && *end == '\0';
  }
  return true;
}

JsonConversion ParseMessage(const json& in, Message* message, const std::string& path,
                            std::string* error);

JsonConversion Mismatch(const std::string& path, const char* expected, const json& got,
                        std::string* error) {
  *error = "field " + path + ": expected " + expected + ", got " + TypeName(got);
  return JsonConversion::kMismatch;
}

// Sets (or, for a repeated field, adds) one value of `field` from `in`.
JsonConversion ParseFieldValue(const json& in, const FieldDescriptor& field, Message* message,
                               const std::string& path, std::string* error) {
  const Reflection& r = *message->GetReflection();
  const bool rep = field.is_repeated();
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32: {
      int32_t v = 0;
      if (!ReadInteger(in, &v)) return Mismatch(path, "a 32-bit integer", in, error);
      rep ? r.AddInt32(message, &field, v) : r.SetInt32(message, &field, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      int64_t v = 0;
      if (!ReadInteger(in, &v)) return Mismatch(path, "a 64-bit integer", in, error);
      rep ? r.AddInt64(message, &field, v) : r.SetInt64(message, &field, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_UINT32: {
      uint32_t v = 0;
      if (!ReadInteger(in, &v)) return Mismatch(path, "an unsigned 32-bit integer", in, error);
      rep ? r.AddUInt32(message, &field, v) : r.SetUInt32(message, &field, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_UINT64: {
      uint64_t v = 0;
      if (!ReadInteger(in, &v)) return Mismatch(path, "an unsigned 64-bit integer", in, error);
      rep ? r.AddUInt64(message, &field, v) : r.SetUInt64(message, &field, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_DOUBLE: {
      double v = 0;
      if (!ReadDouble(in, &v)) return Mismatch(path, "a number", in, error);
      rep ? r.AddDouble(message, &field, v) : r.SetDouble(message, &field, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_FLOAT: {
      double v = 0;
      if (!ReadDouble(in, &v)) return Mismatch(path, "a number", in, error);
      if (std::isfinite(v) && std::fabs(v) > static_cast<double>(FLT_MAX)) {
        return Mismatch(path, "a number in float range", in, error);
      }
      const auto f = static_cast<float>(v);
      rep ? r.AddFloat(message, &field, f) : r.SetFloat(message, &field, f);
      break;
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      bool v = false;
      if (!ReadBool(in, &v)) return Mismatch(path, "a boolean", in, error);
      rep ? r.AddBool(message, &field, v) : r.SetBool(message, &field, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      int number = 0;
      if (in.is_string()) {
        const auto* value = field.enum_type()->FindValueByName(in.get_ref<const std::string&>());
        if (value == nullptr) return JsonConversion::kOk;  // unknown names are ignored
        number = value->number();
      } else if (!ReadInteger(in, &number)) {
        return Mismatch(path, "an enum name or number", in, error);
      }
      if (field.file()->syntax() == google::protobuf::FileDescriptor::SYNTAX_PROTO2 &&
          field.enum_type()->FindValueByNumber(number) == nullptr) {
        return JsonConversion::kOk;  // a closed enum cannot hold it; ignored like an unknown name
      }
      rep ? r.AddEnumValue(message, &field, number) : r.SetEnumValue(message, &field, number);
      break;
    }
    case FieldDescriptor::CPPTYPE_STRING:
      if (field.type() == FieldDescriptor::TYPE_BYTES) return JsonConversion::kUnsupported;
      if (!in.is_string()) return Mismatch(path, "a string", in, error);
      rep ? r.AddString(message, &field, ValidUtf8(in.get_ref<const std::string&>()))
          : r.SetString(message, &field, ValidUtf8(in.get_ref<const std::string&>()));
      break;
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      const WellKnown kind = WellKnownOf(*field.message_type());
      if (kind == WellKnown::kOther) return JsonConversion::kUnsupported;
      if (kind == WellKnown::kStruct && !in.is_object()) {
        return Mismatch(path, "an object", in, error);
      }
      if (kind == WellKnown::kListValue && !in.is_array()) {
        return Mismatch(path, "an array", in, error);
      }
      if (kind == WellKnown::kNone && !in.is_object()) {
        return Mismatch(path, "an object", in, error);
      }
      Message* child = rep ? r.AddMessage(message, &field) : r.MutableMessage(message, &field);
      switch (kind) {
        case WellKnown::kNone:
          return ParseMessage(in, child, path, error);
        case WellKnown::kStruct:
          if (auto* v = dynamic_cast<google::protobuf::Struct*>(child)) {
            JsonToStruct(in, v);
            return JsonConversion::kOk;
          }
          return JsonConversion::kUnsupported;
        case WellKnown::kValue:
          if (auto* v = dynamic_cast<google::protobuf::Value*>(child)) {
            JsonToValue(in, v);
            return JsonConversion::kOk;
          }
          return JsonConversion::kUnsupported;
        case WellKnown::kListValue:
          if (auto* v = dynamic_cast<google::protobuf::ListValue*>(child)) {
            JsonToListValue(in, v);
            return JsonConversion::kOk;
          }
          return JsonConversion::kUnsupported;
        case WellKnown::kOther:
          break;
      }
      return JsonConversion::kUnsupported;
    }
  }
  return JsonConversion::kOk;
}

JsonConversion ParseMap(const json& in, const FieldDescriptor& field, Message* message,
                        const std::string& path, std::string* error) {
  if (!in.is_object()) return Mismatch(path, "an object", in, error);
  const FieldDescriptor& key_field = *field.message_type()->map_key();
  const FieldDescriptor& value_field = *field.message_type()->map_value();
  const bool values_are_value_type = value_field.cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
                                     WellKnownOf(*value_field.message_type()) == WellKnown::kValue;
  for (auto it = in.begin(); it != in.end(); ++it) {
    if (it.value().is_null() && !values_are_value_type) {
      return Mismatch(path + "." + it.key(), "a value", it.value(), error);
    }
    Message* entry = message->GetReflection()->AddMessage(message, &field);
    // The key arrives as a string whatever its type; integer and bool keys are parsed from it.
    json key = it.key();
    if (key_field.cpp_type() == FieldDescriptor::CPPTYPE_BOOL) {
      if (it.key() != "true" && it.key() != "false") {
        return Mismatch(path, "true or false as a key", key, error);
      }
      key = it.key() == "true";
    }
    if (JsonConversion c = ParseFieldValue(key, key_field, entry, path, error);
        c != JsonConversion::kOk) {
      return c;
    }
    if (JsonConversion c =
            ParseFieldValue(it.value(), value_field, entry, path + "." + it.key(), error);
        c != JsonConversion::kOk) {
      return c;
    }
  }
  return JsonConversion::kOk;
}

// protobuf 3.21 has no lookup by json_name; messages here have a dozen fields at most.
const FieldDescriptor* FieldByJsonName(const Descriptor& descriptor, const std::string& name) {
  const FieldDescriptor* field = descriptor.FindFieldByCamelcaseName(name);
  if (field != nullptr && field->json_name() == name) return field;
  for (int i = 0; i < descriptor.field_count(); ++i) {
    if (descriptor.field(i)->json_name() == name) return descriptor.field(i);
  }
  return nullptr;
}

JsonConversion ParseMessage(const json& in, Message* message, const std::string& path,
                            std::string* error) {
  if (!in.is_object()) return Mismatch(path.empty() ? "(root)" : path, "an object", in, error);
  const Descriptor& descriptor = *message->GetDescriptor();
  for (auto it = in.begin(); it != in.end(); ++it) {
    const FieldDescriptor* field = FieldByJsonName(descriptor, it.key());
    if (field == nullptr) field = descriptor.FindFieldByName(it.key());
    if (field == nullptr) continue;  // unknown keys are ignored (newer GenAuth servers)
    const std::string field_path = path.empty() ? it.key() : path + "." + it.key();
    const json& value = it.value();
    const bool is_value_type = field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
                               WellKnownOf(*field->message_type()) == WellKnown::kValue;
    if (value.is_null() && !(is_value_type && !field->is_repeated())) continue;  // null = unset
    JsonConversion c = JsonConversion::kOk;
    if (field->is_map()) {
      c = ParseMap(value, *field, message, field_path, error);
    } else if (field->is_repeated()) {
      // Like protobuf's parser: a lone value counts as a list of one, and nulls in a list are
      // skipped.
      if (!value.is_array()) {
        c = ParseFieldValue(value, *field, message, field_path, error);
      }
      for (size_t i = 0; value.is_array() && i < value.size() && c == JsonConversion::kOk; ++i) {
        if (value[i].is_null() && !is_value_type) continue;
        c = ParseFieldValue(value[i], *field, message, field_path, error);
      }
    } else {
      c = ParseFieldValue(value, *field, message, field_path, error);
    }
    if (c != JsonConversion::kOk) return c;
  }
  return JsonConversion::kOk;
}

}  // namespace

JsonConversion JsonToMessage(const json& json_value, Message* message, std::string* error) {
  return ParseMessage(json_value, message, "", error);
}

}  // namespace genauth::service
