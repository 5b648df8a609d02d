// The fixed replies of genauth-grpc-floor (see floor_replies.h).
#include "grpc_floor/floor_replies.h"

#include <string>

#include "genauth/management/v1/webhook.pb.h"
#include "grpcpp/support/slice.h"
#include "workload.h"

namespace genauth::bench {
namespace {

namespace v1 = genauth::management::v1;

grpc::ByteBuffer Serialize(const google::protobuf::Message& message) {
  const std::string bytes = message.SerializeAsString();
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

}  // namespace

FloorReplies BuildFloorReplies(size_t echo_bytes) {
  FloorReplies replies;

  v1::TriggerWebhookResponse trigger;
  auto& fields = *trigger.mutable_response()->mutable_struct_value()->mutable_fields();
  fields["received"].set_bool_value(true);
  if (echo_bytes > 0) {
    // The load generator's own request body, built by the same code, so the sizes agree.
    WorkloadOptions options;
    options.payload_bytes = echo_bytes;
    std::string error;
    const Workload workload(options, &error);
    *fields["echo"].mutable_struct_value() = workload.trigger().request_body();
  }
  replies.trigger = Serialize(trigger);

  v1::Webhook webhook;
  webhook.set_webhook_id("wh-bench");
  webhook.set_name("bench");
  webhook.set_url("http://127.0.0.1/hooks/bench");
  webhook.set_enabled(true);
  replies.get = Serialize(webhook);

  v1::ListWebhooksResponse list;
  list.set_total_count(1);
  *list.add_list() = webhook;
  replies.list = Serialize(list);
  return replies;
}

}  // namespace genauth::bench
