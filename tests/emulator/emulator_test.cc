// The GenAuth emulator over real sockets on 127.0.0.1: tokens, authorization, webhook delivery to a
// receiver started by the test, every fault kind, recording, and the /_emulator/ control endpoints.
#include "emulator/emulator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "emulator/jwt.h"
#include "emulator/self_signed_cert.h"
#include "emulator/test_receiver.h"

namespace genauth::emulator {
namespace {

using json = nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using Clock = std::chrono::steady_clock;

constexpr char kTokenPath[] = "/api/v3/get-management-token";
constexpr char kTriggerPath[] = "/api/v3/trigger-webhook";
constexpr char kGetWebhookPath[] = "/api/v3/get-webhook";
constexpr char kUserpool[] = "test-userpool";

json Body(const httplib::Result& result) {
  if (!result) return json();
  return json::parse(result->body, nullptr, false);
}

std::chrono::milliseconds ElapsedSince(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

class EmulatorTest : public ::testing::Test {
 protected:
  explicit EmulatorTest(EmulatorOptions options = {}) : emulator_(std::move(options)) {}

  void SetUp() override {
    ASSERT_TRUE(emulator_.Start());
    client_ = std::make_unique<httplib::Client>(emulator_.base_url());
    client_->set_read_timeout(std::chrono::seconds(5));
  }

  httplib::Result PostJson(const std::string& path, const json& body,
                           const httplib::Headers& headers = {}) {
    return client_->Post(path.c_str(), headers, body.dump(), "application/json");
  }

  httplib::Result RequestToken(const std::string& id = "test-key-id",
                               const std::string& secret = "test-key-secret") {
    return PostJson(kTokenPath, {{"accessKeyId", id}, {"accessKeySecret", secret}});
  }

  std::string Token() {
    json body = Body(RequestToken());
    EXPECT_EQ(body["statusCode"], 200) << body;
    return body["data"]["access_token"].get<std::string>();
  }

  static httplib::Headers AuthHeaders(const std::string& token,
                                      const std::string& userpool = kUserpool) {
    return {{"Authorization", "Bearer " + token}, {"x-authing-userpool-id", userpool}};
  }

  httplib::Result Trigger(const json& body, const std::string& token) {
    return PostJson(kTriggerPath, body, AuthHeaders(token));
  }

  std::string AddReceiverWebhook(const TestReceiver& receiver, const std::string& scheme = "http",
                                 const std::string& secret = "") {
    json webhook = {{"url", receiver.Url(scheme, "/hooks/genauth")}, {"events", {"test"}}};
    if (!secret.empty()) webhook["secret"] = secret;
    return emulator_.AddWebhook(webhook)["webhookId"].get<std::string>();
  }

  Emulator emulator_;
  std::unique_ptr<httplib::Client> client_;
};

// --- management token -------------------------------------------------------------------------

TEST_F(EmulatorTest, IssuesTokenForRightKeys) {
  httplib::Result result = RequestToken();
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  json body = Body(result);
  EXPECT_EQ(body["statusCode"], 200);
  EXPECT_TRUE(body["requestId"].is_string() && !body["requestId"].get<std::string>().empty());
  EXPECT_FALSE(body["data"]["access_token"].get<std::string>().empty());
  EXPECT_EQ(body["data"]["expires_in"], 7200);
}

TEST_F(EmulatorTest, RejectsWrongOrMissingKeysWithEnvelope401InHttp200) {
  for (const json& request :
       {json{{"accessKeyId", "test-key-id"}, {"accessKeySecret", "nope"}},
        json{{"accessKeyId", "other"}, {"accessKeySecret", "test-key-secret"}},
        json{{"accessKeyId", "test-key-id"}}, json::object()}) {
    httplib::Result result = PostJson(kTokenPath, request);
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 200);
    json body = Body(result);
    EXPECT_EQ(body["statusCode"], 401) << request;
    EXPECT_FALSE(body["message"].get<std::string>().empty());
    EXPECT_FALSE(body.contains("data"));
    EXPECT_THAT(result->body, Not(HasSubstr("test-key-secret")));
  }
  EXPECT_EQ(Body(client_->Post(kTokenPath, "not json", "application/json"))["statusCode"], 400);
  EXPECT_EQ(emulator_.TokensIssued(), 0u);
}

TEST_F(EmulatorTest, TokensAreSignedJwtsWithUserpoolClaimAndUniqueIds) {
  std::string first = Token();
  std::string second = Token();
  EXPECT_NE(first, second);
  EXPECT_THAT(emulator_.IssuedTokens(), ElementsAre(first, second));

  std::string header_part = first.substr(0, first.find('.'));
  json header = json::parse(Base64UrlDecode(header_part).value_or(""), nullptr, false);
  EXPECT_EQ(header["alg"], "HS256");
  EXPECT_EQ(header["typ"], "JWT");

  std::optional<json> payload = DecodeJwtPayload(first);
  ASSERT_TRUE(payload);
  EXPECT_EQ((*payload)["scoped_userpool_id"], kUserpool);
  EXPECT_EQ((*payload)["exp"].get<int64_t>() - (*payload)["iat"].get<int64_t>(), 7200);
  int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  EXPECT_NEAR(static_cast<double>((*payload)["iat"].get<int64_t>()), static_cast<double>(now), 5);
  EXPECT_NE((*payload)["jti"], (*DecodeJwtPayload(second))["jti"]);
  // Three base64url parts, no padding.
  EXPECT_EQ(std::count(first.begin(), first.end(), '.'), 2);
  EXPECT_EQ(
      first.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."),
      std::string::npos);
}

TEST(JwtTest, Base64UrlRoundTripsEveryLength) {
  std::string data;
  for (int i = 0; i < 40; ++i) {
    EXPECT_EQ(Base64UrlDecode(Base64UrlEncode(data)), data);
    data.push_back(static_cast<char>(i * 37 + 250));
  }
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
  EXPECT_FALSE(Base64UrlDecode("a+b/"));
}

TEST(JwtTest, SignerVerifiesOnlyItsOwnUntamperedTokens) {
  TokenSigner signer;
  std::string token = signer.Sign({{"a", 1}});
  EXPECT_TRUE(signer.Verify(token));
  EXPECT_FALSE(TokenSigner().Verify(token));
  std::string tampered = token;
  tampered[tampered.find('.') + 2] ^= 1;
  EXPECT_FALSE(signer.Verify(tampered));
  EXPECT_FALSE(signer.Verify("not-a-token"));
}

// --- authorization of management calls --------------------------------------------------------

TEST_F(EmulatorTest, ManagementCallsNeedAnIssuedTokenAndTheUserpoolHeader) {
  std::string token = Token();
  TokenSigner foreign;
  std::string forged = foreign.Sign({{"scoped_userpool_id", kUserpool}});
  const std::vector<httplib::Headers> rejected = {
      {},
      {{"x-authing-userpool-id", kUserpool}},
      {{"Authorization", token}, {"x-authing-userpool-id", kUserpool}},  // not "Bearer"
      {{"Authorization", "Basic abc"}, {"x-authing-userpool-id", kUserpool}},
      AuthHeaders(forged),
      {{"Authorization", "Bearer " + token}},
      AuthHeaders(token, "other-userpool"),
  };
  for (const httplib::Headers& headers : rejected) {
    httplib::Result result = PostJson(kTriggerPath, {{"webhookId", "w"}}, headers);
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 200);
    json body = Body(result);
    EXPECT_EQ(body["statusCode"], 401) << result->body;
    EXPECT_FALSE(body["message"].get<std::string>().empty());
    EXPECT_THAT(result->body, Not(HasSubstr(token)));
    EXPECT_THAT(result->body, Not(HasSubstr(forged)));
  }
  // Accepted: the call gets past authorization to "webhook not found". Both header spellings.
  EXPECT_EQ(Body(Trigger({{"webhookId", "w"}}, token))["statusCode"], 404);
  httplib::Headers genauth_spelling = {{"authorization", "bearer " + token},
                                       {"x-genauth-userpool-id", kUserpool}};
  EXPECT_EQ(Body(PostJson(kTriggerPath, {{"webhookId", "w"}}, genauth_spelling))["statusCode"],
            404);
}

TEST_F(EmulatorTest, RevokedTokensGet401AndNewTokensWork) {
  std::string old_token = Token();
  emulator_.RevokeAllTokens();
  json body = Body(Trigger({{"webhookId", "w"}}, old_token));
  EXPECT_EQ(body["statusCode"], 401);
  EXPECT_THAT(body["message"].get<std::string>(), HasSubstr("revoked"));
  EXPECT_EQ(Body(Trigger({{"webhookId", "w"}}, Token()))["statusCode"], 404);
}

// A rotated secret: only the new one gets tokens, and a token issued before stays valid.
TEST_F(EmulatorTest, RotatedSecretGetsTokensAndEarlierTokensStayValid) {
  std::string old_token = Token();
  emulator_.SetAccessKeySecret("rotated-secret");
  EXPECT_EQ(Body(RequestToken("test-key-id", "test-key-secret"))["statusCode"], 401);
  json body = Body(RequestToken("test-key-id", "rotated-secret"));
  ASSERT_EQ(body["statusCode"], 200) << body;
  const std::string new_token = body["data"]["access_token"].get<std::string>();
  EXPECT_EQ(Body(Trigger({{"webhookId", "w"}}, old_token))["statusCode"], 404);  // authorized
  EXPECT_EQ(Body(Trigger({{"webhookId", "w"}}, new_token))["statusCode"], 404);
}

class ExpiredTokenTest : public EmulatorTest {
 protected:
  ExpiredTokenTest() : EmulatorTest(Options()) {}
  static EmulatorOptions Options() {
    EmulatorOptions options;
    options.token_expires_in_s = 0;
    return options;
  }
};

TEST_F(ExpiredTokenTest, TokensPastTheirLifetimeGet401) {
  json reply = Body(RequestToken());
  EXPECT_EQ(reply["data"]["expires_in"], 0);
  json body = Body(Trigger({{"webhookId", "w"}}, reply["data"]["access_token"]));
  EXPECT_EQ(body["statusCode"], 401);
  EXPECT_THAT(body["message"].get<std::string>(), HasSubstr("expired"));
}

// --- trigger-webhook and get-webhook ----------------------------------------------------------

TEST_F(EmulatorTest, TriggerDeliversHeadersAndBodyAndReturnsTheReceiversReply) {
  TestReceiver receiver;
  std::string id = AddReceiverWebhook(receiver, "http", "s3cret");
  json request_body = {{"eventName", "test"}, {"data", {{"userId", "u1"}, {"n", 2}}}};
  httplib::Result result = Trigger(
      {{"webhookId", id}, {"requestHeaders", {{"x-trace", "t-1"}}}, {"requestBody", request_body}},
      Token());
  ASSERT_TRUE(result);
  json body = Body(result);
  EXPECT_EQ(body["statusCode"], 200) << result->body;
  EXPECT_EQ(body["data"]["response"], json({{"ok", true}, {"n", 1}}));

  std::vector<TestReceiver::Received> received = receiver.received();
  ASSERT_EQ(received.size(), 1u);
  const TestReceiver::Received& hook = received[0];
  EXPECT_EQ(hook.path, "/hooks/genauth");
  EXPECT_EQ(json::parse(hook.body, nullptr, false), request_body);
  auto header = [&](const std::string& name) {
    auto it = hook.headers.find(name);
    return it == hook.headers.end() ? std::string("<absent>") : it->second;
  };
  EXPECT_EQ(header("x-trace"), "t-1");
  EXPECT_EQ(header("user-agent"), "authing-webhook@2.0");
  EXPECT_EQ(header("x-authing-webhook-secret"), "s3cret");
  EXPECT_EQ(header("x-authing-userpool-id"), kUserpool);
  EXPECT_EQ(header("content-type"), "application/json");
}

TEST_F(EmulatorTest, TriggerPassesThroughNonJsonAndNon2xxReplies) {
  TestReceiver receiver;
  receiver.SetReply(500, "receiver broke", "text/plain");
  std::string id = AddReceiverWebhook(receiver);
  json body = Body(Trigger({{"webhookId", id}}, Token()));
  EXPECT_EQ(body["statusCode"], 200);
  EXPECT_EQ(body["data"]["response"], "receiver broke");
  ASSERT_EQ(receiver.received().size(), 1u);
  EXPECT_EQ(receiver.received()[0].body, "{}");  // no requestBody: an empty object
  EXPECT_EQ(receiver.received()[0].headers.count("x-authing-webhook-secret"), 0u);
}

TEST_F(EmulatorTest, TriggerValidatesItsInput) {
  std::string token = Token();
  TestReceiver receiver;
  std::string id = AddReceiverWebhook(receiver);
  EXPECT_EQ(Body(Trigger(json::object(), token))["statusCode"], 400);
  EXPECT_EQ(Body(Trigger({{"webhookId", ""}}, token))["statusCode"], 400);
  EXPECT_EQ(Body(Trigger({{"webhookId", 7}}, token))["statusCode"], 400);
  EXPECT_EQ(Body(Trigger({{"webhookId", id}, {"requestHeaders", "x"}}, token))["statusCode"], 400);
  json unknown = Body(Trigger({{"webhookId", "no-such-webhook"}}, token));
  EXPECT_EQ(unknown["statusCode"], 404);
  EXPECT_FALSE(unknown.contains("data"));
  EXPECT_TRUE(receiver.received().empty());
}

TEST_F(EmulatorTest, TriggerToAnUnreachableUrlIs601) {
  const int closed_port = ClosedLocalPort();
  ASSERT_GT(closed_port, 0);
  std::string id = emulator_.AddWebhook(
      {{"url", "http://127.0.0.1:" + std::to_string(closed_port) + "/hook"}})["webhookId"];
  json body = Body(Trigger({{"webhookId", id}}, Token()));
  EXPECT_EQ(body["statusCode"], 601);
  EXPECT_FALSE(body["message"].get<std::string>().empty());
  EXPECT_FALSE(body.contains("data"));
}

TEST_F(EmulatorTest, GetWebhookReturnsTheStoredDto) {
  json stored = emulator_.AddWebhook({{"webhookId", "wh 1"}, {"url", "http://example.invalid/"}});
  EXPECT_EQ(stored["contentType"], "application/json");
  EXPECT_EQ(stored["enabled"], true);
  EXPECT_TRUE(stored["createdAt"].is_string());
  std::string token = Token();
  json body = Body(client_->Get("/api/v3/get-webhook?webhookId=wh%201", AuthHeaders(token)));
  EXPECT_EQ(body["statusCode"], 200);
  EXPECT_EQ(body["data"], stored);
  EXPECT_EQ(Body(client_->Get("/api/v3/get-webhook?webhookId=x", AuthHeaders(token)))["statusCode"],
            404);
  EXPECT_EQ(Body(client_->Get(kGetWebhookPath, AuthHeaders(token)))["statusCode"], 400);
  EXPECT_EQ(Body(client_->Get("/api/v3/get-webhook?webhookId=wh%201"))["statusCode"], 401);
  EXPECT_EQ(emulator_.GetWebhook("wh 1"), stored);
  EXPECT_FALSE(emulator_.GetWebhook("nope"));
  EXPECT_TRUE(emulator_.AddWebhook(json::array()).is_null());
}

TEST_F(EmulatorTest, UnknownEndpointsAre404AndRecorded) {
  httplib::Result result = PostJson("/api/v3/no-such-op", json::object());
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 404);
  EXPECT_EQ(Body(result)["statusCode"], 404);
  EXPECT_EQ(emulator_.CountRequests("/api/v3/no-such-op"), 1u);
}

