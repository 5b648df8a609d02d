// Tests of reading REST mappings from the contract: the real WebhookService, and run-time services
// whose methods carry missing or unsupported google.api.http annotations.
#include "service/rest_mapping.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "genauth/management/v1/webhook.pb.h"
#include "google/api/annotations.pb.h"
#include "service/dynamic_proto.h"

namespace genauth::service {
namespace {

using google::protobuf::MethodOptions;
using testing_support::DynamicProto;

// genauth.management.v1.WebhookService, from the generated file's descriptor.
const google::protobuf::ServiceDescriptor& WebhookService() {
  return *genauth::management::v1::TriggerWebhookRequest::descriptor()->file()->FindServiceByName(
      "WebhookService");
}

TEST(MappingForMethodTest, TriggerWebhook) {
  const auto* method = WebhookService().FindMethodByName("TriggerWebhook");
  ASSERT_NE(method, nullptr);
  absl::StatusOr<RestMapping> mapping = MappingForMethod(*method);
  ASSERT_TRUE(mapping.ok()) << mapping.status();
  EXPECT_EQ(mapping->rpc, "TriggerWebhook");
  EXPECT_EQ(mapping->verb, "POST");
  EXPECT_EQ(mapping->path, "/api/v3/trigger-webhook");
  EXPECT_TRUE(mapping->body_is_request);
  EXPECT_EQ(mapping->idempotency, retry::Idempotency::kSideEffects);
}

// The contract's table: each RPC's GenAuth verb, path and idempotency, read from webhook.proto.
TEST(MappingsForServiceTest, WebhookServiceMapsEveryRpc) {
  struct Expected {
    const char* rpc;
    const char* verb;
    const char* path;
    retry::Idempotency idempotency;
  };
  const Expected expected[] = {
      {"TriggerWebhook", "POST", "/api/v3/trigger-webhook", retry::Idempotency::kSideEffects},
      {"CreateWebhook", "POST", "/api/v3/create-webhook", retry::Idempotency::kSideEffects},
      {"ListWebhooks", "GET", "/api/v3/list-webhooks", retry::Idempotency::kIdempotent},
      {"UpdateWebhook", "POST", "/api/v3/update-webhook", retry::Idempotency::kSideEffects},
      {"DeleteWebhooks", "POST", "/api/v3/delete-webhook", retry::Idempotency::kSideEffects},
      {"GetWebhook", "GET", "/api/v3/get-webhook", retry::Idempotency::kIdempotent},
      {"ListWebhookLogs", "POST", "/api/v3/get-webhook-logs", retry::Idempotency::kIdempotent},
      {"ListWebhookEvents", "GET", "/api/v3/get-webhook-event-list",
       retry::Idempotency::kIdempotent},
  };
  absl::StatusOr<std::map<std::string, RestMapping>> mappings =
      MappingsForService(WebhookService());
  ASSERT_TRUE(mappings.ok()) << mappings.status();
  ASSERT_EQ(mappings->size(), std::size(expected));
  for (const auto& e : expected) {
    SCOPED_TRACE(e.rpc);
    auto it = mappings->find(std::string("genauth.management.v1.WebhookService.") + e.rpc);
    ASSERT_NE(it, mappings->end());
    EXPECT_EQ(it->second.rpc, e.rpc);
    EXPECT_EQ(it->second.verb, e.verb);
    EXPECT_EQ(it->second.path, e.path);
    EXPECT_EQ(it->second.body_is_request, std::string(e.verb) == "POST");
    EXPECT_EQ(it->second.idempotency, e.idempotency);
  }
}

// One run-time service, genauth.test.TestService, with one method per case. Each method has its
// own request type (Method + "Request") unless `input` is given.
class RunTimeService {
 public:
  RunTimeService() : file_(testing_support::Proto3File("genauth/test/test_service.proto")) {
    file_.add_message_type()->set_name("Reply");
    service_ = file_.add_service();
    service_->set_name("TestService");
  }

  // Adds a method; the returned options may be given an annotation.
  MethodOptions* AddMethod(const std::string& name, const std::string& input = "") {
    const std::string request = input.empty() ? name + "Request" : input;
    if (input.empty()) file_.add_message_type()->set_name(request);
    auto* method = service_->add_method();
    method->set_name(name);
    method->set_input_type(".genauth.test." + request);
    method->set_output_type(".genauth.test.Reply");
    return method->mutable_options();
  }

