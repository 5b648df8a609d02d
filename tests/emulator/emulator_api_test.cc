// The emulator's eight webhook endpoints and its AK/SK signature scheme over real sockets: CRUD
// with paging, validation, update presence semantics, both delete reply shapes, delivery logs, the
// event list, and signed requests accepted or refused with GenAuth's apiCodes. Signatures are
// computed here by a helper of the test's own, not by the emulator's code.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "emulator/emulator.h"
#include "emulator/random_id.h"
#include "emulator/test_receiver.h"

namespace genauth::emulator {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kCreatePath[] = "/api/v3/create-webhook";
constexpr char kListPath[] = "/api/v3/list-webhooks";
constexpr char kUpdatePath[] = "/api/v3/update-webhook";
constexpr char kDeletePath[] = "/api/v3/delete-webhook";
constexpr char kGetPath[] = "/api/v3/get-webhook";
constexpr char kLogsPath[] = "/api/v3/get-webhook-logs";
constexpr char kTriggerPath[] = "/api/v3/trigger-webhook";
constexpr char kEventsPath[] = "/api/v3/get-webhook-event-list";
constexpr char kUserpool[] = "test-userpool";

// GenAuth's "2022-09-20T08:55:00.188+0800" form.
bool IsGenAuthTimestamp(const json& value) {
  static const std::regex kForm(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0800)");
  return value.is_string() && std::regex_match(value.get<std::string>(), kForm);
}

json Body(const httplib::Result& result) {
  if (!result) return json();
  return json::parse(result->body, nullptr, false);
}

std::string Base64(const unsigned char* data, size_t size) {
  std::string out(4 * ((size + 2) / 3), '\0');
  EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
  return out;
}

std::string HmacSha1Base64(const std::string& key, const std::string& text) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int length = 0;
  HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(text.data()), text.size(), mac.data(), &length);
  return Base64(mac.data(), length);
}

// RFC 1123, as the Node.js SDK's new Date().toUTCString() writes it.
std::string HttpDate(std::chrono::system_clock::time_point when) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(when);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char text[64];
  std::snprintf(text, sizeof(text), "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[utc.tm_wday],
                utc.tm_mday, kMonths[utc.tm_mon], utc.tm_year + 1900, utc.tm_hour, utc.tm_min,
                utc.tm_sec);
  return text;
}

// How a test signs a request; the defaults make a valid signature like the SDK's.
struct Signing {
  std::string scheme = "authing";
  std::string prefix = "x-authing-";
  std::string key_id = "test-key-id";
  std::string secret = "test-key-secret";
  std::string nonce;                // random when empty
  std::optional<std::string> date;  // now when unset; "" sends no date header
};

class WebhookApiTest : public ::testing::Test {
 protected:
  explicit WebhookApiTest(EmulatorOptions options = {}) : emulator_(std::move(options)) {}

  void SetUp() override {
    ASSERT_TRUE(emulator_.Start());
    client_ = std::make_unique<httplib::Client>(emulator_.base_url());
    client_->set_read_timeout(std::chrono::seconds(5));
    json reply =
        Body(client_->Post("/api/v3/get-management-token",
                           R"({"accessKeyId":"test-key-id","accessKeySecret":"test-key-secret"})",
                           "application/json"));
    ASSERT_EQ(reply["statusCode"], 200) << reply;
    token_ = reply["data"]["access_token"];
  }

  httplib::Headers TokenHeaders() const {
    return {{"Authorization", "Bearer " + token_}, {"x-authing-userpool-id", kUserpool}};
  }

  // A management call with the token; returns the envelope.
  json Post(const std::string& path, const json& body) {
    return Body(client_->Post(path.c_str(), TokenHeaders(), body.dump(), "application/json"));
  }
  json Get(const std::string& path_and_query) {
    return Body(client_->Get(path_and_query.c_str(), TokenHeaders()));
  }