// --- faults -----------------------------------------------------------------------------------

TEST_F(EmulatorTest, FaultAnswersStatusEnvelopeApiCodeAndRetryAfter) {
  Fault fault;
  fault.http_status = 429;
  fault.body_status = 429;
  fault.api_code = "1305";
  fault.message = "slow down";
  fault.retry_after = "2";
  emulator_.ScriptFaults(kTokenPath, {fault});

  httplib::Result result = RequestToken();
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 429);
  EXPECT_EQ(result->get_header_value("Retry-After"), "2");
  json body = Body(result);
  EXPECT_EQ(body["statusCode"], 429);
  EXPECT_EQ(body["apiCode"], 1305);
  EXPECT_EQ(body["message"], "slow down");
  EXPECT_TRUE(body["requestId"].is_string());
  EXPECT_FALSE(body.contains("data"));
  EXPECT_EQ(emulator_.TokensIssued(), 0u);
  // Consumed: the next request is handled normally.
  EXPECT_EQ(Body(RequestToken())["statusCode"], 200);
}

TEST_F(EmulatorTest, FaultWithBodyStatusOnlyKeepsHttp200) {
  Fault fault;
  fault.body_status = 500;
  emulator_.ScriptFaults(kTokenPath, {fault});
  httplib::Result result = RequestToken();
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(Body(result)["statusCode"], 500);
  EXPECT_FALSE(Body(result).contains("apiCode"));
}