  static google::api::HttpRule* Http(MethodOptions* options) {
    return options->MutableExtension(google::api::http);
  }

  // Builds the file; the pool lives as long as this object.
  const google::protobuf::ServiceDescriptor* Build() {
    proto_ = std::make_unique<DynamicProto>(file_);
    return proto_->FindService("genauth.test.TestService");
  }

  absl::StatusOr<RestMapping> Mapping(const std::string& method) {
    const auto* service = Build();
    if (service == nullptr) return absl::InternalError("no service");
    const auto* descriptor = service->FindMethodByName(method);
    if (descriptor == nullptr) return absl::InternalError("no method " + method);
    return MappingForMethod(*descriptor);
  }

 private:
  google::protobuf::FileDescriptorProto file_;
  google::protobuf::ServiceDescriptorProto* service_;
  std::unique_ptr<DynamicProto> proto_;
};

TEST(MappingForMethodTest, GetWithoutBody) {
  RunTimeService s;
  RunTimeService::Http(s.AddMethod("ListThings"))->set_get("/api/v3/list-things");
  absl::StatusOr<RestMapping> mapping = s.Mapping("ListThings");
  ASSERT_TRUE(mapping.ok()) << mapping.status();
  EXPECT_EQ(mapping->rpc, "ListThings");
  EXPECT_EQ(mapping->verb, "GET");
  EXPECT_EQ(mapping->path, "/api/v3/list-things");
  EXPECT_FALSE(mapping->body_is_request);
  EXPECT_EQ(mapping->idempotency, retry::Idempotency::kSideEffects);  // not declared
}

struct IdempotencyCase {
  MethodOptions::IdempotencyLevel level;
  retry::Idempotency want;
};

class IdempotencyTest : public testing::TestWithParam<IdempotencyCase> {};

TEST_P(IdempotencyTest, ComesFromIdempotencyLevel) {
  RunTimeService s;
  MethodOptions* options = s.AddMethod("GetThing");
  options->set_idempotency_level(GetParam().level);
  RunTimeService::Http(options)->set_get("/api/v3/get-thing");
  absl::StatusOr<RestMapping> mapping = s.Mapping("GetThing");
  ASSERT_TRUE(mapping.ok()) << mapping.status();
  EXPECT_EQ(mapping->idempotency, GetParam().want);
}

INSTANTIATE_TEST_SUITE_P(Levels, IdempotencyTest,
                         testing::Values(IdempotencyCase{MethodOptions::IDEMPOTENCY_UNKNOWN,
                                                         retry::Idempotency::kSideEffects},
                                         IdempotencyCase{MethodOptions::NO_SIDE_EFFECTS,
                                                         retry::Idempotency::kIdempotent},
                                         IdempotencyCase{MethodOptions::IDEMPOTENT,
                                                         retry::Idempotency::kIdempotent}),
                         [](const auto& param_info) {
                           return MethodOptions::IdempotencyLevel_Name(param_info.param.level);
                         });

struct BadMappingCase {
  std::string name;
  void (*annotate)(MethodOptions*);  // nullptr: no annotation
  std::string message;               // after "method genauth.test.TestService.Bad"
};

class BadMappingTest : public testing::TestWithParam<BadMappingCase> {};

TEST_P(BadMappingTest, FailsNamingTheMethod) {
  RunTimeService s;
  MethodOptions* options = s.AddMethod("Bad");
  if (GetParam().annotate != nullptr) GetParam().annotate(options);
  absl::StatusOr<RestMapping> mapping = s.Mapping("Bad");
  ASSERT_FALSE(mapping.ok());
  EXPECT_EQ(mapping.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(mapping.status().message(), "method genauth.test.TestService.Bad" + GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Table, BadMappingTest,
    testing::Values(
        BadMappingCase{"NoAnnotation", nullptr, " has no google.api.http annotation"},
        BadMappingCase{"EmptyRule", [](MethodOptions* o) { RunTimeService::Http(o); },
                       ": only get and post mappings are supported"},
        BadMappingCase{"Put",
                       [](MethodOptions* o) {
                         RunTimeService::Http(o)->set_put("/api/v3/things");
                         RunTimeService::Http(o)->set_body("*");
                       },
                       ": only get and post mappings are supported"},
        BadMappingCase{"Delete",
                       [](MethodOptions* o) { RunTimeService::Http(o)->set_delete_("/api/v3/x"); },
                       ": only get and post mappings are supported"},
        BadMappingCase{"Custom",
                       [](MethodOptions* o) {
                         auto* custom = RunTimeService::Http(o)->mutable_custom();
                         custom->set_kind("HEAD");
                         custom->set_path("/api/v3/x");
                       },
                       ": only get and post mappings are supported"},
        BadMappingCase{
            "PathTemplate",
            [](MethodOptions* o) { RunTimeService::Http(o)->set_get("/api/v3/things/{thing_id}"); },
            ": the path must be a literal absolute path"},
        BadMappingCase{"RelativePath",
                       [](MethodOptions* o) { RunTimeService::Http(o)->set_get("api/v3/things"); },
                       ": the path must be a literal absolute path"},
        BadMappingCase{"EmptyPath",
                       [](MethodOptions* o) {
                         RunTimeService::Http(o)->set_post("");
                         RunTimeService::Http(o)->set_body("*");
                       },
                       ": the path must be a literal absolute path"},
        BadMappingCase{"PartialBody",
                       [](MethodOptions* o) {
                         RunTimeService::Http(o)->set_post("/api/v3/things");
                         RunTimeService::Http(o)->set_body("thing");
                       },
                       ": a post mapping must have body \"*\""},
        BadMappingCase{
            "PostWithoutBody",
            [](MethodOptions* o) { RunTimeService::Http(o)->set_post("/api/v3/things"); },
            ": a post mapping must have body \"*\""},
        BadMappingCase{"GetWithBody",
                       [](MethodOptions* o) {
                         RunTimeService::Http(o)->set_get("/api/v3/things");
                         RunTimeService::Http(o)->set_body("*");
                       },
                       ": a get mapping cannot have a body"}),
    [](const testing::TestParamInfo<BadMappingCase>& param_info) { return param_info.param.name; });

TEST(MappingsForServiceTest, FailsOnTheFirstMethodWithoutAMapping) {
  RunTimeService s;
  RunTimeService::Http(s.AddMethod("Good"))->set_get("/api/v3/good");
  s.AddMethod("Unmapped");
  const auto* service = s.Build();
  ASSERT_NE(service, nullptr);
  absl::StatusOr<std::map<std::string, RestMapping>> mappings = MappingsForService(*service);
  ASSERT_FALSE(mappings.ok());
  EXPECT_EQ(mappings.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(mappings.status().message(),
            "method genauth.test.TestService.Unmapped has no google.api.http annotation");
}

TEST(MappingsForServiceTest, ARequestTypeMayServeTwoMethods) {
  RunTimeService s;
  RunTimeService::Http(s.AddMethod("First"))->set_get("/api/v3/first");
  RunTimeService::Http(s.AddMethod("Second", "FirstRequest"))->set_get("/api/v3/second");
  const auto* service = s.Build();
  ASSERT_NE(service, nullptr);
  absl::StatusOr<std::map<std::string, RestMapping>> mappings = MappingsForService(*service);
  ASSERT_TRUE(mappings.ok()) << mappings.status();
  EXPECT_EQ(mappings->at("genauth.test.TestService.First").path, "/api/v3/first");
  EXPECT_EQ(mappings->at("genauth.test.TestService.Second").path, "/api/v3/second");
}

TEST(MappingsForServiceTest, EveryMethodIsMapped) {
  RunTimeService s;
  RunTimeService::Http(s.AddMethod("ListThings"))->set_get("/api/v3/list-things");
  auto* create = RunTimeService::Http(s.AddMethod("CreateThing"));
  create->set_post("/api/v3/create-thing");
  create->set_body("*");
  const auto* service = s.Build();
  ASSERT_NE(service, nullptr);
  absl::StatusOr<std::map<std::string, RestMapping>> mappings = MappingsForService(*service);
  ASSERT_TRUE(mappings.ok()) << mappings.status();
  ASSERT_EQ(mappings->size(), 2u);
  EXPECT_EQ(mappings->at("genauth.test.TestService.ListThings").verb, "GET");
  EXPECT_EQ(mappings->at("genauth.test.TestService.CreateThing").path, "/api/v3/create-thing");
  EXPECT_TRUE(mappings->at("genauth.test.TestService.CreateThing").body_is_request);
}

}  // namespace
}  // namespace genauth::service