  // create-webhook with a valid body, changed by `overrides`; returns the stored webhook.
  json Create(const json& overrides = json::object()) {
    json body = {{"name", "hook"},
                 {"url", "http://127.0.0.1:1/hook"},
                 {"contentType", "application/json"},
                 {"events", {"user:created", "login"}}};
    body.update(overrides);
    json reply = Post(kCreatePath, body);
    EXPECT_EQ(reply["statusCode"], 200) << reply;
    return reply["data"];
  }

  // A request signed as the SDK signs it: `query` for GET, else `body`'s top-level members.
  httplib::Result Signed(const std::string& method, const std::string& path,
                         const std::vector<std::pair<std::string, std::string>>& query,
                         const json& body, const Signing& signing = {}) {
    std::map<std::string, std::string> signed_headers = {
        {signing.prefix + "signature-nonce", signing.nonce.empty() ? RandomHex(16) : signing.nonce},
        {signing.prefix + "signature-method", "HMAC-SHA1"},
        {signing.prefix + "signature-version", "1.0"},
        {signing.prefix + "sdk-version", "emulator-test:1"},
        {signing.prefix + "lang", "zh-CN"}};
    const std::string date = signing.date.value_or(HttpDate(std::chrono::system_clock::now()));
    if (!date.empty()) signed_headers["date"] = date;

    std::map<std::string, std::string> parameters;
    if (method == "GET") {
      for (const auto& [key, value] : query) parameters.emplace(key, value);
    } else {
      for (const auto& [key, value] : body.items()) {
        parameters[key] = value.is_string() ? value.get<std::string>() : value.dump();
      }
    }
    std::string text = method + "\n";
    for (const auto& [name, value] : signed_headers) text += name + ":" + value + "\n";
    text += path;
    char separator = '?';
    for (const auto& [key, value] : parameters) {
      text += separator + key + "=" + value;
      separator = '&';
    }

    httplib::Headers headers(signed_headers.begin(), signed_headers.end());
    headers.emplace("Authorization", signing.scheme + " " + signing.key_id + ":" +
                                         HmacSha1Base64(signing.secret, text));
    std::string target = path;
    for (size_t i = 0; i < query.size(); ++i) {
      target += (i == 0 ? "?" : "&") + query[i].first + "=" + query[i].second;
    }
    if (method == "GET") return client_->Get(target.c_str(), headers);
    return client_->Post(target.c_str(), headers, body.dump(), "application/json");
  }

  Emulator emulator_;
  std::unique_ptr<httplib::Client> client_;
  std::string token_;
};

// --- create, get, list ------------------------------------------------------------------------

TEST_F(WebhookApiTest, CreateStoresTheWebhookWithGenAuthTimestamps) {
  json retry = {{"enabled", true}, {"count", 3}, {"delay", 30}, {"delayUnit", "Minute"}};
  json created = Create({{"name", "订单 hook"},
                         {"secret", "s3cret"},
                         {"enabled", false},
                         {"retryConfig", retry},
                         {"contentType", "application/x-www-form-urlencoded"},
                         {"unknownMember", 1}});
  ASSERT_TRUE(created.is_object());
  EXPECT_FALSE(created["webhookId"].get<std::string>().empty());
  EXPECT_EQ(created["name"], "订单 hook");
  EXPECT_EQ(created["url"], "http://127.0.0.1:1/hook");
  EXPECT_EQ(created["contentType"], "application/x-www-form-urlencoded");
  EXPECT_EQ(created["events"], json({"user:created", "login"}));
  EXPECT_EQ(created["enabled"], false);
  EXPECT_EQ(created["secret"], "s3cret");
  EXPECT_EQ(created["retryConfig"], retry);
  EXPECT_FALSE(created.contains("unknownMember"));
  EXPECT_TRUE(IsGenAuthTimestamp(created["createdAt"])) << created["createdAt"];
  EXPECT_EQ(created["updatedAt"], created["createdAt"]);

  json defaults = Create();
  EXPECT_EQ(defaults["enabled"], true);
  EXPECT_FALSE(defaults.contains("secret"));
  EXPECT_FALSE(defaults.contains("retryConfig"));
  EXPECT_NE(defaults["webhookId"], created["webhookId"]);

  json got = Get(std::string(kGetPath) + "?webhookId=" + created["webhookId"].get<std::string>());
  EXPECT_EQ(got["statusCode"], 200);
  EXPECT_EQ(got["data"], created);
  EXPECT_EQ(emulator_.GetWebhook(created["webhookId"].get<std::string>()), created);
}