TEST_F(EmulatorTest, FaultSendsRawBodyVerbatimOrNoBodyAtAll) {
  Fault html;
  html.http_status = 502;
  html.raw_body = "<html>bad gateway</html>";
  html.content_type = "text/html";
  Fault bare;
  bare.http_status = 503;
  emulator_.ScriptFaults(kTokenPath, {html, bare});

  httplib::Result first = RequestToken();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 502);
  EXPECT_EQ(first->body, "<html>bad gateway</html>");
  EXPECT_EQ(first->get_header_value("Content-Type"), "text/html");
  httplib::Result second = RequestToken();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 503);
  EXPECT_EQ(second->body, "");
}

TEST_F(EmulatorTest, FaultDelaysTheWholeAnswer) {
  Fault fault;
  fault.delay = std::chrono::milliseconds(200);
  fault.body_status = 503;
  emulator_.ScriptFaults(kTokenPath, {fault});
  Clock::time_point start = Clock::now();
  json body = Body(RequestToken());
  EXPECT_GE(ElapsedSince(start), std::chrono::milliseconds(190));
  EXPECT_EQ(body["statusCode"], 503);
}

TEST_F(EmulatorTest, TruncatedBodyGivesTheClientAReadError) {
  Fault fault;
  fault.body_status = 200;
  fault.truncate_body = true;
  emulator_.ScriptFaults(kTokenPath, {fault});
  httplib::Result result = RequestToken();
  EXPECT_FALSE(result);
  EXPECT_EQ(result.error(), httplib::Error::Read);
  EXPECT_EQ(emulator_.CountRequests(kTokenPath), 1u);
  // The server is fine afterwards.
  EXPECT_EQ(Body(RequestToken())["statusCode"], 200);
}

