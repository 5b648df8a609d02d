// JSON transcoding between messages and GenAuth calls (see transcoder.h).
#include "service/transcoder.h"

#include "errors/error_details.h"
#include "google/protobuf/util/json_util.h"
#include "service/json_message.h"

namespace genauth::service {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// One scalar as query text, the way the JSON mapping would print it (enums by name).
std::string ScalarText(const Message& message, const FieldDescriptor& field, int index) {
  const auto& r = *message.GetReflection();
  const bool rep = field.is_repeated();
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      return rep ? r.GetRepeatedString(message, &field, index) : r.GetString(message, &field);
    case FieldDescriptor::CPPTYPE_INT32:
      return std::to_string(rep ? r.GetRepeatedInt32(message, &field, index)
                                : r.GetInt32(message, &field));
    case FieldDescriptor::CPPTYPE_INT64:
      return std::to_string(rep ? r.GetRepeatedInt64(message, &field, index)
                                : r.GetInt64(message, &field));
    case FieldDescriptor::CPPTYPE_UINT32:
      return std::to_string(rep ? r.GetRepeatedUInt32(message, &field, index)
                                : r.GetUInt32(message, &field));
    case FieldDescriptor::CPPTYPE_UINT64:
      return std::to_string(rep ? r.GetRepeatedUInt64(message, &field, index)
                                : r.GetUInt64(message, &field));
    case FieldDescriptor::CPPTYPE_BOOL:
      return (rep ? r.GetRepeatedBool(message, &field, index) : r.GetBool(message, &field))
                 ? "true"
                 : "false";
    case FieldDescriptor::CPPTYPE_ENUM:
      return (rep ? r.GetRepeatedEnum(message, &field, index) : r.GetEnum(message, &field))->name();
    default:
      return "";
  }
}

}  // namespace

absl::StatusOr<upstream::UpstreamCall> BuildUpstreamCall(const RestMapping& mapping,
                                                         const Message& request) {
  upstream::UpstreamCall call;
  call.rpc = mapping.rpc;
  call.method = mapping.verb;
  call.path = mapping.path;
  call.idempotency = mapping.idempotency;
  if (mapping.body_is_request) {
    if (MessageToJson(request, &call.body) == JsonConversion::kOk) return call;
    call.body.clear();  // a type outside the fast mapping: protobuf's own printer
    google::protobuf::util::JsonPrintOptions options;
    options.preserve_proto_field_names = false;  // camelCase json_name: GenAuth's spelling
    auto status = google::protobuf::util::MessageToJsonString(request, &call.body, options);
    if (!status.ok()) {
      return absl::InvalidArgumentError("the request cannot be written as JSON: " +
                                        std::string(status.message()));
    }
    return call;
  }
  const auto* descriptor = request.GetDescriptor();
  const auto& reflection = *request.GetReflection();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor& field = *descriptor->field(i);
    if (field.cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      return absl::InternalError("field " + field.full_name() +
                                 " is a message and cannot be sent as a query parameter");
    }
    const int count = field.is_repeated() ? reflection.FieldSize(request, &field)
                                          : (reflection.HasField(request, &field) ? 1 : 0);
    for (int j = 0; j < count; ++j) {
      call.query.emplace_back(field.json_name(), ScalarText(request, field, j));
    }
  }
  return call;
}

absl::Status FillResponse(const nlohmann::json& data, Message* response) {
  if (data.is_null()) return absl::OkStatus();
  std::string why;
  switch (JsonToMessage(data, response, &why)) {
    case JsonConversion::kOk:
      return absl::OkStatus();
    case JsonConversion::kMismatch:
      break;
    case JsonConversion::kUnsupported: {
      // A type outside the fast mapping: print `data` and let protobuf's parser read it.
      response->Clear();
      google::protobuf::util::JsonParseOptions options;
      options.ignore_unknown_fields = true;
      auto status = google::protobuf::util::JsonStringToMessage(
          data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), response, options);
      if (status.ok()) return absl::OkStatus();
      why = std::string(status.message());
      break;
    }
  }
  absl::Status error = absl::InternalError("GenAuth's reply does not match " +
                                           response->GetDescriptor()->name() + ": " + why);
  errors::SetErrorInfo(error, errors::reason::kUpstreamMalformedReply);
  return error;
}

}  // namespace genauth::service