TEST_F(WebhookApiTest, CreateRejectsMissingOrMistypedFieldsNamingThem) {
  const json valid = {{"name", "hook"},
                      {"url", "https://example.com/hook"},
                      {"contentType", "application/json"},
                      {"events", {"test"}}};
  struct Case {
    json change;        // merged into `valid`; a null member removes the key
    const char* field;  // named in the message
  };
  const std::vector<Case> cases = {
      {{{"name", nullptr}}, "name"},
      {{{"url", nullptr}}, "url"},
      {{{"contentType", nullptr}}, "contentType"},
      {{{"events", nullptr}}, "events"},
      {{{"name", ""}}, "name"},
      {{{"name", 7}}, "name"},
      {{{"url", "ftp://example.com"}}, "url"},
      {{{"url", "example.com/hook"}}, "url"},
      {{{"contentType", "text/plain"}}, "contentType"},
      {{{"events", json::array()}}, "events"},
      {{{"events", {"test", 1}}}, "events"},
      {{{"events", "test"}}, "events"},
      {{{"enabled", "yes"}}, "enabled"},
      {{{"secret", 5}}, "secret"},
      {{{"retryConfig", "often"}}, "retryConfig"},
      {{{"retryConfig", {{"count", 1}}}}, "retryConfig.enabled"},
      {{{"retryConfig", {{"enabled", true}, {"count", -1}}}}, "retryConfig.count"},
      {{{"retryConfig", {{"enabled", true}, {"delayUnit", "Week"}}}}, "retryConfig.delayUnit"},
  };
  for (const Case& c : cases) {
    json body = valid;
    for (const auto& [key, value] : c.change.items()) {
      if (value.is_null()) {
        body.erase(key);
      } else {
        body[key] = value;
      }
    }
    json reply = Post(kCreatePath, body);
    EXPECT_EQ(reply["statusCode"], 400) << body;
    EXPECT_THAT(reply["message"].get<std::string>(), HasSubstr(c.field)) << body;
    EXPECT_FALSE(reply.contains("data"));
  }
  // An explicit null is a wrong type, not an absent member.
  json with_null = valid;
  with_null["secret"] = nullptr;
  EXPECT_EQ(Post(kCreatePath, with_null)["statusCode"], 400);
  EXPECT_EQ(Body(client_->Post(kCreatePath, TokenHeaders(), "not json",
                               "application/json"))["statusCode"],
            400);
  EXPECT_EQ(Post(kCreatePath, json::array())["statusCode"], 400);
  EXPECT_EQ(Get(kListPath)["data"]["totalCount"], 0);
}

TEST_F(WebhookApiTest, ListPagesInCreationOrder) {
  std::vector<std::string> ids;
  for (int i = 0; i < 12; ++i)
    ids.push_back(Create({{"name", "hook " + std::to_string(i)}})["webhookId"].get<std::string>());

  json page2 = Get(std::string(kListPath) + "?page=2&limit=5");
  ASSERT_EQ(page2["statusCode"], 200) << page2;
  EXPECT_EQ(page2["data"]["totalCount"], 12);
  ASSERT_EQ(page2["data"]["list"].size(), 5u);
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ(page2["data"]["list"][i]["webhookId"], ids[5 + i]);

  json page3 = Get(std::string(kListPath) + "?page=3&limit=5");
  ASSERT_EQ(page3["data"]["list"].size(), 2u);
  EXPECT_EQ(page3["data"]["list"][1]["webhookId"], ids[11]);
  EXPECT_TRUE(Get(std::string(kListPath) + "?page=4&limit=5")["data"]["list"].empty());

  json defaults = Get(kListPath);  // page 1, limit 10
  EXPECT_EQ(defaults["data"]["totalCount"], 12);
  ASSERT_EQ(defaults["data"]["list"].size(), 10u);
  EXPECT_EQ(defaults["data"]["list"][0]["webhookId"], ids[0]);
  EXPECT_EQ(Get(std::string(kListPath) + "?limit=50")["data"]["list"].size(), 12u);

  for (const char* bad : {"?limit=51", "?limit=0", "?page=0", "?page=-1", "?page=abc", "?limit=1.5",
                          "?limit=", "?page=2x"}) {
    json reply = Get(std::string(kListPath) + bad);
    EXPECT_EQ(reply["statusCode"], 400) << bad;
    EXPECT_FALSE(reply.contains("data")) << bad;
  }
}