TEST_F(EmulatorTest, DroppedConnectionGivesTheClientNoReplyAtAll) {
  Fault fault;
  fault.drop_connection = true;
  emulator_.ScriptFaults(kTokenPath, {fault});
  httplib::Result result = RequestToken();
  EXPECT_FALSE(result);
  EXPECT_EQ(result.error(), httplib::Error::Read);
  EXPECT_EQ(emulator_.CountRequests(kTokenPath), 1u);
  EXPECT_EQ(emulator_.TokensIssued(), 0u);  // the request was not handled
  EXPECT_EQ(Body(RequestToken())["statusCode"], 200);
}

TEST_F(EmulatorTest, TrickledBodyArrivesWholeButSlowly) {
  Fault fault;
  fault.raw_body = R"({"statusCode":200})";  // 18 bytes
  fault.trickle_interval = std::chrono::milliseconds(10);
  emulator_.ScriptFaults(kTokenPath, {fault});
  Clock::time_point start = Clock::now();
  httplib::Result result = RequestToken();
  ASSERT_TRUE(result);
  EXPECT_EQ(result->body, R"({"statusCode":200})");
  EXPECT_GE(ElapsedSince(start), std::chrono::milliseconds(170));
}

TEST_F(EmulatorTest, ChaosInjectsRandomFaultsOnlyOnItsPaths) {
  const std::string token = Token();  // before the token path turns chaotic
  Chaos chaos;
  chaos.probability = 0.5;
  chaos.faults = {Fault{}};
  chaos.faults[0].body_status = 503;
  chaos.paths = {kTokenPath};
  emulator_.SetChaos(chaos);
  int faulted = 0;
  for (int i = 0; i < 200; ++i) {
    faulted += Body(RequestToken())["statusCode"] == 503 ? 1 : 0;
  }
  // Binomial(200, 0.5): outside [60, 140] with probability below 1e-8.
  EXPECT_GT(faulted, 60);
  EXPECT_LT(faulted, 140);
  EXPECT_EQ(emulator_.ChaosInjected()[kTokenPath], static_cast<size_t>(faulted));
  // Other paths are untouched; ClearFaults turns chaos off.
  EXPECT_EQ(Body(client_->Get("/api/v3/get-webhook-event-list", AuthHeaders(token)))["statusCode"],
            200);
  emulator_.ClearFaults();
  for (int i = 0; i < 20; ++i) EXPECT_EQ(Body(RequestToken())["statusCode"], 200);
}

