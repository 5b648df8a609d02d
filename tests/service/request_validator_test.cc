// Tests of ValidateRequest: `required` on the real contract, and min/max bounds on a request type
// built at run time whose fields carry the (genauth.management.v1.rules) option.
#include "service/request_validator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "errors/error_details.h"
#include "genauth/management/v1/field_rules.pb.h"
#include "genauth/management/v1/webhook.pb.h"
#include "google/rpc/error_details.pb.h"
#include "service/dynamic_proto.h"

namespace genauth::service {
namespace {

using genauth::management::v1::FieldRules;
using google::protobuf::FieldDescriptorProto;
using testing_support::AddField;
using testing_support::DynamicProto;

// The ErrorInfo's `fields` metadata, nullopt when there is no ErrorInfo.
std::optional<std::string> ErrorInfoFields(const absl::Status& status) {
  auto payload = status.GetPayload("type.googleapis.com/google.rpc.ErrorInfo");
  if (!payload) return std::nullopt;
  google::rpc::ErrorInfo info;
  if (!info.ParseFromString(std::string(*payload))) return std::nullopt;
  auto it = info.metadata().find("fields");
  return it == info.metadata().end() ? "" : it->second;
}

TEST(ValidateRequestTest, TriggerWebhookNeedsAWebhookId) {
  genauth::management::v1::TriggerWebhookRequest request;
  request.mutable_request_body();  // other fields do not make up for it
  absl::Status status = ValidateRequest(request);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "invalid TriggerWebhookRequest: webhook_id is required");
  EXPECT_EQ(errors::ErrorInfoReason(status), "INVALID_REQUEST");
  EXPECT_EQ(ErrorInfoFields(status), "webhook_id");
}

TEST(ValidateRequestTest, TriggerWebhookWithAWebhookIdIsValid) {
  genauth::management::v1::TriggerWebhookRequest request;
  request.set_webhook_id("wh-1");
  EXPECT_TRUE(ValidateRequest(request).ok());
}

// genauth.test.RulesRequest:
//   int32 page = 1 [rules {min: 1, max: 100}];
//   int64 limit = 2 [rules {max: 50}];
//   uint32 count = 3 [rules {min: 2}];
//   repeated string ids = 4 [rules {required: true}];
//   string note = 5;                           // no rules
//   optional int32 level = 6 [rules {min: 1}];  // explicit presence: 0 is a value
//   uint64 big = 7 [rules {max: 10}];
class RulesTest : public testing::Test {
 protected:
  RulesTest() : proto_(File()) {
    request_ = proto_.New("genauth.test.RulesRequest");
    // Valid by default; each test breaks what it is about.
    Set("page", 5);
    AddId("a");
  }

  static FieldRules Rules(std::optional<int64_t> min, std::optional<int64_t> max,
                          bool required = false) {
    FieldRules rules;
    if (min) rules.set_min(*min);
    if (max) rules.set_max(*max);
    rules.set_required(required);
    return rules;
  }

  static google::protobuf::FileDescriptorProto File() {
    auto file = testing_support::Proto3File("genauth/test/rules.proto");
    auto* message = file.add_message_type();
    message->set_name("RulesRequest");
    auto with = [](FieldDescriptorProto* field, const FieldRules& rules) {
      *field->mutable_options()->MutableExtension(genauth::management::v1::rules) = rules;
    };
    with(AddField(message, "page", 1, FieldDescriptorProto::TYPE_INT32), Rules(1, 100));
    with(AddField(message, "limit", 2, FieldDescriptorProto::TYPE_INT64), Rules(std::nullopt, 50));
    with(AddField(message, "count", 3, FieldDescriptorProto::TYPE_UINT32), Rules(2, std::nullopt));
    with(AddField(message, "ids", 4, FieldDescriptorProto::TYPE_STRING,
                  FieldDescriptorProto::LABEL_REPEATED),
         Rules(std::nullopt, std::nullopt, /*required=*/true));
    AddField(message, "note", 5, FieldDescriptorProto::TYPE_STRING);
    auto* level = AddField(message, "level", 6, FieldDescriptorProto::TYPE_INT32);
    level->set_proto3_optional(true);
    level->set_oneof_index(0);
    message->add_oneof_decl()->set_name("_level");
    with(level, Rules(1, std::nullopt));
    with(AddField(message, "big", 7, FieldDescriptorProto::TYPE_UINT64), Rules(std::nullopt, 10));
    return file;
  }

  const google::protobuf::FieldDescriptor* Field(const std::string& name) const {
    const auto* field = request_->GetDescriptor()->FindFieldByName(name);
    EXPECT_NE(field, nullptr) << name;
    return field;
  }