// --- update -----------------------------------------------------------------------------------

TEST_F(WebhookApiTest, UpdateChangesOnlyThePresentMembers) {
  json created = Create({{"secret", "s"}, {"retryConfig", {{"enabled", true}, {"count", 2}}}});
  const std::string id = created["webhookId"];

  json disabled = Post(kUpdatePath, {{"webhookId", id}, {"enabled", false}});
  ASSERT_EQ(disabled["statusCode"], 200) << disabled;
  json expected = created;
  expected["enabled"] = false;
  expected["updatedAt"] = disabled["data"]["updatedAt"];
  EXPECT_EQ(disabled["data"], expected);
  EXPECT_NE(disabled["data"]["updatedAt"], created["updatedAt"]);
  EXPECT_TRUE(IsGenAuthTimestamp(disabled["data"]["updatedAt"]));

  json renamed = Post(kUpdatePath, {{"webhookId", id},
                                    {"name", "renamed"},
                                    {"events", {"test"}},
                                    {"retryConfig", {{"enabled", false}}}});
  ASSERT_EQ(renamed["statusCode"], 200) << renamed;
  EXPECT_EQ(renamed["data"]["enabled"], false);  // not reset by an update that omits it
  EXPECT_EQ(renamed["data"]["name"], "renamed");
  EXPECT_EQ(renamed["data"]["events"], json({"test"}));
  EXPECT_EQ(renamed["data"]["retryConfig"], json({{"enabled", false}}));
  EXPECT_EQ(renamed["data"]["secret"], "s");
  EXPECT_EQ(renamed["data"]["url"], created["url"]);
  EXPECT_EQ(renamed["data"]["createdAt"], created["createdAt"]);
  EXPECT_NE(renamed["data"]["updatedAt"], disabled["data"]["updatedAt"]);
  EXPECT_EQ(*emulator_.GetWebhook(id), renamed["data"]);

  EXPECT_EQ(Post(kUpdatePath, {{"webhookId", id}, {"enabled", true}})["data"]["enabled"], true);
}

TEST_F(WebhookApiTest, UpdateRejectsUnknownIdsAndBadFieldsWithoutChangingAnything) {
  json created = Create();
  const std::string id = created["webhookId"];
  json unknown = Post(kUpdatePath, {{"webhookId", "no-such-webhook"}, {"name", "x"}});
  EXPECT_EQ(unknown["statusCode"], 404);
  EXPECT_FALSE(unknown.contains("data"));
  for (const json& bad :
       {json{{"name", "x"}}, json{{"webhookId", ""}}, json{{"webhookId", 1}},
        json{{"webhookId", id}, {"url", "nope"}}, json{{"webhookId", id}, {"name", nullptr}},
        json{{"webhookId", id}, {"events", json::array()}},
        json{{"webhookId", id}, {"enabled", 0}}}) {
    json reply = Post(kUpdatePath, bad);
    EXPECT_EQ(reply["statusCode"], 400) << bad;
  }
  EXPECT_EQ(*emulator_.GetWebhook(id), created);
}

// --- delete -----------------------------------------------------------------------------------