TEST(ChaosTest, PicksFaultsByWeight) {
  std::string error;
  auto chaos =
      ChaosFromJson(json::parse(R"({"probability": 1, "faults": [{"bodyStatus": 503, "weight": 3},
                                                    {"bodyStatus": 500}]})"),
                    &error);
  ASSERT_TRUE(chaos) << error;
  EXPECT_EQ(chaos->TotalWeight(), 4u);
  for (uint64_t draw : {0, 1, 2}) EXPECT_EQ(chaos->Pick(draw).body_status, 503);
  EXPECT_EQ(chaos->Pick(3).body_status, 500);
  EXPECT_FALSE(
      ChaosFromJson(json::parse(R"({"probability": 1, "faults": [{"weight": 0}]})"), &error));
  EXPECT_THAT(error, HasSubstr("weight"));
}

TEST_F(EmulatorTest, ControlEndpointSetsChaosAndRejectsBadSpecs) {
  json spec = {{"probability", 1.0},
               {"paths", {kTokenPath}},
               {"faults", {{{"httpStatus", 429}, {"bodyStatus", 429}, {"retryAfter", "1"}}}}};
  httplib::Result set = client_->Post("/_emulator/chaos", spec.dump(), "application/json");
  ASSERT_TRUE(set);
  EXPECT_EQ(set->status, 200);
  httplib::Result limited = RequestToken();
  ASSERT_TRUE(limited);
  EXPECT_EQ(limited->status, 429);
  EXPECT_EQ(Body(client_->Get("/_emulator/stats"))["chaos"][kTokenPath], 1);
  for (const char* bad :
       {R"({"probability": 2, "faults": [{}]})", R"({"probability": 0.5})",
        R"({"probability": 0.5, "faults": [{}], "paths": ["nope"]})", R"({"faults": [{}]})"}) {
    httplib::Result rejected = client_->Post("/_emulator/chaos", bad, "application/json");
    ASSERT_TRUE(rejected);
    EXPECT_EQ(rejected->status, 400) << bad;
  }
  ASSERT_TRUE(client_->Post("/_emulator/chaos", R"({"probability": 0})", "application/json"));
  EXPECT_EQ(Body(RequestToken())["statusCode"], 200);
}

