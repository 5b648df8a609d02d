// The whole webhook API end to end: every RPC through the in-process sidecar against the emulator,
// asserting what GenAuth received (verb, path, query, exact JSON body) and what the caller got:
// create/get, paging, update presence semantics, both delete reply shapes, delivery logs, the event
// list, validation before any upstream call, idempotent retries, and odd but valid replies.
#include <gtest/gtest.h>

#include "google/protobuf/util/json_util.h"
#include "nlohmann/json.hpp"
#include "support/param_name.h"
#include "support/sidecar_harness.h"

namespace genauth::testing {
namespace {

namespace v1 = genauth::management::v1;
using emulator::Fault;
using std::chrono::milliseconds;

// Calls one RPC with a 5 s deadline.
template <typename Request, typename Response>
grpc::Status Call(SidecarHarness& h,
                  grpc::Status (v1::WebhookService::Stub::*rpc)(grpc::ClientContext*,
                                                                const Request&, Response*),
                  const Request& request, Response* response) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + milliseconds(5000));
  return (h.stub().*rpc)(&context, request, response);
}

v1::CreateWebhookRequest NewWebhook(const std::string& name) {
  v1::CreateWebhookRequest request;
  request.set_name(name);
  request.set_url("https://hooks.example.com/" + name);
  request.set_content_type("application/json");
  request.add_events("user:created");
  request.add_events("login");
  return request;
}

nlohmann::json LastBody(SidecarHarness& h, const std::string& path) {
  auto requests = h.emulator().Requests(path);
  if (requests.empty()) return nullptr;
  return nlohmann::json::parse(requests.back().body, nullptr, false);
}

v1::Webhook Create(SidecarHarness& h, const std::string& name) {
  v1::Webhook webhook;
  grpc::Status status =
      Call(h, &v1::WebhookService::Stub::CreateWebhook, NewWebhook(name), &webhook);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return webhook;
}

class WebhookApiTest : public ::testing::Test {
 protected:
  void SetUp() override { h_.Start(); }
  SidecarHarness h_;
};

TEST_F(WebhookApiTest, CreateSendsOnlySetFieldsAndReturnsTheStoredWebhook) {
  v1::Webhook created = Create(h_, "orders");
  EXPECT_FALSE(created.webhook_id().empty());
  EXPECT_EQ(created.name(), "orders");
  EXPECT_EQ(created.url(), "https://hooks.example.com/orders");
  EXPECT_EQ(created.content_type(), "application/json");
  EXPECT_EQ(std::vector<std::string>(created.events().begin(), created.events().end()),
            (std::vector<std::string>{"user:created", "login"}));
  EXPECT_TRUE(created.enabled());
  EXPECT_FALSE(created.created_at().empty());  // GenAuth's "+0800" form passes through as text

  auto requests = h_.emulator().Requests("/api/v3/create-webhook");
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(nlohmann::json::parse(requests[0].body),
            nlohmann::json::parse(R"({"name": "orders", "url": "https://hooks.example.com/orders",
                                      "contentType": "application/json",
                                      "events": ["user:created", "login"]})"));

  v1::GetWebhookRequest get;
  get.set_webhook_id(created.webhook_id());
  v1::Webhook fetched;
  ASSERT_TRUE(Call(h_, &v1::WebhookService::Stub::GetWebhook, get, &fetched).ok());
  EXPECT_EQ(fetched.name(), "orders");
  auto gets = h_.emulator().Requests("/api/v3/get-webhook");
  ASSERT_EQ(gets.size(), 1u);
  EXPECT_EQ(gets[0].method, "GET");
  EXPECT_EQ(gets[0].query,
            (std::multimap<std::string, std::string>{{"webhookId", created.webhook_id()}}));
  EXPECT_EQ(gets[0].body, "");
}