TEST_F(WebhookApiTest, DeleteAnswersSuccessAndIgnoresUnknownIds) {
  const std::string first = Create()["webhookId"];
  const std::string second = Create()["webhookId"];
  json reply = Post(kDeletePath, {{"webhookIds", {first, "no-such-webhook"}}});
  EXPECT_EQ(reply["statusCode"], 200);
  EXPECT_EQ(reply["data"], json({{"success", true}}));
  EXPECT_EQ(Get(std::string(kGetPath) + "?webhookId=" + first)["statusCode"], 404);
  json list = Get(kListPath);
  EXPECT_EQ(list["data"]["totalCount"], 1);
  EXPECT_EQ(list["data"]["list"][0]["webhookId"], second);
  EXPECT_EQ(Post(kDeletePath, {{"webhookIds", {"gone-already"}}})["statusCode"], 200);

  for (const json& bad :
       {json::object(), json{{"webhookIds", json::array()}}, json{{"webhookIds", {1}}},
        json{{"webhookIds", second}}, json{{"webhookIds", {""}}}}) {
    json rejected = Post(kDeletePath, bad);
    EXPECT_EQ(rejected["statusCode"], 400) << bad;
    EXPECT_THAT(rejected["message"].get<std::string>(), HasSubstr("webhookIds"));
  }
  EXPECT_TRUE(emulator_.GetWebhook(second));
}

class LegacyDeleteTest : public WebhookApiTest {
 protected:
  LegacyDeleteTest() : WebhookApiTest(Options()) {}
  static EmulatorOptions Options() {
    EmulatorOptions options;
    options.legacy_delete_reply = true;
    return options;
  }
};

TEST_F(LegacyDeleteTest, DeleteAnswersWithoutData) {
  const std::string id = Create()["webhookId"];
  json reply = Post(kDeletePath, {{"webhookIds", {id}}});
  EXPECT_EQ(reply["statusCode"], 200);
  EXPECT_EQ(reply["message"], "success");
  EXPECT_FALSE(reply.contains("data"));
  EXPECT_FALSE(emulator_.GetWebhook(id));
}

// --- trigger and logs -------------------------------------------------------------------------

TEST_F(WebhookApiTest, EveryTriggerAppendsALogNewestFirst) {
  TestReceiver receiver;
  const std::string id =
      Create({{"url", receiver.Url("http", "/hook")}, {"secret", "s"}})["webhookId"];
  json request_body = {{"eventName", "user:created"}, {"data", {{"userId", "u1"}}}};
  EXPECT_EQ(Post(kTriggerPath, {{"webhookId", id},
                                {"requestHeaders", {{"x-trace", "t-1"}}},
                                {"requestBody", request_body}})["statusCode"],
            200);
  receiver.SetReply(500, "receiver broke", "text/plain");
  EXPECT_EQ(Post(kTriggerPath, {{"webhookId", id}})["statusCode"], 200);

  json reply = Post(kLogsPath, {{"webhookId", id}});
  ASSERT_EQ(reply["statusCode"], 200) << reply;
  EXPECT_EQ(reply["data"]["totalCount"], 2);
  ASSERT_EQ(reply["data"]["list"].size(), 2u);
  const json& failed = reply["data"]["list"][0];  // newest first
  EXPECT_EQ(failed["webhookId"], id);
  EXPECT_EQ(failed["eventName"], "test");  // no requestBody.eventName
  EXPECT_EQ(failed["requestBody"], json::object());
  EXPECT_EQ(failed["responseStatusCode"], 500);
  EXPECT_EQ(failed["responseBody"], "receiver broke");
  EXPECT_EQ(failed["responseHeaders"]["content-type"], "text/plain");
  EXPECT_EQ(failed["success"], false);
  EXPECT_EQ(failed["errorMessage"], "");

  const json& delivered = reply["data"]["list"][1];
  EXPECT_EQ(delivered["eventName"], "user:created");
  EXPECT_EQ(delivered["requestBody"], request_body);
  EXPECT_EQ(delivered["requestHeaders"]["x-trace"], "t-1");
  EXPECT_EQ(delivered["requestHeaders"]["User-Agent"], "authing-webhook@2.0");
  EXPECT_EQ(delivered["requestHeaders"]["x-authing-webhook-secret"], "s");
  EXPECT_EQ(delivered["responseStatusCode"], 200);
  EXPECT_EQ(delivered["responseBody"], json({{"ok", true}, {"n", 1}}));
  EXPECT_TRUE(delivered["responseHeaders"].is_object());
  EXPECT_EQ(delivered["success"], true);
  EXPECT_EQ(delivered["errorMessage"], "");
  EXPECT_TRUE(IsGenAuthTimestamp(delivered["timestamp"]));

  json second_page = Post(kLogsPath, {{"webhookId", id}, {"page", 2}, {"limit", 1}});
  EXPECT_EQ(second_page["data"]["totalCount"], 2);
  ASSERT_EQ(second_page["data"]["list"].size(), 1u);
  EXPECT_EQ(second_page["data"]["list"][0], delivered);
  EXPECT_EQ(emulator_.WebhookLogs(id).size(), 2u);
}