TEST_F(EmulatorTest, PassThroughDelaysThenHandlesNormally) {
  Fault fault;
  fault.delay = std::chrono::milliseconds(100);
  fault.pass_through = true;
  fault.http_status = 500;  // ignored with pass_through
  emulator_.ScriptFaults(kTokenPath, {fault});
  Clock::time_point start = Clock::now();
  httplib::Result result = RequestToken();
  EXPECT_GE(ElapsedSince(start), std::chrono::milliseconds(95));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(Body(result)["statusCode"], 200);
  EXPECT_EQ(emulator_.TokensIssued(), 1u);
}

TEST_F(EmulatorTest, FaultsAreConsumedInOrderPerPath) {
  std::vector<Fault> faults(3);
  faults[0].http_status = 500;
  faults[1].http_status = 503;
  faults[2].http_status = 429;
  emulator_.ScriptFaults(kTokenPath, faults);
  Fault later;
  later.http_status = 502;
  emulator_.ScriptFaults(kTokenPath, {later});  // appended, not replacing
  EXPECT_EQ(emulator_.PendingFaults(kTokenPath), 4u);

  // Another path is unaffected.
  EXPECT_EQ(Body(Trigger({{"webhookId", "w"}}, "x"))["statusCode"], 401);
  std::vector<int> statuses;
  for (int i = 0; i < 5; ++i) {
    httplib::Result result = RequestToken();
    ASSERT_TRUE(result);
    statuses.push_back(result->status);
  }
  EXPECT_THAT(statuses, ElementsAre(500, 503, 429, 502, 200));
  EXPECT_EQ(emulator_.PendingFaults(kTokenPath), 0u);
  EXPECT_EQ(emulator_.CountRequests(kTokenPath), 5u);
}

TEST_F(EmulatorTest, FaultsApplyBeforeAuthorizationOnManagementPaths) {
  Fault fault;
  fault.http_status = 503;
  fault.body_status = 503;
  emulator_.ScriptFaults(kTriggerPath, {fault});
  httplib::Result result = PostJson(kTriggerPath, {{"webhookId", "w"}});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 503);
  EXPECT_EQ(Body(result)["statusCode"], 503);
}

