// A gRPC service built at run time from a protobuf ServiceDescriptor: every method is registered as
// a callback unary method that hands the raw request bytes to the UnaryCallHandler. So adding an
// RPC to webhook.proto needs no C++ at all — the descriptor brings the method, the annotations
// bring its GenAuth call. Registered with the server like a generated service; it is named by its
// methods ("/genauth.management.v1.WebhookService/..."), so health and reflection list it.
#pragma once

#include <deque>
#include <string>

#include "google/protobuf/descriptor.h"
#include "grpcpp/impl/service_type.h"
#include "service/unary_call_handler.h"

namespace genauth::service {

class DescriptorService final : public grpc::Service {
 public:
  // `service` (from the generated pool) and `handler` must outlive this object.
  DescriptorService(const google::protobuf::ServiceDescriptor& service, UnaryCallHandler* handler);

 private:
  std::deque<std::string> method_paths_;  // gRPC keeps the const char* given at registration
};

}  // namespace genauth::service
