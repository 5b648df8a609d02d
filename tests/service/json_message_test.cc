// Tests of the reflection-based JSON mapping against google::protobuf::util's, which it replaces
// on the hot path: for the contract's messages both must print the same JSON and parse the same
// messages, and refuse the same malformed replies.
#include "service/json_message.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "genauth/management/v1/webhook.pb.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "nlohmann/json.hpp"
#include "service/dynamic_proto.h"

namespace genauth::service {
namespace {

namespace v1 = genauth::management::v1;
using google::protobuf::Message;
using nlohmann::json;

std::string UtilJson(const Message& message) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = false;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(message, &out, options).ok());
  return out;
}

std::string FastJson(const Message& message) {
  std::string out;
  EXPECT_EQ(MessageToJson(message, &out), JsonConversion::kOk);
  return out;
}

void ExpectSamePrint(const Message& message) {
  const std::string fast = FastJson(message);
  const std::string util = UtilJson(message);
  const json fast_json = json::parse(fast, nullptr, false);
  ASSERT_FALSE(fast_json.is_discarded()) << "not JSON: " << fast;
  EXPECT_EQ(fast_json, json::parse(util)) << "fast: " << fast << "\nutil: " << util;
}

v1::TriggerWebhookRequest RichTrigger() {
  v1::TriggerWebhookRequest request;
  request.set_webhook_id("wh-\"1\"\\\n\x01é€😀");
  auto& headers = *request.mutable_request_headers()->mutable_fields();
  headers["x-trace-id"].set_string_value("abc");
  auto& body = *request.mutable_request_body()->mutable_fields();
  body["count"].set_number_value(3);
  body["ratio"].set_number_value(0.1);
  body["big"].set_number_value(1e21);
  body["tiny"].set_number_value(1e-7);
  body["negative_zero"].set_number_value(-0.0);
  body["third"].set_number_value(1.0 / 3);
  body["vip"].set_bool_value(false);
  body["nothing"].set_null_value(google::protobuf::NULL_VALUE);
  auto& user = *body["user"].mutable_struct_value()->mutable_fields();
  user["id"].set_string_value("u-1");
  auto* tags = user["tags"].mutable_list_value();
  tags->add_values()->set_string_value("a");
  tags->add_values()->set_number_value(-2);
  tags->add_values()->mutable_struct_value();
  tags->add_values()->mutable_list_value();
  return request;
}

TEST(MessageToJsonTest, PrintsWhatProtobufPrints) {
  ExpectSamePrint(RichTrigger());
  v1::TriggerWebhookRequest only_id;
  only_id.set_webhook_id("wh-1");
  ExpectSamePrint(only_id);
  ExpectSamePrint(v1::TriggerWebhookRequest());

  v1::CreateWebhookRequest create;
  create.set_name("orders");
  create.set_url("https://hooks.example.com/orders");
  create.set_content_type("application/json");
  create.add_events("user:created");
  create.add_events("login");
  create.set_enabled(false);  // optional: printed although false
  create.mutable_retry_config()->set_enabled(true);
  create.mutable_retry_config()->set_count(0);
  create.mutable_retry_config()->set_delay_unit("Second");
  ExpectSamePrint(create);

  v1::UpdateWebhookRequest update;
  update.set_webhook_id("wh-1");
  update.set_enabled(false);
  ExpectSamePrint(update);

  v1::DeleteWebhooksRequest remove;
  remove.add_webhook_ids("a");
  remove.add_webhook_ids("b");
  ExpectSamePrint(remove);

  v1::ListWebhookLogsRequest logs;
  logs.set_webhook_id("wh-1");
  logs.set_page(2);
  logs.set_limit(50);
  ExpectSamePrint(logs);
}

TEST(MessageToJsonTest, WholeNumbersHaveNoFraction) {
  // The AK/SK signature covers a body's top-level values as JSON: "3", never "3.0".
  v1::TriggerWebhookRequest request;
  (*request.mutable_request_body()->mutable_fields())["count"].set_number_value(3);
  EXPECT_EQ(FastJson(request), R"({"requestBody":{"count":3}})");
}

TEST(MessageToJsonTest, OtherWellKnownTypesAreLeftToProtobuf) {
  google::protobuf::Timestamp timestamp;
  std::string out;
  EXPECT_EQ(MessageToJson(timestamp, &out), JsonConversion::kUnsupported);
  google::protobuf::Value empty;  // no kind set
  EXPECT_EQ(MessageToJson(empty, &out), JsonConversion::kUnsupported);
}

// Parses `text` into a fresh message of M both ways and expects the same message.
template <class M>
void ExpectSameParse(const std::string& text) {
  SCOPED_TRACE(text);
  M util;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(text, &util, options).ok());
  M fast;
  std::string error;
  ASSERT_EQ(JsonToMessage(json::parse(text), &fast, &error), JsonConversion::kOk) << error;
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(fast, util))
      << "fast: " << fast.DebugString() << "\nutil: " << util.DebugString();
}

