// Stable JSON output (see json_output.h).
#include "cli/json_output.h"

#include <memory>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/type_resolver.h"
#include "google/protobuf/util/type_resolver_util.h"

namespace genauth::cli {
namespace {

constexpr char kTypeUrlPrefix[] = "type.googleapis.com";

}  // namespace

bool MessageToStableJson(const google::protobuf::Message& message, std::string* json,
                         std::string* error) {
  // Deterministic serialization sorts map entries by key; the JSON printer keeps wire order.
  std::string binary;
  {
    google::protobuf::io::StringOutputStream stream(&binary);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    if (!message.SerializeToCodedStream(&coded)) {
      *error = "cannot serialize " + message.GetTypeName();
      return false;
    }
  }
  // The message's own pool resolves its types: generated messages and the CLI's health pool alike.
  std::unique_ptr<google::protobuf::util::TypeResolver> resolver(
      google::protobuf::util::NewTypeResolverForDescriptorPool(
          kTypeUrlPrefix, message.GetDescriptor()->file()->pool()));
  json->clear();
  auto status = google::protobuf::util::BinaryToJsonString(
      resolver.get(), std::string(kTypeUrlPrefix) + "/" + message.GetDescriptor()->full_name(),
      binary, json, google::protobuf::util::JsonPrintOptions());
  if (!status.ok()) {
    *error = std::string(status.message());
    return false;
  }
  return true;
}

}  // namespace genauth::cli
