// Tests of the transcoder: request message -> GenAuth call (POST JSON body, GET query string),
// and GenAuth `data` -> response message.
#include "service/transcoder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "errors/error_details.h"
#include "genauth/management/v1/webhook.pb.h"
#include "google/protobuf/struct.pb.h"
#include "nlohmann/json.hpp"
#include "service/dynamic_proto.h"
#include "service/rest_mapping.h"
#include "upstream/url.h"

namespace genauth::service {
namespace {

using genauth::management::v1::TriggerWebhookRequest;
using genauth::management::v1::TriggerWebhookResponse;
using google::protobuf::FieldDescriptorProto;
using nlohmann::json;
using ::testing::StartsWith;
using testing_support::AddField;
using testing_support::DynamicProto;

// genauth.management.v1.WebhookService, from the generated file's descriptor.
const google::protobuf::ServiceDescriptor& WebhookService() {
  return *genauth::management::v1::TriggerWebhookRequest::descriptor()->file()->FindServiceByName(
      "WebhookService");
}

RestMapping TriggerWebhookMapping() {
  const auto* method = WebhookService().FindMethodByName("TriggerWebhook");
  EXPECT_NE(method, nullptr);
  absl::StatusOr<RestMapping> mapping = MappingForMethod(*method);
  EXPECT_TRUE(mapping.ok()) << mapping.status();
  return mapping.ok() ? *mapping : RestMapping{};
}

json BodyOf(const upstream::UpstreamCall& call) {
  json body = json::parse(call.body, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(body.is_discarded()) << "body is not JSON: " << call.body;
  return body;
}

TEST(BuildUpstreamCallTest, TriggerWebhookWithOnlyTheIdPostsJustTheId) {
  TriggerWebhookRequest request;
  request.set_webhook_id("wh-123");
  absl::StatusOr<upstream::UpstreamCall> call = BuildUpstreamCall(TriggerWebhookMapping(), request);
  ASSERT_TRUE(call.ok()) << call.status();
  EXPECT_EQ(call->rpc, "TriggerWebhook");
  EXPECT_EQ(call->method, "POST");
  EXPECT_EQ(call->path, "/api/v3/trigger-webhook");
  EXPECT_TRUE(call->query.empty());
  EXPECT_EQ(call->idempotency, retry::Idempotency::kSideEffects);
  EXPECT_EQ(BodyOf(*call), json({{"webhookId", "wh-123"}}));
}

TEST(BuildUpstreamCallTest, TriggerWebhookStructsPassAsPlainJson) {
  TriggerWebhookRequest request;
  request.set_webhook_id("wh-1");
  auto& headers = *request.mutable_request_headers()->mutable_fields();
  headers["X-Trace-Id"].set_string_value("abc");
  auto& body = *request.mutable_request_body()->mutable_fields();
  body["event"].set_string_value("user.created");
  body["count"].set_number_value(3);
  body["ratio"].set_number_value(0.25);
  body["vip"].set_bool_value(true);
  body["nothing"].set_null_value(google::protobuf::NULL_VALUE);
  auto& user = *body["user"].mutable_struct_value()->mutable_fields();
  user["id"].set_string_value("u-1");
  auto* tags = user["tags"].mutable_list_value();
  tags->add_values()->set_string_value("a");
  tags->add_values()->set_number_value(2);
  tags->add_values()->mutable_struct_value();

  absl::StatusOr<upstream::UpstreamCall> call = BuildUpstreamCall(TriggerWebhookMapping(), request);
  ASSERT_TRUE(call.ok()) << call.status();
  EXPECT_EQ(BodyOf(*call), json::parse(R"({
    "webhookId": "wh-1",
    "requestHeaders": {"X-Trace-Id": "abc"},
    "requestBody": {
      "event": "user.created", "count": 3, "ratio": 0.25, "vip": true, "nothing": null,
      "user": {"id": "u-1", "tags": ["a", 2, {}]}
    }
  })"));
}

TEST(BuildUpstreamCallTest, EmptyStructIsSentAsAnEmptyObject) {
  TriggerWebhookRequest request;
  request.set_webhook_id("wh-1");
  request.mutable_request_body();  // set, but empty
  absl::StatusOr<upstream::UpstreamCall> call = BuildUpstreamCall(TriggerWebhookMapping(), request);
  ASSERT_TRUE(call.ok()) << call.status();
  EXPECT_EQ(BodyOf(*call), json({{"webhookId", "wh-1"}, {"requestBody", json::object()}}));
}

// A GET request type with the scalar kinds a query can carry, built at run time.
class GetQueryTest : public testing::Test {
 protected:
  GetQueryTest() : proto_(File()) { request_ = proto_.New("genauth.test.ListThingsRequest"); }

  static google::protobuf::FileDescriptorProto File() {
    auto file = testing_support::Proto3File("genauth/test/list_things.proto");
    auto* color = file.add_enum_type();
    color->set_name("Color");
    color->add_value()->set_name("COLOR_UNSPECIFIED");
    auto* red = color->add_value();
    red->set_name("COLOR_RED");
    red->set_number(1);
    auto* message = file.add_message_type();
    message->set_name("ListThingsRequest");
    AddField(message, "page", 1, FieldDescriptorProto::TYPE_INT32);
    AddField(message, "limit", 2, FieldDescriptorProto::TYPE_INT32);
    AddField(message, "webhook_id", 3, FieldDescriptorProto::TYPE_STRING);
    AddField(message, "ids", 4, FieldDescriptorProto::TYPE_STRING,
             FieldDescriptorProto::LABEL_REPEATED);
    AddField(message, "enabled", 5, FieldDescriptorProto::TYPE_BOOL);
    AddField(message, "since_ms", 6, FieldDescriptorProto::TYPE_INT64);
    AddField(message, "color", 7, FieldDescriptorProto::TYPE_ENUM,
             FieldDescriptorProto::LABEL_OPTIONAL, ".genauth.test.Color");
    AddField(message, "sizes", 8, FieldDescriptorProto::TYPE_UINT32,
             FieldDescriptorProto::LABEL_REPEATED);
    return file;
  }

  static RestMapping GetMapping() {
    RestMapping mapping;
    mapping.rpc = "ListThings";
    mapping.verb = "GET";
    mapping.path = "/api/v3/list-things";
    mapping.idempotency = retry::Idempotency::kIdempotent;
    return mapping;
  }

  const google::protobuf::FieldDescriptor* Field(const std::string& name) const {
    const auto* field = request_->GetDescriptor()->FindFieldByName(name);
    EXPECT_NE(field, nullptr) << name;
    return field;
  }

  std::string Target() {
    absl::StatusOr<upstream::UpstreamCall> call = BuildUpstreamCall(GetMapping(), *request_);
    EXPECT_TRUE(call.ok()) << call.status();
    if (!call.ok()) return "";
    EXPECT_EQ(call->method, "GET");
    EXPECT_EQ(call->body, "");
    EXPECT_EQ(call->rpc, "ListThings");
    EXPECT_EQ(call->idempotency, retry::Idempotency::kIdempotent);
    return upstream::Target(call->path, call->query);
  }

  DynamicProto proto_;
  std::unique_ptr<google::protobuf::Message> request_;
};

TEST_F(GetQueryTest, SetFieldsBecomeEncodedParametersInFieldOrder) {
  const auto* r = request_->GetReflection();
  r->SetInt32(request_.get(), Field("page"), 2);
  r->SetInt32(request_.get(), Field("limit"), 10);
  r->SetString(request_.get(), Field("webhook_id"), "a b");
  r->AddString(request_.get(), Field("ids"), "x");
  r->AddString(request_.get(), Field("ids"), "y");
  EXPECT_EQ(Target(), "/api/v3/list-things?page=2&limit=10&webhookId=a%20b&ids=x&ids=y");
}

TEST_F(GetQueryTest, EveryScalarKind) {
  const auto* r = request_->GetReflection();
  r->SetInt32(request_.get(), Field("page"), -1);
  r->SetString(request_.get(), Field("webhook_id"), "k=v&x");
  r->SetBool(request_.get(), Field("enabled"), true);
  r->SetInt64(request_.get(), Field("since_ms"), 1767225600000);
  r->SetEnumValue(request_.get(), Field("color"), 1);
  r->AddUInt32(request_.get(), Field("sizes"), 4000000000u);
  r->AddUInt32(request_.get(), Field("sizes"), 0);
  EXPECT_EQ(Target(),
            "/api/v3/list-things?page=-1&webhookId=k%3Dv%26x&enabled=true&sinceMs=1767225600000"
            "&color=COLOR_RED&sizes=4000000000&sizes=0");
}

TEST_F(GetQueryTest, UnsetAndZeroFieldsAreLeftOut) {
  EXPECT_EQ(Target(), "/api/v3/list-things");
  const auto* r = request_->GetReflection();
  r->SetInt32(request_.get(), Field("page"), 0);
  r->SetBool(request_.get(), Field("enabled"), false);
  r->SetString(request_.get(), Field("webhook_id"), "");
  r->SetInt32(request_.get(), Field("limit"), 5);
  EXPECT_EQ(Target(), "/api/v3/list-things?limit=5");
}

TEST(BuildUpstreamCallTest, GetWithAMessageFieldIsAnInternalError) {
  RestMapping mapping;
  mapping.rpc = "TriggerWebhook";
  mapping.verb = "GET";
  mapping.path = "/api/v3/trigger-webhook";
  TriggerWebhookRequest request;
  request.set_webhook_id("wh-1");
  absl::StatusOr<upstream::UpstreamCall> call = BuildUpstreamCall(mapping, request);
  ASSERT_FALSE(call.ok());
  EXPECT_EQ(call.status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(call.status().message(),
            "field genauth.management.v1.TriggerWebhookRequest.request_headers is a message and "
            "cannot be sent as a query parameter");
}

TEST(FillResponseTest, DataResponseFillsTheValue) {
  TriggerWebhookResponse response;
  json data = json::parse(R"({"response": {"status": 200, "body": {"ok": true, "n": [1, "x"]}}})");
  ASSERT_TRUE(FillResponse(data, &response).ok());
  ASSERT_TRUE(response.has_response());
  ASSERT_EQ(response.response().kind_case(), google::protobuf::Value::kStructValue);
  const auto& fields = response.response().struct_value().fields();
  ASSERT_EQ(fields.size(), 2u);
  EXPECT_EQ(fields.at("status").number_value(), 200);
  const auto& body = fields.at("body").struct_value().fields();
  EXPECT_TRUE(body.at("ok").bool_value());
  const auto& n = body.at("n").list_value();
  ASSERT_EQ(n.values_size(), 2);
  EXPECT_EQ(n.values(0).number_value(), 1);
  EXPECT_EQ(n.values(1).string_value(), "x");
}

TEST(FillResponseTest, UnknownKeysAreIgnored) {
  TriggerWebhookResponse response;
  json data = {{"response", "pong"}, {"deliveredAt", 12345}, {"extra", {{"a", 1}}}};
  absl::Status status = FillResponse(data, &response);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(response.response().string_value(), "pong");
}

TEST(FillResponseTest, NullDataLeavesTheResponseEmpty) {
  TriggerWebhookResponse response;
  ASSERT_TRUE(FillResponse(json(nullptr), &response).ok());
  EXPECT_FALSE(response.has_response());
  EXPECT_EQ(response.ByteSizeLong(), 0u);
}

TEST(FillResponseTest, EmptyObjectLeavesTheResponseEmpty) {
  TriggerWebhookResponse response;
  ASSERT_TRUE(FillResponse(json::object(), &response).ok());
  EXPECT_FALSE(response.has_response());
}

TEST(FillResponseTest, InvalidUtf8InDataIsReplacedNotFatal) {
  TriggerWebhookResponse response;
  json data = {{"response", std::string("caf\xc3")}};
  absl::Status status = FillResponse(data, &response);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(response.response().string_value(), "caf\xEF\xBF\xBD");
}

void ExpectMalformed(const absl::Status& status, const std::string& message_name) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(status.message()),
              StartsWith("GenAuth's reply does not match " + message_name + ": "));
  EXPECT_EQ(errors::ErrorInfoReason(status), "UPSTREAM_MALFORMED_REPLY");
}

TEST(FillResponseTest, DataThatIsNotAnObjectIsInternal) {
  TriggerWebhookResponse response;
  ExpectMalformed(FillResponse(json::array({1, 2}), &response), "TriggerWebhookResponse");
  ExpectMalformed(FillResponse(json("text"), &response), "TriggerWebhookResponse");
}

TEST(FillResponseTest, WrongShapeForAFieldIsInternal) {
  // A string field given an object.
  TriggerWebhookRequest message;
  ExpectMalformed(FillResponse(json({{"webhookId", {{"nested", 1}}}}), &message),
                  "TriggerWebhookRequest");
  // A Struct field given a string.
  ExpectMalformed(FillResponse(json({{"requestBody", "not an object"}}), &message),
                  "TriggerWebhookRequest");
}

}  // namespace
}  // namespace genauth::service