TEST_F(WebhookApiTest, CreateWithOptionalFieldsSendsThem) {
  v1::CreateWebhookRequest request = NewWebhook("full");
  request.set_enabled(false);
  request.set_secret("s3");
  request.mutable_retry_config()->set_enabled(true);
  request.mutable_retry_config()->set_count(3);
  request.mutable_retry_config()->set_delay(10);
  request.mutable_retry_config()->set_delay_unit("Second");
  v1::Webhook created;
  ASSERT_TRUE(Call(h_, &v1::WebhookService::Stub::CreateWebhook, request, &created).ok());
  EXPECT_FALSE(created.enabled());
  EXPECT_EQ(created.retry_config().count(), 3);
  auto body = LastBody(h_, "/api/v3/create-webhook");
  EXPECT_EQ(body["enabled"], false);
  EXPECT_EQ(body["secret"], "s3");
  EXPECT_EQ(body["retryConfig"], nlohmann::json::parse(
                                     R"({"enabled": true, "count": 3, "delay": 10,
                                         "delayUnit": "Second"})"));
}

TEST_F(WebhookApiTest, InvalidRequestsAreRefusedBeforeAnyUpstreamCall) {
  v1::CreateWebhookRequest no_name = NewWebhook("x");
  no_name.clear_name();
  no_name.clear_events();
  v1::Webhook webhook;
  grpc::Status status = Call(h_, &v1::WebhookService::Stub::CreateWebhook, no_name, &webhook);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("name is required"), std::string::npos);
  EXPECT_NE(status.error_message().find("events is required"), std::string::npos);

  v1::ListWebhooksRequest too_many;
  too_many.set_limit(51);
  v1::ListWebhooksResponse list;
  status = Call(h_, &v1::WebhookService::Stub::ListWebhooks, too_many, &list);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("limit must be at least 1 and at most 50, got 51"),
            std::string::npos)
      << status.error_message();

  v1::ListWebhooksRequest page_zero;
  page_zero.set_page(0);
  status = Call(h_, &v1::WebhookService::Stub::ListWebhooks, page_zero, &list);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  v1::ListWebhookLogsRequest logs;
  logs.set_webhook_id("w");
  logs.set_limit(100);
  v1::ListWebhookLogsResponse logs_reply;
  status = Call(h_, &v1::WebhookService::Stub::ListWebhookLogs, logs, &logs_reply);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  v1::DeleteWebhooksRequest no_ids;
  v1::DeleteWebhooksResponse deleted;
  status = Call(h_, &v1::WebhookService::Stub::DeleteWebhooks, no_ids, &deleted);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  EXPECT_EQ(h_.emulator().Requests().size(), 0u);  // nothing reached GenAuth, not even a token
}

TEST_F(WebhookApiTest, ListPagesThroughTheQueryString) {
  for (int i = 0; i < 12; ++i) Create(h_, "hook-" + std::to_string(i));
  v1::ListWebhooksRequest request;
  request.set_page(2);
  request.set_limit(5);
  v1::ListWebhooksResponse page;
  ASSERT_TRUE(Call(h_, &v1::WebhookService::Stub::ListWebhooks, request, &page).ok());
  EXPECT_EQ(page.list_size(), 5);
  EXPECT_EQ(page.total_count(), 13);  // the harness seeds one webhook too
  auto lists = h_.emulator().Requests("/api/v3/list-webhooks");
  ASSERT_EQ(lists.size(), 1u);
  EXPECT_EQ(lists[0].method, "GET");
  EXPECT_EQ(lists[0].query,
            (std::multimap<std::string, std::string>{{"page", "2"}, {"limit", "5"}}));

  // Unset page and limit are left to GenAuth's defaults, not sent as zeros.
  ASSERT_TRUE(
      Call(h_, &v1::WebhookService::Stub::ListWebhooks, v1::ListWebhooksRequest(), &page).ok());
  EXPECT_TRUE(h_.emulator().Requests("/api/v3/list-webhooks").back().query.empty());
}

TEST_F(WebhookApiTest, UpdateSendsOnlyWhatTheCallerSetIncludingEnabledFalse) {
  v1::Webhook created = Create(h_, "toggle");
  v1::UpdateWebhookRequest disable;
  disable.set_webhook_id(created.webhook_id());
  disable.set_enabled(false);
  v1::Webhook updated;
  ASSERT_TRUE(Call(h_, &v1::WebhookService::Stub::UpdateWebhook, disable, &updated).ok());
  EXPECT_EQ(LastBody(h_, "/api/v3/update-webhook"),
            nlohmann::json({{"webhookId", created.webhook_id()}, {"enabled", false}}));
  EXPECT_FALSE(updated.enabled());
  EXPECT_EQ(updated.name(), "toggle");  // untouched
  EXPECT_EQ(updated.events_size(), 2);

  v1::UpdateWebhookRequest rename;
  rename.set_webhook_id(created.webhook_id());
  rename.set_name("renamed");
  ASSERT_TRUE(Call(h_, &v1::WebhookService::Stub::UpdateWebhook, rename, &updated).ok());
  EXPECT_EQ(LastBody(h_, "/api/v3/update-webhook"),
            nlohmann::json({{"webhookId", created.webhook_id()}, {"name", "renamed"}}));
  EXPECT_EQ(updated.name(), "renamed");
  EXPECT_FALSE(updated.enabled());  // the earlier change was not overwritten
}

