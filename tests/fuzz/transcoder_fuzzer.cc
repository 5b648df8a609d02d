// Fuzzes the sidecar's request path and reply mapping with the real contract's messages: a request
// decoded from protobuf bytes or JSON goes through ValidateRequest and BuildUpstreamCall; GenAuth's
// `data` goes through FillResponse. Input: method byte, mode byte, then the payload.
//   mode 0: payload is the request in protobuf binary (what gRPC delivers)
//   mode 1: payload is the request as protobuf JSON (what genauth-cli sends)
//   mode 2: payload is GenAuth's `data` JSON for the method's response message, in an envelope
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "errors/error_details.h"
#include "fuzz_check.h"
#include "genauth/management/v1/webhook.pb.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/stubs/logging.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "nlohmann/json.hpp"
#include "service/request_validator.h"
#include "service/rest_mapping.h"
#include "service/transcoder.h"
#include "upstream/envelope.h"

namespace {

using google::protobuf::Message;
using google::protobuf::MethodDescriptor;

const google::protobuf::ServiceDescriptor& Service() {
  return *genauth::management::v1::TriggerWebhookRequest::descriptor()->file()->FindServiceByName(
      "WebhookService");
}

std::unique_ptr<Message> NewMessage(const google::protobuf::Descriptor* type) {
  return std::unique_ptr<Message>(
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(type)->New());
}

void CheckRequest(const MethodDescriptor& method, const Message& request) {
  absl::Status valid = genauth::service::ValidateRequest(request);
  if (!valid.ok()) {
    FUZZ_CHECK(valid.code() == absl::StatusCode::kInvalidArgument);
    FUZZ_CHECK(genauth::errors::ErrorInfoReason(valid) == genauth::errors::reason::kInvalidRequest);
    return;  // never sent upstream
  }
  absl::StatusOr<genauth::service::RestMapping> mapping =
      genauth::service::MappingForMethod(method);
  FUZZ_CHECK(mapping.ok());  // the contract's own methods always map
  absl::StatusOr<genauth::upstream::UpstreamCall> call =
      genauth::service::BuildUpstreamCall(*mapping, request);
  if (!call.ok()) {
    FUZZ_CHECK(call.status().code() == absl::StatusCode::kInvalidArgument);
    return;
  }
  if (!mapping->body_is_request) return;
  // The body GenAuth receives is a JSON object that reads back as the same request.
  nlohmann::json body = nlohmann::json::parse(call->body, nullptr, /*allow_exceptions=*/false);
  FUZZ_CHECK(body.is_object());
  std::unique_ptr<Message> again = NewMessage(request.GetDescriptor());
  FUZZ_CHECK(google::protobuf::util::JsonStringToMessage(call->body, again.get()).ok());
  std::unique_ptr<Message> known(request.New());
  known->CopyFrom(request);
  known->DiscardUnknownFields();  // not part of the JSON mapping
  FUZZ_CHECK(google::protobuf::util::MessageDifferencer::Equals(*again, *known));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Protobuf logs every rejected string (invalid UTF-8) to stderr: noise at fuzzing speed.
  static const bool quiet = [] {
    google::protobuf::SetLogHandler(nullptr);
    return true;
  }();
  (void)quiet;
  genauth::fuzz::FuzzInput input(data, size);
  const MethodDescriptor& method = *Service().method(input.Byte() % Service().method_count());
  const uint8_t mode = input.Byte() % 3;
  const std::string payload(input.Rest());

  if (mode == 0) {
    std::unique_ptr<Message> request = NewMessage(method.input_type());
    if (!request->ParseFromString(payload)) return 0;
    CheckRequest(method, *request);
  } else if (mode == 1) {
    std::unique_ptr<Message> request = NewMessage(method.input_type());
    if (!google::protobuf::util::JsonStringToMessage(payload, request.get()).ok()) return 0;
    CheckRequest(method, *request);
  } else {
    // `data` reaches FillResponse only through ParseEnvelope (and its nesting limit), as in the
    // client.
    std::optional<genauth::upstream::Envelope> reply =
        genauth::upstream::ParseEnvelope("{\"statusCode\":200,\"data\":" + payload + "}");
    if (!reply) return 0;
    std::unique_ptr<Message> response = NewMessage(method.output_type());
    absl::Status filled = genauth::service::FillResponse(reply->data, response.get());
    if (!filled.ok()) {
      FUZZ_CHECK(filled.code() == absl::StatusCode::kInternal);
      FUZZ_CHECK(genauth::errors::ErrorInfoReason(filled) ==
                 genauth::errors::reason::kUpstreamMalformedReply);
    }
  }
  return 0;
}