TEST_F(WebhookApiTest, UnreachableDeliveriesAreLoggedToo) {
  const int closed_port = ClosedLocalPort();
  ASSERT_GT(closed_port, 0);
  const std::string id =
      Create({{"url", "http://127.0.0.1:" + std::to_string(closed_port) + "/hook"}})["webhookId"];
  json triggered =
      Post(kTriggerPath, {{"webhookId", id}, {"requestBody", {{"eventName", "login"}}}});
  EXPECT_EQ(triggered["statusCode"], 601);

  json logs = Post(kLogsPath, {{"webhookId", id}, {"limit", 50}});
  ASSERT_EQ(logs["data"]["list"].size(), 1u) << logs;
  const json& log = logs["data"]["list"][0];
  EXPECT_EQ(log["eventName"], "login");
  EXPECT_EQ(log["responseStatusCode"], 0);
  EXPECT_EQ(log["success"], false);
  EXPECT_EQ(log["errorMessage"], "ECONNREFUSED");
  EXPECT_EQ(log["responseHeaders"], json::object());
  EXPECT_TRUE(log["responseBody"].is_null());
}

TEST_F(WebhookApiTest, LogsValidateTheirParametersAndNeedAKnownWebhook) {
  const std::string id = Create()["webhookId"];
  json empty = Post(kLogsPath, {{"webhookId", id}});
  EXPECT_EQ(empty["statusCode"], 200);
  EXPECT_EQ(empty["data"], json({{"totalCount", 0}, {"list", json::array()}}));
  EXPECT_EQ(Post(kLogsPath, {{"webhookId", "no-such-webhook"}})["statusCode"], 404);
  for (const json& bad :
       {json::object(), json{{"webhookId", id}, {"limit", 51}},
        json{{"webhookId", id}, {"limit", 0}}, json{{"webhookId", id}, {"page", 0}},
        json{{"webhookId", id}, {"page", "2"}}}) {
    EXPECT_EQ(Post(kLogsPath, bad)["statusCode"], 400) << bad;
  }
  // Deleting a webhook takes its logs along.
  Post(kDeletePath, {{"webhookIds", {id}}});
  EXPECT_EQ(Post(kLogsPath, {{"webhookId", id}})["statusCode"], 404);
}

// --- event list, authorization, faults --------------------------------------------------------

TEST_F(WebhookApiTest, EventListHasCategoriesAndEventsInThem) {
  json reply = Get(kEventsPath);
  ASSERT_EQ(reply["statusCode"], 200);
  std::set<std::string> categories;
  for (const json& category : reply["data"]["categories"]) {
    EXPECT_TRUE(category["name"].is_string() && category["nameEn"].is_string());
    categories.insert(category["value"].get<std::string>());
  }
  EXPECT_EQ(categories, (std::set<std::string>{"user", "authentication", "permission",
                                               "organization", "test"}));
  std::set<std::string> events;
  for (const json& event : reply["data"]["events"]) {
    EXPECT_TRUE(event["name"].is_string() && event["nameEn"].is_string());
    EXPECT_EQ(categories.count(event["category"].get<std::string>()), 1u) << event;
    events.insert(event["value"].get<std::string>());
  }
  for (const char* event : {"user:created", "user:updated", "user:deleted", "login", "register",
                            "role:assigned", "organization:member-added", "test"}) {
    EXPECT_EQ(events.count(event), 1u) << event;
  }
}