  void Set(const std::string& name, int64_t value) {
    const auto* field = Field(name);
    const auto* r = request_->GetReflection();
    switch (field->cpp_type()) {
      case google::protobuf::FieldDescriptor::CPPTYPE_INT32:
        r->SetInt32(request_.get(), field, static_cast<int32_t>(value));
        break;
      case google::protobuf::FieldDescriptor::CPPTYPE_INT64:
        r->SetInt64(request_.get(), field, value);
        break;
      case google::protobuf::FieldDescriptor::CPPTYPE_UINT32:
        r->SetUInt32(request_.get(), field, static_cast<uint32_t>(value));
        break;
      case google::protobuf::FieldDescriptor::CPPTYPE_UINT64:
        r->SetUInt64(request_.get(), field, static_cast<uint64_t>(value));
        break;
      default:
        ADD_FAILURE() << name << " is not an integer field";
    }
  }

  void AddId(const std::string& id) {
    request_->GetReflection()->AddString(request_.get(), Field("ids"), id);
  }

  void ClearIds() { request_->GetReflection()->ClearField(request_.get(), Field("ids")); }

  // The single problem reported, checked for code, reason and the `fields` metadata.
  std::string OnlyProblem(const std::string& field) {
    absl::Status status = ValidateRequest(*request_);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(errors::ErrorInfoReason(status), "INVALID_REQUEST");
    EXPECT_EQ(ErrorInfoFields(status), field);
    const std::string prefix = "invalid RulesRequest: ";
    std::string message(status.message());
    EXPECT_EQ(message.rfind(prefix, 0), 0u) << message;
    return message.substr(std::min(prefix.size(), message.size()));
  }

  DynamicProto proto_;
  std::unique_ptr<google::protobuf::Message> request_;
};

TEST_F(RulesTest, TheRuleOptionIsVisibleOnTheDynamicType) {
  ASSERT_TRUE(Field("page")->options().HasExtension(genauth::management::v1::rules));
  const FieldRules& rules = Field("page")->options().GetExtension(genauth::management::v1::rules);
  EXPECT_EQ(rules.min(), 1);
  EXPECT_EQ(rules.max(), 100);
}

TEST_F(RulesTest, ValidRequestPasses) {
  Set("limit", 50);
  Set("count", 2);
  Set("level", 1);
  Set("big", 10);
  absl::Status status = ValidateRequest(*request_);
  EXPECT_TRUE(status.ok()) << status;
}

TEST_F(RulesTest, BoundsAreInclusive) {
  Set("page", 1);
  EXPECT_TRUE(ValidateRequest(*request_).ok());
  Set("page", 100);
  EXPECT_TRUE(ValidateRequest(*request_).ok());
}

TEST_F(RulesTest, AboveMaxOfABothWaysRange) {
  Set("page", 101);
  EXPECT_EQ(OnlyProblem("page"), "page must be at least 1 and at most 100, got 101");
}

TEST_F(RulesTest, BelowMinOfABothWaysRange) {
  Set("page", -5);
  EXPECT_EQ(OnlyProblem("page"), "page must be at least 1 and at most 100, got -5");
}

TEST_F(RulesTest, UnsetProto3ScalarIsNotChecked) {
  Set("page", 0);  // no presence: 0 is "unset", so min 1 does not apply
  EXPECT_TRUE(ValidateRequest(*request_).ok());
}

TEST_F(RulesTest, MaxOnlyOnInt64) {
  Set("limit", 51);
  EXPECT_EQ(OnlyProblem("limit"), "limit must be at most 50, got 51");
}

TEST_F(RulesTest, MinOnlyOnUint32) {
  Set("count", 1);
  EXPECT_EQ(OnlyProblem("count"), "count must be at least 2, got 1");
}

TEST_F(RulesTest, ExplicitPresenceZeroIsChecked) {
  Set("level", 0);
  EXPECT_EQ(OnlyProblem("level"), "level must be at least 1, got 0");
}

TEST_F(RulesTest, RequiredRepeatedFieldNeedsAnElement) {
  ClearIds();
  EXPECT_EQ(OnlyProblem("ids"), "ids is required");
}

// FieldRules documents min/max for "an integer field"; uint64 is one.
TEST_F(RulesTest, MaxOnUint64IsEnforced) {
  Set("big", 11);
  EXPECT_EQ(OnlyProblem("big"), "big must be at most 10, got 11");
}

TEST_F(RulesTest, EveryProblemIsReportedInFieldOrder) {
  Set("page", 101);
  Set("count", 1);
  ClearIds();
  absl::Status status = ValidateRequest(*request_);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "invalid RulesRequest: page must be at least 1 and at most 100, got 101; "
            "count must be at least 2, got 1; ids is required");
  EXPECT_EQ(ErrorInfoFields(status), "page,count,ids");
}

}  // namespace
}  // namespace genauth::service