TEST_F(WebhookApiTest, DeleteReportsSuccess) {
  v1::Webhook created = Create(h_, "gone");
  v1::DeleteWebhooksRequest request;
  request.add_webhook_ids(created.webhook_id());
  request.add_webhook_ids("never-existed");
  v1::DeleteWebhooksResponse response;
  ASSERT_TRUE(Call(h_, &v1::WebhookService::Stub::DeleteWebhooks, request, &response).ok());
  EXPECT_TRUE(response.has_success());
  EXPECT_TRUE(response.success());
  EXPECT_EQ(LastBody(h_, "/api/v3/delete-webhook"),
            nlohmann::json({{"webhookIds", {created.webhook_id(), "never-existed"}}}));

  v1::GetWebhookRequest get;
  get.set_webhook_id(created.webhook_id());
  v1::Webhook fetched;
  EXPECT_EQ(Call(h_, &v1::WebhookService::Stub::GetWebhook, get, &fetched).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST(WebhookApiLegacyTest, DeleteAcceptsAReplyWithoutData) {
  HarnessOptions options;
  options.emulator.legacy_delete_reply = true;
  SidecarHarness h(options);
  h.Start();
  v1::DeleteWebhooksRequest request;
  request.add_webhook_ids(kWebhookId);
  v1::DeleteWebhooksResponse response;
  grpc::Status status = Call(h, &v1::WebhookService::Stub::DeleteWebhooks, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_FALSE(response.has_success());  // older servers say nothing; OK is the answer
}

TEST_F(WebhookApiTest, GetEncodesTheIdInTheQuery) {
  v1::GetWebhookRequest get;
  get.set_webhook_id("a b&c=d/é");
  v1::Webhook fetched;
  EXPECT_EQ(Call(h_, &v1::WebhookService::Stub::GetWebhook, get, &fetched).error_code(),
            grpc::StatusCode::NOT_FOUND);
  auto gets = h_.emulator().Requests("/api/v3/get-webhook");
  ASSERT_EQ(gets.size(), 1u);
  EXPECT_EQ(gets[0].query, (std::multimap<std::string, std::string>{{"webhookId", "a b&c=d/é"}}));
}

TEST_F(WebhookApiTest, LogsListEveryTriggerNewestFirst) {
  for (const char* event : {"first", "second"}) {
    v1::TriggerWebhookRequest trigger;
    trigger.set_webhook_id(kWebhookId);
    (*trigger.mutable_request_body()->mutable_fields())["eventName"].set_string_value(event);
    v1::TriggerWebhookResponse reply;
    ASSERT_TRUE(h_.Trigger(trigger, &reply).ok());
  }
  v1::ListWebhookLogsRequest request;
  request.set_webhook_id(kWebhookId);
  request.set_page(1);
  request.set_limit(10);
  v1::ListWebhookLogsResponse logs;
  grpc::Status status = Call(h_, &v1::WebhookService::Stub::ListWebhookLogs, request, &logs);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(logs.total_count(), 2);
  ASSERT_EQ(logs.list_size(), 2);
  EXPECT_EQ(logs.list(0).event_name(), "second");
  EXPECT_TRUE(logs.list(0).success());
  EXPECT_EQ(logs.list(0).response_status_code(), 200);
  EXPECT_EQ(logs.list(0).response_body().struct_value().fields().at("received").bool_value(), true);
  EXPECT_FALSE(logs.list(0).timestamp().empty());
  EXPECT_EQ(LastBody(h_, "/api/v3/get-webhook-logs"),
            nlohmann::json({{"webhookId", kWebhookId}, {"page", 1}, {"limit", 10}}));
}

TEST_F(WebhookApiTest, EventListHasCategoriesAndEvents) {
  v1::ListWebhookEventsResponse events;
  ASSERT_TRUE(Call(h_, &v1::WebhookService::Stub::ListWebhookEvents, v1::ListWebhookEventsRequest(),
                   &events)
                  .ok());
  EXPECT_GT(events.categories_size(), 0);
  bool has_user_created = false;
  for (const auto& event : events.events()) {
    has_user_created = has_user_created || event.value() == "user:created";
    EXPECT_FALSE(event.category().empty());
  }
  EXPECT_TRUE(has_user_created);
  auto requests = h_.emulator().Requests("/api/v3/get-webhook-event-list");
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_TRUE(requests[0].query.empty());
}

TEST_F(WebhookApiTest, ReadsAreRetriedAfterA500ButWritesAreNot) {
  Fault internal;
  internal.body_status = 500;
  h_.emulator().ScriptFaults("/api/v3/list-webhooks", {internal});
  v1::ListWebhooksResponse list;
  grpc::Status status =
      Call(h_, &v1::WebhookService::Stub::ListWebhooks, v1::ListWebhooksRequest(), &list);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(h_.emulator().CountRequests("/api/v3/list-webhooks"), 2u);

  h_.emulator().ScriptFaults("/api/v3/create-webhook", {internal});
  v1::Webhook webhook;
  status = Call(h_, &v1::WebhookService::Stub::CreateWebhook, NewWebhook("once"), &webhook);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(h_.emulator().CountRequests("/api/v3/create-webhook"), 1u);
}

TEST(WebhookApiTimeoutTest, ReadsAreRetriedAfterATimeout) {
  SidecarHarness h;
  h.sidecar_options().client.attempt_timeout = milliseconds(200);
  h.Start();
  const Fault slow = SlowReply(milliseconds(1000));
  h.emulator().ScriptFaults("/api/v3/get-webhook", {slow});
  v1::GetWebhookRequest get;
  get.set_webhook_id(kWebhookId);
  v1::Webhook fetched;
  grpc::Status status = Call(h, &v1::WebhookService::Stub::GetWebhook, get, &fetched);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(h.emulator().CountRequests("/api/v3/get-webhook"), 2u);
}

TEST_F(WebhookApiTest, OddButValidRepliesNeverFailACall) {
  Fault odd;
  odd.raw_body = R"({"statusCode": 200, "message": "", "requestId": "r1", "extra": true,
    "data": {"totalCount": 1, "newTopLevel": [1, 2],
             "list": [{"webhookId": "w1", "createdAt": "2022-09-20T08:55:00.188+0800",
                       "updatedAt": "2022-09-20 08:55", "enabled": true, "events": ["test"],
                       "somethingNew": {"nested": [1, {"a": null}]},
                       "retryConfig": {"enabled": false, "delayUnit": "Fortnight"}}]}})";
  h_.emulator().ScriptFaults("/api/v3/list-webhooks", {odd});
  v1::ListWebhooksResponse list;
  grpc::Status status =
      Call(h_, &v1::WebhookService::Stub::ListWebhooks, v1::ListWebhooksRequest(), &list);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(list.list_size(), 1);
  EXPECT_EQ(list.list(0).created_at(), "2022-09-20T08:55:00.188+0800");
  EXPECT_EQ(list.list(0).retry_config().delay_unit(), "Fortnight");
}

TEST_F(WebhookApiTest, AReplyThatDoesNotFitTheMessageIsAClearError) {
  Fault wrong;
  wrong.raw_body = R"({"statusCode": 200, "data": {"totalCount": "many", "list": 7}})";
  h_.emulator().ScriptFaults("/api/v3/list-webhooks", {wrong});
  v1::ListWebhooksResponse list;
  grpc::Status status =
      Call(h_, &v1::WebhookService::Stub::ListWebhooks, v1::ListWebhooksRequest(), &list);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_NE(status.error_message().find("does not match ListWebhooksResponse"), std::string::npos)
      << status.error_message();
}

// AK/SK signature mode: every RPC is signed, GenAuth (the emulator, which verifies like GenAuth
// and was checked against the official SDK's signatures) accepts each one, and no token is fetched.
class SignatureSchemeTest : public ::testing::TestWithParam<std::string> {};

TEST_P(SignatureSchemeTest, EveryRpcIsSignedAndAccepted) {
  const std::string prefix = GetParam();
  SidecarHarness h;
  h.sidecar_options().signature = auth::RequestSignerOptions{prefix};
  h.sidecar_options().client.header_prefix = prefix;
  h.Start();

  v1::CreateWebhookRequest create = NewWebhook("signed");
  create.mutable_retry_config()->set_enabled(true);
  create.mutable_retry_config()->set_delay_unit("Minute");
  v1::Webhook created;
  grpc::Status status = Call(h, &v1::WebhookService::Stub::CreateWebhook, create, &created);
  ASSERT_TRUE(status.ok()) << status.error_message();

  v1::TriggerWebhookRequest trigger;
  trigger.set_webhook_id(kWebhookId);
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                  R"({"zeta": 1, "alpha": {"y": [1, 2.5, "s"], "b": null}, "text": "a b&c"})",
                  trigger.mutable_request_body())
                  .ok());
  v1::TriggerWebhookResponse triggered;
  status = h.Trigger(trigger, &triggered);
  ASSERT_TRUE(status.ok()) << status.error_message();

  v1::ListWebhooksRequest list;
  list.set_page(1);
  list.set_limit(20);
  v1::ListWebhooksResponse listed;
  ASSERT_TRUE(Call(h, &v1::WebhookService::Stub::ListWebhooks, list, &listed).ok());
  v1::GetWebhookRequest get;
  get.set_webhook_id(created.webhook_id());
  v1::Webhook fetched;
  ASSERT_TRUE(Call(h, &v1::WebhookService::Stub::GetWebhook, get, &fetched).ok());
  v1::UpdateWebhookRequest update;
  update.set_webhook_id(created.webhook_id());
  update.set_enabled(false);
  v1::Webhook updated;
  ASSERT_TRUE(Call(h, &v1::WebhookService::Stub::UpdateWebhook, update, &updated).ok());
  v1::ListWebhookLogsRequest logs;
  logs.set_webhook_id(kWebhookId);
  v1::ListWebhookLogsResponse logged;
  ASSERT_TRUE(Call(h, &v1::WebhookService::Stub::ListWebhookLogs, logs, &logged).ok());
  v1::ListWebhookEventsResponse events;
  ASSERT_TRUE(
      Call(h, &v1::WebhookService::Stub::ListWebhookEvents, v1::ListWebhookEventsRequest(), &events)
          .ok());
  v1::DeleteWebhooksRequest remove;
  remove.add_webhook_ids(created.webhook_id());
  v1::DeleteWebhooksResponse removed;
  ASSERT_TRUE(Call(h, &v1::WebhookService::Stub::DeleteWebhooks, remove, &removed).ok());

  auto requests = h.emulator().Requests();
  ASSERT_EQ(requests.size(), 8u);
  const std::string word = prefix == "x-genauth" ? "GenAuth " : "authing ";
  for (const auto& r : requests) {
    SCOPED_TRACE(r.path);
    EXPECT_EQ(r.auth_scheme, "signature");
    EXPECT_EQ(r.headers.at("authorization").rfind(word + kKeyId + ":", 0), 0u);
    EXPECT_EQ(r.headers.at(prefix + "-signature-method"), "HMAC-SHA1");
  }
  EXPECT_EQ(h.emulator().TokensIssued(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Prefixes, SignatureSchemeTest, ::testing::Values("x-authing", "x-genauth"),
                         [](const auto& param_info) {
                           return test_names::FromText(param_info.param);
                         });

TEST(SignatureSchemeErrorsTest, AWrongSecretIsUnauthenticatedWithGenAuthsApiCode) {
  SidecarHarness h;
  h.sidecar_options().signature = auth::RequestSignerOptions{"x-authing"};
  h.sidecar_options().access_key_secret = "not-the-secret";
  h.Start();
  v1::TriggerWebhookRequest trigger;
  trigger.set_webhook_id(kWebhookId);
  v1::TriggerWebhookResponse response;
  grpc::Status status = h.Trigger(trigger, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(ErrorInfoMetadata(status)["apiCode"], "1300");
  EXPECT_EQ(h.emulator().CountRequests("/api/v3/trigger-webhook"), 1u);  // no token renewal
  EXPECT_TRUE(h.receiver().deliveries().empty());
}

}  // namespace
}  // namespace genauth::testing