struct EndpointCall {
  const char* method;
  const char* path;
};

constexpr EndpointCall kEndpoints[] = {
    {"POST", kCreatePath}, {"GET", kListPath},  {"POST", kUpdatePath},  {"POST", kDeletePath},
    {"GET", kGetPath},     {"POST", kLogsPath}, {"POST", kTriggerPath}, {"GET", kEventsPath},
};

TEST_F(WebhookApiTest, EveryEndpointNeedsAuthorizationAndTakesScriptedFaults) {
  for (const EndpointCall& endpoint : kEndpoints) {
    httplib::Result result = std::string(endpoint.method) == "GET"
                                 ? client_->Get(endpoint.path)
                                 : client_->Post(endpoint.path, "{}", "application/json");
    ASSERT_TRUE(result) << endpoint.path;
    EXPECT_EQ(result->status, 200);
    EXPECT_EQ(Body(result)["statusCode"], 401) << endpoint.path;

    Fault fault;
    fault.http_status = 503;
    fault.body_status = 503;
    emulator_.ScriptFaults(endpoint.path, {fault});
    httplib::Result faulted =
        std::string(endpoint.method) == "GET"
            ? client_->Get(endpoint.path, TokenHeaders())
            : client_->Post(endpoint.path, TokenHeaders(), "{}", "application/json");
    ASSERT_TRUE(faulted);
    EXPECT_EQ(faulted->status, 503) << endpoint.path;
    EXPECT_EQ(emulator_.CountRequests(endpoint.path), 2u) << endpoint.path;
  }
  // Known paths with the wrong method stay unknown endpoints.
  EXPECT_EQ(client_->Get(kCreatePath, TokenHeaders())->status, 404);
}

// --- AK/SK signatures -------------------------------------------------------------------------

TEST_F(WebhookApiTest, SignedRequestsWorkOnEveryEndpoint) {
  TestReceiver receiver;
  json created = Body(Signed("POST", kCreatePath, {},
                             {{"name", "signed"},
                              {"url", receiver.Url("http", "/hook")},
                              {"contentType", "application/json"},
                              {"events", {"test"}},
                              {"enabled", true},
                              {"retryConfig", {{"count", 1}, {"enabled", true}}}}));
  ASSERT_EQ(created["statusCode"], 200) << created;
  const std::string id = created["data"]["webhookId"];

  const std::vector<std::pair<std::string, json>> replies = {
      {"list", Body(Signed("GET", kListPath, {{"page", "1"}, {"limit", "5"}}, nullptr))},
      {"update", Body(Signed("POST", kUpdatePath, {}, {{"webhookId", id}, {"enabled", false}}))},
      {"get", Body(Signed("GET", kGetPath, {{"webhookId", id}}, nullptr))},
      {"trigger", Body(Signed("POST", kTriggerPath, {},
                              {{"webhookId", id}, {"requestBody", {{"eventName", "test"}}}}))},
      {"logs",
       Body(Signed("POST", kLogsPath, {}, {{"webhookId", id}, {"page", 1}, {"limit", 10}}))},
      {"events", Body(Signed("GET", kEventsPath, {}, nullptr))},
      {"delete", Body(Signed("POST", kDeletePath, {}, {{"webhookIds", {id}}}))},
  };
  for (const auto& [name, reply] : replies) EXPECT_EQ(reply["statusCode"], 200) << name << reply;
  EXPECT_EQ(replies[1].second["data"]["enabled"], false);
  EXPECT_EQ(replies[4].second["data"]["totalCount"], 1);
  EXPECT_EQ(receiver.received().size(), 1u);

  std::vector<RecordedRequest> recorded = emulator_.Requests();
  ASSERT_EQ(recorded.size(), 9u);  // the token request, then eight signed calls
  EXPECT_EQ(recorded[0].auth_scheme, "");
  for (size_t i = 1; i < recorded.size(); ++i) {
    EXPECT_EQ(recorded[i].auth_scheme, "signature") << recorded[i].path;
  }
  Get(kEventsPath);
  EXPECT_EQ(emulator_.Requests(kEventsPath).back().auth_scheme, "token");
}

