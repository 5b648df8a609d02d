// Generic unary calls (see unary_call.h).
#include "cli/unary_call.h"

#include <future>
#include <utility>

#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/impl/codegen/proto_utils.h"  // SerializationTraits for protobuf messages
#include "grpcpp/security/credentials.h"

namespace genauth::cli {

grpc::Status CallUnary(const CallOptions& options, const ResolvedMethod& method,
                       const google::protobuf::Message& request,
                       google::protobuf::Message* response) {
  auto channel = grpc::CreateChannel(options.target, grpc::InsecureChannelCredentials());
  // Messages rather than ByteBuffers: gRPC's protobuf serialization traits accept any
  // google::protobuf::Message, including the DynamicMessages of the health pool.
  grpc::TemplatedGenericStub<google::protobuf::Message, google::protobuf::Message> stub(channel);
  grpc::ClientContext context;
  context.set_deadline(
      std::chrono::system_clock::now() +
      std::chrono::duration_cast<std::chrono::system_clock::duration>(options.timeout));
  context.set_wait_for_ready(options.wait_for_ready);

  std::promise<grpc::Status> done;
  std::future<grpc::Status> result = done.get_future();
  stub.UnaryCall(&context, method.Path(), grpc::StubOptions(), &request, response,
                 [&done](grpc::Status status) { done.set_value(std::move(status)); });
  // The deadline bounds this wait: gRPC completes the call with DEADLINE_EXCEEDED at the latest.
  return result.get();
}

}  // namespace genauth::cli