TEST_F(EmulatorTest, StopInterruptsPendingDelays) {
  Fault fault;
  fault.delay = std::chrono::seconds(30);
  emulator_.ScriptFaults(kTokenPath, {fault});
  std::thread caller([this] { RequestToken(); });
  while (emulator_.CountRequests(kTokenPath) == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  Clock::time_point start = Clock::now();
  emulator_.Stop();
  EXPECT_LT(ElapsedSince(start), std::chrono::seconds(2));
  caller.join();
}

// --- recording --------------------------------------------------------------------------------

TEST_F(EmulatorTest, RecordsMethodPathDecodedQueryLowerCasedHeadersAndBody) {
  Clock::time_point before = Clock::now();
  client_->set_url_encode(false);  // send the query exactly as written
  client_->Get("/api/v3/get-webhook?webhookId=a%20b&x=1+2&y=%2B",
               {{"X-Custom-Header", "Value"}, {"Authorization", "Bearer t"}});
  RequestToken();

  EXPECT_EQ(emulator_.CountRequests(kGetWebhookPath), 1u);
  EXPECT_EQ(emulator_.CountRequests(kTokenPath), 1u);
  EXPECT_EQ(emulator_.CountRequests("/never"), 0u);
  EXPECT_EQ(emulator_.Requests().size(), 2u);

  std::vector<RecordedRequest> gets = emulator_.Requests(kGetWebhookPath);
  ASSERT_EQ(gets.size(), 1u);
  const RecordedRequest& get = gets[0];
  EXPECT_EQ(get.method, "GET");
  EXPECT_EQ(get.path, kGetWebhookPath);
  EXPECT_EQ(get.query, (std::multimap<std::string, std::string>{
                           {"webhookId", "a b"}, {"x", "1 2"}, {"y", "+"}}));
  EXPECT_EQ(get.headers.at("x-custom-header"), "Value");
  EXPECT_EQ(get.headers.at("authorization"), "Bearer t");
  EXPECT_EQ(get.headers.count("remote_addr"), 0u);  // httplib's pseudo headers are not recorded
  EXPECT_GE(get.received_at, before);

  std::vector<RecordedRequest> posts = emulator_.Requests(kTokenPath);
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(posts[0].method, "POST");
  EXPECT_EQ(json::parse(posts[0].body),
            json({{"accessKeyId", "test-key-id"}, {"accessKeySecret", "test-key-secret"}}));
  EXPECT_EQ(posts[0].headers.at("content-type"), "application/json");

  emulator_.ClearRecords();
  EXPECT_TRUE(emulator_.Requests().empty());
  EXPECT_EQ(emulator_.CountRequests(kTokenPath), 0u);
}

class RecordCapTest : public EmulatorTest {
 protected:
  RecordCapTest() : EmulatorTest(Options()) {}
  static EmulatorOptions Options() {
    EmulatorOptions options;
    options.max_recorded_requests = 2;
    return options;
  }
};

TEST_F(RecordCapTest, KeepsOnlyTheLatestRequestsButCountsAll) {
  for (int i = 0; i < 4; ++i) RequestToken(std::to_string(i));
  std::vector<RecordedRequest> kept = emulator_.Requests();
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_THAT(kept[1].body, HasSubstr("\"3\""));
  EXPECT_EQ(emulator_.CountRequests(kTokenPath), 4u);
}

TEST_F(EmulatorTest, IsThreadSafeUnderConcurrentCalls) {
  constexpr int kThreads = 6;
  constexpr int kPerThread = 15;
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      httplib::Client client(emulator_.base_url());
      for (int i = 0; i < kPerThread; ++i) {
        auto result = client.Post(
            kTokenPath, R"({"accessKeyId":"test-key-id","accessKeySecret":"test-key-secret"})",
            "application/json");
        if (result && Body(result)["statusCode"] == 200) ++ok;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), kThreads * kPerThread);
  EXPECT_EQ(emulator_.CountRequests(kTokenPath), static_cast<size_t>(kThreads * kPerThread));
  std::vector<std::string> tokens = emulator_.IssuedTokens();
  EXPECT_EQ(std::set<std::string>(tokens.begin(), tokens.end()).size(), tokens.size());
}

// --- control endpoints ------------------------------------------------------------------------

TEST_F(EmulatorTest, ControlEndpointScriptsFaults) {
  json script = {{"path", kTokenPath},
                 {"faults",
                  {{{"httpStatus", 503},
                    {"bodyStatus", 503},
                    {"apiCode", 1300},
                    {"retryAfter", "1"},
                    {"message", "maintenance"}},
                   {{"rawBody", "oops"}, {"contentType", "text/plain"}, {"delayMs", 10}}}}};
  httplib::Result queued = client_->Post("/_emulator/faults", script.dump(), "application/json");
  ASSERT_TRUE(queued);
  EXPECT_EQ(queued->status, 200);
  EXPECT_EQ(Body(queued)["queued"], 2);
  EXPECT_EQ(Body(client_->Get("/_emulator/faults"))[kTokenPath].size(), 2u);

  httplib::Result first = RequestToken();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 503);
  EXPECT_EQ(first->get_header_value("Retry-After"), "1");
  EXPECT_EQ(Body(first)["apiCode"], 1300);
  EXPECT_EQ(Body(first)["message"], "maintenance");
  httplib::Result second = RequestToken();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->body, "oops");

  for (const char* bad : {R"({"faults": []})", R"({"path": "/x", "faults": [{"httpStatus": "x"}]})",
                          R"({"path": "/x", "faults": [{"delayMs": -1}]})", "nonsense"}) {
    httplib::Result rejected = client_->Post("/_emulator/faults", bad, "application/json");
    ASSERT_TRUE(rejected);
    EXPECT_EQ(rejected->status, 400) << bad;
    EXPECT_TRUE(Body(rejected)["error"].is_string());
  }
}

