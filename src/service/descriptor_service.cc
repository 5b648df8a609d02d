// Descriptor-driven gRPC service registration (see descriptor_service.h).
#include "service/descriptor_service.h"

#include "grpcpp/impl/codegen/server_callback_handlers.h"
#include "grpcpp/impl/rpc_service_method.h"
#include "grpcpp/support/byte_buffer.h"

namespace genauth::service {

DescriptorService::DescriptorService(const google::protobuf::ServiceDescriptor& service,
                                     UnaryCallHandler* handler) {
  for (int i = 0; i < service.method_count(); ++i) {
    const google::protobuf::MethodDescriptor* method = service.method(i);
    method_paths_.push_back("/" + service.full_name() + "/" + method->name());
    AddMethod(new grpc::internal::RpcServiceMethod(method_paths_.back().c_str(),
                                                   grpc::internal::RpcMethod::NORMAL_RPC, nullptr));
    MarkMethodCallback(
        i, new grpc::internal::CallbackUnaryHandler<grpc::ByteBuffer, grpc::ByteBuffer>(
               [handler, method](grpc::CallbackServerContext* context,
                                 const grpc::ByteBuffer* request, grpc::ByteBuffer* response) {
                 return handler->Handle(context, *method, request, response);
               }));
  }
}

}  // namespace genauth::service