TEST_F(WebhookApiTest, AcceptsTheGenAuthSpellings) {
  Signing genauth;
  genauth.scheme = "GenAuth";
  genauth.prefix = "x-genauth-";
  EXPECT_EQ(Body(Signed("GET", kEventsPath, {}, nullptr, genauth))["statusCode"], 200);
  Signing mixed;  // the GenAuth scheme word with x-authing-* headers
  mixed.scheme = "GenAuth";
  EXPECT_EQ(Body(Signed("GET", kEventsPath, {}, nullptr, mixed))["statusCode"], 200);
}

TEST_F(WebhookApiTest, RefusesBadSignaturesWithGenAuthsApiCodes) {
  auto api_code = [&](const Signing& signing, const json& body = {{"webhookId", "w"}}) {
    httplib::Result result = Signed("POST", kLogsPath, {}, body, signing);
    EXPECT_TRUE(result);
    if (!result) return json();
    EXPECT_EQ(result->status, 200);
    json reply = Body(result);
    EXPECT_EQ(reply["statusCode"], 401) << reply;
    EXPECT_FALSE(reply["message"].get<std::string>().empty());
    EXPECT_THAT(result->body, Not(HasSubstr("test-key-secret")));
    return reply["apiCode"];
  };
  const auto now = std::chrono::system_clock::now();
  Signing wrong_secret;
  wrong_secret.secret = "not-the-secret";
  EXPECT_EQ(api_code(wrong_secret), 1300);
  Signing wrong_key;
  wrong_key.key_id = "other-key";
  EXPECT_EQ(api_code(wrong_key), 1300);
  Signing no_date;
  no_date.date = "";
  EXPECT_EQ(api_code(no_date), 1304);
  Signing bad_date;
  bad_date.date = "the day before yesterday";
  EXPECT_EQ(api_code(bad_date), 1303);
  Signing past;
  past.date = HttpDate(now - std::chrono::minutes(20));
  EXPECT_EQ(api_code(past), 1305);
  Signing future;
  future.date = HttpDate(now + std::chrono::minutes(20));
  EXPECT_EQ(api_code(future), 1305);

  Signing once;
  once.nonce = "nonce-used-twice";
  EXPECT_EQ(Body(Signed("POST", kLogsPath, {}, {{"webhookId", "w"}}, once))["statusCode"], 404);
  EXPECT_EQ(api_code(once), 1306);

  // The headers of an accepted request with another body: the signature is checked before the
  // nonce, so this is a bad signature (1300), not a replay (1306).
  EXPECT_EQ(Body(Signed("POST", kLogsPath, {}, {{"webhookId", "w"}}))["statusCode"], 404);
  const std::vector<RecordedRequest> sent = emulator_.Requests(kLogsPath);
  ASSERT_FALSE(sent.empty());
  httplib::Headers headers;
  for (const auto& [name, value] : sent.back().headers) {
    if (name != "content-length" && name != "host" && name != "content-type") {
      headers.emplace(name, value);
    }
  }
  json tampered =
      Body(client_->Post(kLogsPath, headers, R"({"webhookId":"other"})", "application/json"));
  EXPECT_EQ(tampered["statusCode"], 401);
  EXPECT_EQ(tampered["apiCode"], 1300);
}

TEST_F(WebhookApiTest, AcceptsEpochMillisecondDates) {
  Signing millis;
  millis.date = std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
  EXPECT_EQ(Body(Signed("GET", kEventsPath, {}, nullptr, millis))["statusCode"], 200);
}

}  // namespace
}  // namespace genauth::emulator