TEST_F(EmulatorTest, ControlEndpointsListRequestsRevokeSeedResetAndCount) {
  std::string token = Token();
  client_->Post("/api/v3/trigger-webhook", AuthHeaders(token), R"({"webhookId":"w"})",
                "application/json");

  json requests = Body(client_->Get("/_emulator/requests?path=/api/v3/trigger-webhook"));
  ASSERT_TRUE(requests.is_array());
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0]["method"], "POST");
  EXPECT_EQ(requests[0]["headers"]["x-authing-userpool-id"], kUserpool);
  EXPECT_EQ(requests[0]["body"], R"({"webhookId":"w"})");
  EXPECT_TRUE(requests[0]["atMs"].is_number());
  EXPECT_EQ(Body(client_->Get("/_emulator/requests")).size(), 2u);

  json stats = Body(client_->Get("/_emulator/stats"));
  EXPECT_EQ(stats["tokensIssued"], 1);
  EXPECT_EQ(stats["requests"], json({{kTokenPath, 1}, {kTriggerPath, 1}}));

  EXPECT_EQ(client_->Post("/_emulator/revoke-tokens")->status, 200);
  EXPECT_EQ(Body(Trigger({{"webhookId", "w"}}, token))["statusCode"], 401);

  httplib::Result seeded =
      client_->Post("/_emulator/webhooks", R"({"url": "http://127.0.0.1:1/x", "secret": "s"})",
                    "application/json");
  ASSERT_TRUE(seeded);
  std::string id = Body(seeded)["webhookId"];
  EXPECT_FALSE(id.empty());
  EXPECT_EQ((*emulator_.GetWebhook(id))["secret"], "s");
  EXPECT_EQ(client_->Post("/_emulator/webhooks", "[1]", "application/json")->status, 400);

  emulator_.ScriptFaults(kTokenPath, {Fault{}});
  EXPECT_EQ(client_->Post("/_emulator/reset")->status, 200);
  EXPECT_EQ(emulator_.PendingFaults(kTokenPath), 0u);
  EXPECT_TRUE(emulator_.Requests().empty());
  // Control calls are never recorded; tokens survive a reset.
  EXPECT_EQ(Body(client_->Get("/_emulator/stats")),
            json({{"tokensIssued", 1}, {"requests", json::object()}, {"chaos", json::object()}}));
  EXPECT_EQ(client_->Get("/_emulator/nope")->status, 404);
}

// --- latency and TLS --------------------------------------------------------------------------

class LatencyTest : public EmulatorTest {
 protected:
  LatencyTest() : EmulatorTest(Options()) {}
  static EmulatorOptions Options() {
    EmulatorOptions options;
    options.latency = std::chrono::milliseconds(100);
    return options;
  }
};

TEST_F(LatencyTest, AddsLatencyToEveryReply) {
  Clock::time_point start = Clock::now();
  EXPECT_EQ(Body(RequestToken())["statusCode"], 200);
  EXPECT_GE(ElapsedSince(start), std::chrono::milliseconds(95));
}

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("emulator-tls-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    std::string error;
    ASSERT_TRUE(WriteSelfSignedCert(Cert(), Key(), &error)) << error;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Cert() const { return (dir_ / "cert.pem").string(); }
  std::string Key() const { return (dir_ / "key.pem").string(); }

  std::filesystem::path dir_;
};

TEST_F(TlsTest, ServesHttpsAndDeliversToHttpsReceivers) {
  EmulatorOptions options;
  options.tls_cert_file = Cert();
  options.tls_key_file = Key();
  Emulator emulator(options);
  ASSERT_TRUE(emulator.Start());
  EXPECT_EQ(emulator.base_url().rfind("https://127.0.0.1:", 0), 0u);

  httplib::Client client(emulator.base_url());
  client.set_ca_cert_path(Cert());
  client.enable_server_certificate_verification(true);
  httplib::Result token_reply = client.Post(
      kTokenPath, R"({"accessKeyId":"test-key-id","accessKeySecret":"test-key-secret"})",
      "application/json");
  ASSERT_TRUE(token_reply) << httplib::to_string(token_reply.error());
  std::string token = Body(token_reply)["data"]["access_token"];

  TestReceiver receiver(Cert(), Key());
  std::string id = emulator.AddWebhook({{"url", receiver.Url("https", "/tls")}})["webhookId"];
  httplib::Result triggered = client.Post(
      kTriggerPath, {{"Authorization", "Bearer " + token}, {"x-authing-userpool-id", kUserpool}},
      json({{"webhookId", id}}).dump(), "application/json");
  ASSERT_TRUE(triggered);
  EXPECT_EQ(Body(triggered)["data"]["response"], json({{"ok", true}, {"n", 1}}));
  EXPECT_EQ(receiver.received().size(), 1u);
}

TEST(EmulatorStartTest, FailsOnUnusableTlsFilesAndBusyPorts) {
  EmulatorOptions tls;
  tls.tls_cert_file = "/nonexistent/cert.pem";
  tls.tls_key_file = "/nonexistent/key.pem";
  EXPECT_FALSE(Emulator(tls).Start());

  Emulator first{EmulatorOptions{}};
  ASSERT_TRUE(first.Start());
  EXPECT_FALSE(first.Start());  // once only
  EmulatorOptions same_port;
  same_port.port = first.port();
  EXPECT_FALSE(Emulator(same_port).Start());
}

}  // namespace
}  // namespace genauth::emulator
