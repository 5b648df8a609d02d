// Tests of genauth-cli through RunCli with string streams: usage errors need no server; the
// commands run against a real gRPC server on 127.0.0.1 port 0 serving a scripted WebhookService.
#include "cli/cli.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli/error_report.h"
#include "cli/method_registry.h"
#include "genauth/management/v1/webhook.grpc.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "sidecar_version.h"
#include "support/param_name.h"

namespace genauth::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

namespace v1 = ::genauth::management::v1;

// Where nothing listens: a test that wrongly gets past argument checks fails fast, never hangs.
constexpr char kNowhere[] = "unix:/nonexistent/genauth-cli-test.sock";

struct Result {
  int code;
  std::string out;
  std::string err;
};

// Runs the CLI with an in-memory environment and file system.
struct Cli {
  std::map<std::string, std::string> env = {{"SIDECAR_ADDR", kNowhere}};
  std::map<std::string, std::string> files;

  Result Run(const std::vector<std::string>& args) const {
    CliEnvironment environment;
    environment.env = env;
    auto files_copy = files;
    environment.read_file = [files_copy](const std::string& path) -> std::optional<std::string> {
      auto it = files_copy.find(path);
      if (it == files_copy.end()) return std::nullopt;
      return it->second;
    };
    std::ostringstream out, err;
    int code = RunCli(args, environment, out, err);
    return {code, out.str(), err.str()};
  }
};

// ---------------------------------------------------------------------------------------------
// Help and usage errors (no server).

TEST(CliUsageTest, HelpListsEveryCommandAndOption) {
  Result r = Cli().Run({"help"});
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_THAT(r.err, IsEmpty());
  for (const char* text : {"--target ADDR",
                           "--timeout DUR",
                           "--json",
                           "--wait",
                           "--help",
                           "trigger",
                           "--webhook-id ID",
                           "--header NAME=VALUE",
                           "--headers-json JSON",
                           "--body-json JSON",
                           "--body-file PATH",
                           "call METHOD",
                           "--json JSON",
                           "--json-file PATH",
                           "TriggerWebhook",
                           "health",
                           "--service NAME",
                           "help [COMMAND]",
                           "SIDECAR_ADDR",
                           "Exit status"}) {
    EXPECT_THAT(r.out, HasSubstr(text));
  }
  EXPECT_EQ(Cli().Run({"--help"}).out, r.out);
  EXPECT_EQ(Cli().Run({"-h"}).out, r.out);
}

TEST(CliUsageTest, VersionPrintsTheProjectVersion) {
  Result r = Cli().Run({"--version"});
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_EQ(r.out, std::string("genauth-cli ") + kVersion + "\n");
  EXPECT_THAT(r.err, IsEmpty());
  EXPECT_THAT(Cli().Run({"help"}).out, HasSubstr("--version"));
}

TEST(CliUsageTest, UsageLinesFitInOneHundredColumns) {
  std::istringstream usage(Usage());
  for (std::string line; std::getline(usage, line);) EXPECT_LE(line.size(), 100u) << line;
}

TEST(CliUsageTest, CommandHelpShowsOnlyThatCommand) {
  Result r = Cli().Run({"trigger", "--help"});
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_THAT(r.out, HasSubstr("--webhook-id ID"));
  EXPECT_THAT(r.out, Not(HasSubstr("--service")));
  EXPECT_EQ(Cli().Run({"help", "trigger"}).out, r.out);
  EXPECT_EQ(Cli().Run({"call", "-h"}).code, kExitOk);  // --help wins over the missing METHOD
}

TEST(CliUsageTest, NoArgumentsPrintsUsageAsAnError) {
  Result r = Cli().Run({});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.out, IsEmpty());
  EXPECT_THAT(r.err, HasSubstr("Usage: genauth-cli"));
}

struct UsageCase {
  std::vector<std::string> args;
  std::string error;  // expected in stderr
};

// Names each case by its arguments in test output and ctest (instead of a byte dump).
void PrintTo(const UsageCase& c, std::ostream* os) {
  for (size_t i = 0; i < c.args.size(); ++i) *os << (i > 0 ? " " : "") << c.args[i];
}

class CliUsageErrorTest : public ::testing::TestWithParam<UsageCase> {};