TEST(JsonToMessageTest, ParsesWhatProtobufParses) {
  ExpectSameParse<v1::Webhook>(R"({
    "webhookId": "wh-1", "createdAt": "2022-09-20T08:55:00.188+0800", "name": "orders",
    "url": "https://x", "contentType": "application/json", "enabled": true,
    "events": ["user:created", "login"], "secret": "s",
    "retryConfig": {"enabled": false, "count": 3, "delay": 10, "delayUnit": "Minute"},
    "unknownField": {"deep": [1, 2]}})");
  ExpectSameParse<v1::Webhook>(R"({"webhook_id": "proto name", "enabled": null, "events": null})");
  // protobuf's parser is lenient in these ways; the replacement must be too.
  ExpectSameParse<v1::Webhook>(R"({"enabled": "yes", "events": "user:created"})");
  ExpectSameParse<v1::Webhook>(R"({"enabled": "F", "events": ["a", null, "b"]})");
  ExpectSameParse<v1::Webhook>(R"({"retryConfig": {"count": 1e2, "delay": "7"}})");
  ExpectSameParse<v1::ListWebhooksResponse>(
      R"({"totalCount": "2", "list": [{"webhookId": "a"}, {"webhookId": "b", "enabled": false}]})");
  ExpectSameParse<v1::ListWebhooksResponse>(R"({"totalCount": 7.0, "list": []})");
  ExpectSameParse<v1::ListWebhookLogsResponse>(R"({"totalCount": 1, "list": [{
    "webhookId": "wh-1", "eventName": "test", "requestBody": {"a": [1, null, "x", {"b": true}]},
    "requestHeaders": null, "responseStatusCode": 200, "responseHeaders": {"h": "v"},
    "responseBody": "ok", "timestamp": "2022-09-20T08:55:00.188+0800", "success": true,
    "errorMessage": ""}]})");
  ExpectSameParse<v1::ListWebhookEventsResponse>(R"({
    "categories": [{"name": "用户", "nameEn": "User", "value": "user"}],
    "events": [{"name": "创建", "nameEn": "Created", "value": "user:created", "category": "user"}]})");
  ExpectSameParse<v1::DeleteWebhooksResponse>(R"({"success": false})");
  ExpectSameParse<v1::DeleteWebhooksResponse>(R"({})");
  ExpectSameParse<v1::TriggerWebhookResponse>(
      R"({"response": {"received": true, "echo": {"n": 1.5, "list": [[], {}], "z": null}}})");
  ExpectSameParse<v1::TriggerWebhookResponse>(R"({"response": null})");
  ExpectSameParse<v1::TriggerWebhookResponse>(R"({"response": [1, "two"]})");
}

// Both refuse `text` for M.
template <class M>
void ExpectBothRefuse(const std::string& text) {
  SCOPED_TRACE(text);
  M util;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  EXPECT_FALSE(google::protobuf::util::JsonStringToMessage(text, &util, options).ok());
  M fast;
  std::string error;
  EXPECT_EQ(JsonToMessage(json::parse(text), &fast, &error), JsonConversion::kMismatch);
  EXPECT_FALSE(error.empty());
}

TEST(JsonToMessageTest, RefusesWhatProtobufRefuses) {
  ExpectBothRefuse<v1::Webhook>(R"({"webhookId": {"nested": 1}})");
  ExpectBothRefuse<v1::Webhook>(R"({"webhookId": 5})");
  ExpectBothRefuse<v1::Webhook>(R"({"enabled": "abc"})");
  ExpectBothRefuse<v1::Webhook>(R"({"enabled": 1})");
  ExpectBothRefuse<v1::Webhook>(R"({"webhookId": true})");
  ExpectBothRefuse<v1::Webhook>(R"({"events": {"a": 1}})");
  ExpectBothRefuse<v1::Webhook>(R"({"retryConfig": {"delayUnit": 5}})");
  ExpectBothRefuse<v1::Webhook>(R"({"retryConfig": {"count": "1.0"}})");
  ExpectBothRefuse<v1::Webhook>(R"({"retryConfig": [1]})");
  ExpectBothRefuse<v1::Webhook>(R"({"retryConfig": {"count": 1.5}})");
  ExpectBothRefuse<v1::Webhook>(R"({"retryConfig": {"count": 3000000000}})");
  ExpectBothRefuse<v1::ListWebhooksResponse>(R"({"totalCount": "many"})");
  ExpectBothRefuse<v1::TriggerWebhookRequest>(R"({"requestBody": "not an object"})");
  ExpectBothRefuse<v1::TriggerWebhookRequest>(R"([1, 2])");
}

TEST(JsonToMessageTest, InvalidUtf8BecomesReplacementCharacters) {
  v1::Webhook webhook;
  std::string error;
  const json data = {{"name", std::string("caf\xc3")},
                     {"url", std::string("a\xff\xfe"
                                         "b")}};
  ASSERT_EQ(JsonToMessage(data, &webhook, &error), JsonConversion::kOk) << error;
  EXPECT_EQ(webhook.name(), "caf\xEF\xBF\xBD");
  EXPECT_EQ(webhook.url(),
            "a\xEF\xBF\xBD\xEF\xBF\xBD"
            "b");
}

TEST(JsonToMessageTest, BytesFieldsAreLeftToProtobuf) {
  auto file = testing_support::Proto3File("genauth/test/blob.proto");
  auto* message = file.add_message_type();
  message->set_name("Blob");
  testing_support::AddField(message, "data", 1, google::protobuf::FieldDescriptorProto::TYPE_BYTES);
  testing_support::DynamicProto proto(file);
  auto blob = proto.New("genauth.test.Blob");
  std::string error;
  EXPECT_EQ(JsonToMessage(json{{"data", "AAE="}}, blob.get(), &error),
            JsonConversion::kUnsupported);
}

}  // namespace
}  // namespace genauth::service
