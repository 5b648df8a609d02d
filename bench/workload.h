// What the load generator sends: the RPC of each request (one kind, or a weighted mix chosen per
// request index so that a run is reproducible) and, built once, the gRPC request message of each
// kind and its REST equivalent — the exact call the sidecar makes to GenAuth for it, so that the
// direct and via-sidecar paths carry the same bytes upstream.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "genauth/management/v1/webhook.pb.h"

namespace genauth::bench {

enum class RpcKind { kTrigger = 0, kGet = 1, kList = 2 };
constexpr size_t kRpcKinds = 3;

// "trigger", "get", "list": the names --rpc and --mix take.
const char* RpcKindName(RpcKind kind);
// The gRPC method name, e.g. "TriggerWebhook".
const char* RpcMethodName(RpcKind kind);

struct WorkloadOptions {
  std::string webhook_id = "wh-bench";
  // Size of TriggerWebhook's request_body as JSON text (the webhook payload), in bytes. The
  // emulator delivers it to the webhook's URL, whose echo comes back in the reply.
  size_t payload_bytes = 1024;
  // Relative weight of each kind, indexed by RpcKind; a single-RPC run has one non-zero weight.
  std::array<uint32_t, kRpcKinds> weights = {1, 0, 0};
  uint64_t seed = 1;
  // Adds "soakSeq": <request index> to each TriggerWebhook request_body, so that every trigger's
  // attempts can be told apart upstream (the soak test's duplicate check). Costs a copy per call.
  bool unique_payloads = false;
};

// An HTTP request to GenAuth without its authentication headers.
struct RestCall {
  std::string method;  // "GET" or "POST"
  std::string target;  // path and URL-encoded query
  std::string body;    // JSON, POST only
};

// Immutable after construction; shared by every sending thread.
class Workload {
 public:
  // `error` is set (and the workload unusable) when the options cannot be honoured.
  Workload(const WorkloadOptions& options, std::string* error);

  // The kind of request number `index`: a pure function of the index and the seed.
  RpcKind KindFor(uint64_t index) const;

  const management::v1::TriggerWebhookRequest& trigger() const { return trigger_; }
  // The trigger request of request number `index`: trigger() itself, or with unique_payloads a
  // copy in `scratch` marked with the index.
  const management::v1::TriggerWebhookRequest& TriggerFor(
      uint64_t index, management::v1::TriggerWebhookRequest* scratch) const;
  const management::v1::GetWebhookRequest& get() const { return get_; }
  const management::v1::ListWebhooksRequest& list() const { return list_; }
  const RestCall& rest(RpcKind kind) const { return rest_[static_cast<size_t>(kind)]; }

 private:
  const WorkloadOptions options_;
  uint32_t total_weight_ = 0;
  management::v1::TriggerWebhookRequest trigger_;
  management::v1::GetWebhookRequest get_;
  management::v1::ListWebhooksRequest list_;
  std::array<RestCall, kRpcKinds> rest_;
};

}  // namespace genauth::bench