TEST_P(CliUsageErrorTest, ExitsTwoWithAMessage) {
  Cli cli;
  cli.files["not-object.json"] = "[1, 2]";
  Result r = cli.Run(GetParam().args);
  EXPECT_EQ(r.code, kExitUsage) << r.err;
  EXPECT_THAT(r.out, IsEmpty());
  EXPECT_THAT(r.err, HasSubstr(GetParam().error));
  EXPECT_THAT(r.err, HasSubstr("for usage."));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, CliUsageErrorTest,
    ::testing::Values(
        UsageCase{{"frobnicate"}, "unknown command 'frobnicate'"},
        UsageCase{{"--verbose", "health"}, "unknown option --verbose"},
        UsageCase{{"--timeout", "5s"}, "missing COMMAND"},
        UsageCase{{"--target"}, "--target needs a value (ADDR)"},
        UsageCase{{"--target=", "health"}, "--target must not be empty"},
        UsageCase{{"--json=yes", "health"}, "--json takes no value"},
        UsageCase{{"--timeout", "soon", "health"}, "--timeout 'soon' is not a duration"},
        UsageCase{{"--timeout", "-1s", "health"}, "is not a duration"},
        UsageCase{{"--timeout", "0s", "health"}, "--timeout must be more than 0"},
        UsageCase{{"--timeout", "25h", "health"}, "--timeout must be at most 24h"},
        UsageCase{{"health", "--verbose"}, "genauth-cli health: unknown option --verbose"},
        UsageCase{{"health", "extra"}, "unexpected argument 'extra'"},
        UsageCase{{"trigger", "--webhook-id", "w", "--json"},
                  "unknown option --json (global options go before the command)"},
        UsageCase{{"trigger"}, "missing --webhook-id ID"},
        UsageCase{{"trigger", "--webhook-id="}, "--webhook-id must not be empty"},
        UsageCase{{"trigger", "--webhook-id", "a", "--webhook-id", "b"},
                  "--webhook-id given more than once"},
        UsageCase{{"trigger", "--webhook-id", "w", "--header", "no-equals"},
                  "--header 'no-equals': expected NAME=VALUE"},
        UsageCase{{"trigger", "--webhook-id", "w", "--header", "=v"}, "expected NAME=VALUE"},
        UsageCase{{"trigger", "--webhook-id", "w", "--body-json", "[1]"},
                  "--body-json: expected a JSON object, got an array"},
        UsageCase{{"trigger", "--webhook-id", "w", "--body-json", "\"text\""},
                  "expected a JSON object, got a string"},
        UsageCase{{"trigger", "--webhook-id", "w", "--body-json", "{\"a\":"},
                  "--body-json: not valid JSON: parse error at line 1, column 6"},
        UsageCase{{"trigger", "--webhook-id", "w", "--headers-json", "7"},
                  "--headers-json: expected a JSON object, got a number"},
        UsageCase{{"trigger", "--webhook-id", "w", "--body-json", "{}", "--body-file", "b.json"},
                  "give --body-json or --body-file, not both"},
        UsageCase{{"trigger", "--webhook-id", "w", "--body-file", "missing.json"},
                  "--body-file: cannot read 'missing.json'"},
        UsageCase{{"trigger", "--webhook-id", "w", "--body-file", "not-object.json"},
                  "--body-file not-object.json: expected a JSON object, got an array"},
        UsageCase{{"call"}, "missing METHOD"},
        UsageCase{
            {"call", "Frobnicate"},
            "unknown method 'Frobnicate' (WebhookService has: TriggerWebhook, CreateWebhook,"},
        UsageCase{{"call", "TriggerWebhook", "--json", "{\"webhookIdd\":\"w\"}"}, "webhookIdd"},
        UsageCase{{"call", "TriggerWebhook", "--json", "null"},
                  "--json: expected a JSON object, got null"},
        UsageCase{{"call", "TriggerWebhook", "--json", "{}", "--json-file", "x"},
                  "give --json or --json-file, not both"},
        UsageCase{{"help", "frobnicate"}, "unknown command 'frobnicate'"}),
    [](const auto& param_info) {
      std::string args;
      for (const std::string& arg : param_info.param.args) args += (args.empty() ? "" : " ") + arg;
      return test_names::Indexed(param_info.index, args);
    });

// ---------------------------------------------------------------------------------------------
// Pieces used by the commands.

