// Builds message and service types at run time from a FileDescriptorProto, for service tests that
// need shapes the real contract lacks (GET requests with scalar fields, integer bounds, broken
// REST annotations) without adding .proto files to the build.
//
// The pool sits on top of the generated pool, so a test file may use any compiled-in type, and
// options set as generated extensions (google.api.http, genauth.management.v1.rules) are read
// back as those extensions. Not thread-safe; one per test.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/message.h"

namespace genauth::service::testing_support {

using google::protobuf::DescriptorProto;
using google::protobuf::FieldDescriptorProto;
using google::protobuf::FileDescriptorProto;

// A proto3 file in package "genauth.test" named `name`.
inline FileDescriptorProto Proto3File(const std::string& name) {
  FileDescriptorProto file;
  file.set_name(name);
  file.set_package("genauth.test");
  file.set_syntax("proto3");
  return file;
}

// Adds a field; `type_name` is needed for message and enum fields (".pkg.Name").
inline FieldDescriptorProto* AddField(
    DescriptorProto* message, const std::string& name, int number, FieldDescriptorProto::Type type,
    FieldDescriptorProto::Label label = FieldDescriptorProto::LABEL_OPTIONAL,
    const std::string& type_name = "") {
  FieldDescriptorProto* field = message->add_field();
  field->set_name(name);
  field->set_number(number);
  field->set_type(type);
  field->set_label(label);
  if (!type_name.empty()) field->set_type_name(type_name);
  return field;
}

class DynamicProto {
 public:
  explicit DynamicProto(const FileDescriptorProto& file)
      : pool_(google::protobuf::DescriptorPool::generated_pool()), factory_(&pool_) {
    file_ = pool_.BuildFile(file);
    EXPECT_NE(file_, nullptr) << "the test's FileDescriptorProto does not build:\n"
                              << file.DebugString();
  }

  DynamicProto(const DynamicProto&) = delete;
  DynamicProto& operator=(const DynamicProto&) = delete;

  const google::protobuf::FileDescriptor* file() const { return file_; }

  const google::protobuf::Descriptor* FindMessage(const std::string& full_name) const {
    const auto* descriptor = pool_.FindMessageTypeByName(full_name);
    EXPECT_NE(descriptor, nullptr) << full_name;
    return descriptor;
  }

  const google::protobuf::ServiceDescriptor* FindService(const std::string& full_name) const {
    const auto* descriptor = pool_.FindServiceByName(full_name);
    EXPECT_NE(descriptor, nullptr) << full_name;
    return descriptor;
  }

  // A new, empty message of the named type, owned by the caller.
  std::unique_ptr<google::protobuf::Message> New(const std::string& full_name) {
    const auto* descriptor = FindMessage(full_name);
    if (descriptor == nullptr) return nullptr;
    return std::unique_ptr<google::protobuf::Message>(factory_.GetPrototype(descriptor)->New());
  }

 private:
  google::protobuf::DescriptorPool pool_;
  google::protobuf::DynamicMessageFactory factory_;
  const google::protobuf::FileDescriptor* file_ = nullptr;
};

}  // namespace genauth::service::testing_support