TEST(FindMethodTest, AcceptsShortAndFullNames) {
  for (const char* name : {"TriggerWebhook", "genauth.management.v1.WebhookService/TriggerWebhook",
                           "/genauth.management.v1.WebhookService/TriggerWebhook",
                           "genauth.management.v1.WebhookService.TriggerWebhook"}) {
    std::optional<ResolvedMethod> method = FindMethod(name);
    ASSERT_TRUE(method.has_value()) << name;
    EXPECT_EQ(method->Path(), "/genauth.management.v1.WebhookService/TriggerWebhook");
    EXPECT_EQ(method->NewRequest()->GetTypeName(), "genauth.management.v1.TriggerWebhookRequest");
    EXPECT_EQ(method->NewResponse()->GetTypeName(), "genauth.management.v1.TriggerWebhookResponse");
  }
  std::optional<ResolvedMethod> health = FindMethod("grpc.health.v1.Health/Check");
  ASSERT_TRUE(health.has_value());
  EXPECT_EQ(health->Path(), "/grpc.health.v1.Health/Check");
  EXPECT_FALSE(FindMethod("").has_value());
  EXPECT_FALSE(FindMethod("Nope").has_value());
  EXPECT_FALSE(FindMethod("genauth.management.v1.WebhookService/Nope").has_value());
}

google::protobuf::Any Pack(const google::protobuf::Message& message) {
  google::protobuf::Any any;
  any.PackFrom(message);
  return any;
}

// The error the fake server sends for an unknown webhook: NOT_FOUND with ErrorInfo and RetryInfo.
grpc::Status NotFoundStatus() {
  google::rpc::ErrorInfo info;
  info.set_reason("GENAUTH_ERROR");
  info.set_domain("genauth.ai");
  (*info.mutable_metadata())["statusCode"] = "404";
  (*info.mutable_metadata())["requestId"] = "r-1";
  google::rpc::RetryInfo retry;
  retry.mutable_retry_delay()->set_seconds(1);
  retry.mutable_retry_delay()->set_nanos(500'000'000);
  google::rpc::Status details;
  details.set_code(grpc::StatusCode::NOT_FOUND);
  details.set_message("webhook not found");
  *details.add_details() = Pack(info);
  *details.add_details() = Pack(retry);
  return grpc::Status(grpc::StatusCode::NOT_FOUND, "webhook not found",
                      details.SerializeAsString());
}

constexpr char kNotFoundText[] =
    "error: NOT_FOUND: webhook not found\n"
    "  reason: GENAUTH_ERROR (domain genauth.ai)\n"
    "  metadata: requestId=r-1\n"
    "  metadata: statusCode=404\n"
    "  retry after: 1.5s\n";

TEST(ErrorReportTest, TextDecodesKnownDetailsAndNamesUnknownOnes) {
  EXPECT_EQ(FormatErrorText(NotFoundStatus()), kNotFoundText);

  google::rpc::Status details;
  google::protobuf::Any* unknown = details.add_details();
  unknown->set_type_url("type.googleapis.com/acme.Unknown");
  unknown->set_value("\x08\x01");
  EXPECT_EQ(
      FormatErrorText(grpc::Status(grpc::StatusCode::INTERNAL, "", details.SerializeAsString())),
      "error: INTERNAL\n  detail: type.googleapis.com/acme.Unknown\n");
  EXPECT_EQ(FormatErrorText(grpc::Status(grpc::StatusCode::UNAVAILABLE, "down")),
            "error: UNAVAILABLE: down\n");
  EXPECT_THAT(FormatErrorText(grpc::Status(grpc::StatusCode::UNKNOWN, "x", "\xff\xff")),
              HasSubstr("details: unreadable"));
}

TEST(ErrorReportTest, JsonHoldsCodeMessageAndEveryDetail) {
  nlohmann::json report = nlohmann::json::parse(FormatErrorJson(NotFoundStatus()));
  EXPECT_EQ(report, nlohmann::json::parse(R"({
      "code": "NOT_FOUND", "message": "webhook not found", "details": [
        {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "GENAUTH_ERROR",
         "domain": "genauth.ai", "metadata": {"statusCode": "404", "requestId": "r-1"}},
        {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "1.500s"}]})"));

  google::rpc::Status details;
  details.add_details()->set_type_url("type.googleapis.com/acme.Unknown");
  report = nlohmann::json::parse(FormatErrorJson(
      grpc::Status(grpc::StatusCode::ABORTED, "bad \xff byte", details.SerializeAsString())));
  EXPECT_EQ(report["code"], "ABORTED");
  EXPECT_EQ(report["details"],
            nlohmann::json::parse(R"([{"@type":"type.googleapis.com/acme.Unknown"}])"));
}

TEST(ErrorReportTest, CodeNames) {
  EXPECT_EQ(StatusCodeName(grpc::StatusCode::OK), "OK");
  EXPECT_EQ(StatusCodeName(grpc::StatusCode::DEADLINE_EXCEEDED), "DEADLINE_EXCEEDED");
  EXPECT_EQ(StatusCodeName(grpc::StatusCode::UNAUTHENTICATED), "UNAUTHENTICATED");
  // A code from a newer gRPC, not yet in the enum (the enum's range stops at 16).
  grpc::StatusCode future_code = grpc::StatusCode::DO_NOT_USE;
  EXPECT_EQ(StatusCodeName(future_code), "CODE_" + std::to_string(static_cast<int>(future_code)));
}

// ---------------------------------------------------------------------------------------------
// End to end against a real gRPC server.

// Scripted by webhook id: "wh-1" answers a canned response, "wh-echo" echoes the request,
// "wh-deadline" reports how many milliseconds the caller's deadline left, "wh-missing" fails
// with NOT_FOUND and details.
class FakeWebhookService final : public v1::WebhookService::Service {
 public:
  grpc::Status TriggerWebhook(grpc::ServerContext* context,
                              const v1::TriggerWebhookRequest* request,
                              v1::TriggerWebhookResponse* response) override {
    const std::string& id = request->webhook_id();
    if (id == "wh-1") {
      auto& fields = *response->mutable_response()->mutable_struct_value()->mutable_fields();
      fields["statusCode"].set_number_value(200);
      fields["body"].set_string_value("ok");
      return grpc::Status::OK;
    }
    if (id == "wh-echo") {
      auto& fields = *response->mutable_response()->mutable_struct_value()->mutable_fields();
      if (request->has_request_headers()) {
        *fields["headers"].mutable_struct_value() = request->request_headers();
      }
      if (request->has_request_body()) {
        *fields["body"].mutable_struct_value() = request->request_body();
      }
      return grpc::Status::OK;
    }
    if (id == "wh-deadline") {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          context->deadline() - std::chrono::system_clock::now());
      response->mutable_response()->set_number_value(static_cast<double>(left.count()));
      return grpc::Status::OK;
    }
    if (id == "wh-missing") return NotFoundStatus();
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "unexpected id " + id);
  }
};

class CliEndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    unix_path_ = "/tmp/genauth-cli-test-" + std::to_string(::getpid()) + ".sock";
    std::remove(unix_path_.c_str());
    grpc::EnableDefaultHealthCheckService(true);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.AddListeningPort("unix:" + unix_path_, grpc::InsecureServerCredentials());
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port, 0);
    target_ = "127.0.0.1:" + std::to_string(port);
    cli_.env["SIDECAR_ADDR"] = target_;
  }

  void TearDown() override {
    if (server_) server_->Shutdown(std::chrono::system_clock::now());
    std::remove(unix_path_.c_str());
  }

  Result Run(const std::vector<std::string>& args) { return cli_.Run(args); }

  FakeWebhookService service_;
  std::unique_ptr<grpc::Server> server_;
  std::string target_;
  std::string unix_path_;
  Cli cli_;
};

TEST_F(CliEndToEndTest, TriggerPrintsTheResponseAsJson) {
  Result r = Run({"trigger", "--webhook-id", "wh-1"});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_THAT(r.err, IsEmpty());
  // One line, Struct keys sorted: the same answer always prints the same bytes.
  EXPECT_EQ(r.out, "{\"response\":{\"body\":\"ok\",\"statusCode\":200}}\n");
}

TEST_F(CliEndToEndTest, TriggerSendsHeadersAndBody) {
  cli_.files["body.json"] = R"({"event": "user.created", "n": [1, 2]})";
  Result r =
      Run({"trigger", "--webhook-id=wh-echo", "--headers-json", R"({"X-A":"1","X-B":"json"})",
           "--header", "X-B=flag", "--header", "X-Empty=", "--body-file", "body.json"});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out), nlohmann::json::parse(R"({"response":{
      "headers": {"X-A": "1", "X-B": "flag", "X-Empty": ""},
      "body": {"event": "user.created", "n": [1, 2]}}})"));

  r = Run({"trigger", "--webhook-id", "wh-echo", "--body-json", R"({"a":{"b":null}})"});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out),
            nlohmann::json::parse(R"({"response":{"body":{"a":{"b":null}}}})"));
}

TEST_F(CliEndToEndTest, TriggerErrorPrintsCodeReasonAndMetadata) {
  Result r = Run({"trigger", "--webhook-id", "wh-missing"});
  EXPECT_EQ(r.code, kExitFailed);
  EXPECT_THAT(r.out, IsEmpty());
  EXPECT_EQ(r.err, kNotFoundText);
}

TEST_F(CliEndToEndTest, JsonFlagPrintsTheErrorAsJsonOnStdout) {
  Result r = Run({"--json", "trigger", "--webhook-id", "wh-missing"});
  EXPECT_EQ(r.code, kExitFailed);
  EXPECT_THAT(r.err, IsEmpty());
  EXPECT_THAT(r.out,
              StartsWith(R"({"code":"NOT_FOUND","message":"webhook not found","details":[)"));
  nlohmann::json report = nlohmann::json::parse(r.out);
  EXPECT_EQ(report["message"], "webhook not found");
  ASSERT_EQ(report["details"].size(), 2u);
  EXPECT_EQ(report["details"][0]["reason"], "GENAUTH_ERROR");
  EXPECT_EQ(report["details"][0]["metadata"]["statusCode"], "404");
  EXPECT_EQ(report["details"][0]["metadata"]["requestId"], "r-1");
}

TEST_F(CliEndToEndTest, CallTakesTheRequestAsProtoJson) {
  Result trigger = Run({"trigger", "--webhook-id", "wh-1"});
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"call", "TriggerWebhook", "--json", R"({"webhookId":"wh-1"})"},
           {"call", "genauth.management.v1.WebhookService/TriggerWebhook", "--json",
            R"({"webhook_id":"wh-1"})"},
       }) {
    Result r = Run(args);
    EXPECT_EQ(r.code, kExitOk) << r.err;
    EXPECT_EQ(r.out, trigger.out);
  }
  cli_.files["req.json"] = R"({"webhookId":"wh-echo","requestBody":{"k":"v"}})";
  Result r = Run({"call", "TriggerWebhook", "--json-file", "req.json"});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out),
            nlohmann::json::parse(R"({"response":{"body":{"k":"v"}}})"));

  r = Run({"call", "TriggerWebhook", "--json", R"({"webhookId":"wh-missing"})"});
  EXPECT_EQ(r.code, kExitFailed);
  EXPECT_EQ(r.err, kNotFoundText);

  r = Run({"call", "TriggerWebhook"});  // the empty request reaches the server
  EXPECT_EQ(r.code, kExitFailed);
  EXPECT_EQ(r.err, "error: INVALID_ARGUMENT: unexpected id \n");
}

TEST_F(CliEndToEndTest, EveryCallCarriesTheDeadline) {
  auto left_ms = [this](const std::vector<std::string>& args) {
    Result r = Run(args);
    EXPECT_EQ(r.code, kExitOk) << r.err;
    return nlohmann::json::parse(r.out)["response"].get<double>();
  };
  // gRPC sends the deadline as a grpc-timeout header rounded up to a coarse unit, so the server
  // may see up to ~1% more than was set; the bounds only tell 10s from 2s.
  double default_left = left_ms({"trigger", "--webhook-id", "wh-deadline"});
  EXPECT_GT(default_left, 5000);
  EXPECT_LE(default_left, 10500);
  double short_left = left_ms({"--timeout", "2s", "trigger", "--webhook-id", "wh-deadline"});
  EXPECT_GT(short_left, 0);
  EXPECT_LE(short_left, 2100);
}

TEST_F(CliEndToEndTest, HealthReportsServingStatus) {
  Result r = Run({"health"});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.out, "SERVING\n");

  r = Run({"--json", "health"});
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_EQ(r.out, "{\"status\":\"SERVING\"}\n");

  server_->GetHealthCheckService()->SetServingStatus(v1::WebhookService::service_full_name(),
                                                     false);
  r = Run({"health", "--service", v1::WebhookService::service_full_name()});
  EXPECT_EQ(r.code, kExitFailed);
  EXPECT_EQ(r.out, "NOT_SERVING\n");

  r = Run({"health", "--service", "acme.Unknown"});
  EXPECT_EQ(r.code, kExitFailed);
  EXPECT_THAT(r.err, StartsWith("error: NOT_FOUND"));

  r = Run({"call", "grpc.health.v1.Health/Check", "--json", "{}"});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.out, "{\"status\":\"SERVING\"}\n");
}

TEST_F(CliEndToEndTest, TargetsComeFromFlagEnvironmentOrDefault) {
  cli_.env["SIDECAR_ADDR"] = kNowhere;
  Result r = Run({"--target", target_, "health"});
  EXPECT_EQ(r.code, kExitOk) << r.err;

  r = Run({"--target", "unix:" + unix_path_, "--wait", "health"});
  EXPECT_EQ(r.code, kExitOk) << r.err;

  r = Run({"health"});  // SIDECAR_ADDR, where nothing listens
  EXPECT_EQ(r.code, kExitFailed);
  EXPECT_THAT(r.err, StartsWith("error: UNAVAILABLE"));

  r = Run({"--json", "health"});
  EXPECT_EQ(r.code, kExitFailed);
  EXPECT_EQ(nlohmann::json::parse(r.out)["code"], "UNAVAILABLE");
}

}  // namespace
}  // namespace genauth::cli
