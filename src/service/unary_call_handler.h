// The single translation path every RPC goes through: parse the request bytes into the method's
// request message, validate it, map it to a GenAuth call (rest_mapping + transcoder), hand it to
// the GenAuth client, and — when the client's event loop completes it — fill and serialize the
// response, write one log line, count the call and finish the reactor. DescriptorService routes
// every method here.
//
// No thread waits for a call: gRPC's callback thread returns once the call is submitted, and the
// reactor is finished from the event loop. A caller that cancels aborts the attempt in flight —
// except the first call of an idempotency key, which is carried on to GenAuth's answer for the
// key's repeats (call_reactor.h, idempotent_calls.cc).
// Calls beyond the in-flight bounds (call_admission.h) are refused at once with
// RESOURCE_EXHAUSTED.
#pragma once

#include <array>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "common/random.h"
#include "grpcpp/grpcpp.h"
#include "observability/json_logger.h"
#include "observability/metrics.h"
#include "service/call_admission.h"
#include "service/idempotency_store.h"
#include "service/rest_mapping.h"
#include "upstream/genauth_client.h"

namespace genauth::service {

struct CallHandlerOptions {
  // Bounds a call whose caller set no deadline (or a longer one than this).
  common::Duration default_timeout = std::chrono::seconds(10);
  bool cap_caller_deadline = false;  // also cap callers' own deadlines at default_timeout
  // A call without a valid W3C `traceparent` starts a new trace (sent to GenAuth and logged);
  // off: such a call carries no trace context, as before tracing existed.
  bool start_traces = false;
  CallAdmissionOptions admission;
  // `idempotency-key` metadata on RPCs with side effects (idempotency_store.h).
  IdempotencyOptions idempotency;
};

// The metadata key of idempotency keys, and the longest key accepted.
inline constexpr char kIdempotencyKeyMetadata[] = "idempotency-key";
inline constexpr size_t kMaxIdempotencyKeyLength = 255;

class UnaryCallHandler {
 public:
  // Reads the REST mappings of `service`; fails when a method lacks one.
  static absl::StatusOr<std::unique_ptr<UnaryCallHandler>> Create(
      const google::protobuf::ServiceDescriptor& service, CallHandlerOptions options,
      upstream::GenAuthClient* client, common::Clock* clock, common::Random* random,
      std::shared_ptr<const observability::JsonLogger> logger,
      observability::MetricsRegistry* metrics);
  ~UnaryCallHandler();

  // Serves one call of `method`. `request` and `response` belong to gRPC and live until the
  // reactor finishes.
  grpc::ServerUnaryReactor* Handle(grpc::CallbackServerContext* context,
                                   const google::protobuf::MethodDescriptor& method,
                                   const grpc::ByteBuffer* request, grpc::ByteBuffer* response);

  // After this, new calls are refused with UNAVAILABLE (graceful drain); running ones finish.
  void StopAccepting() { accepting_.store(false); }
  // Shutting down: the calls carried on after their callers left are cancelled, and callers who
  // leave from now on cancel their calls. Thread-safe; the loop must still run.
  void StopCarryingOn();
  // First calls of idempotency keys carried on after their callers left, not yet ended.
  size_t carried_on() const;

  // The REST mapping of a method (nullptr when it is not one of this handler's service).
  const RestMapping* MappingFor(const google::protobuf::MethodDescriptor& method) const;

  // Calls accepted whose work is not done (carried-on calls included).
  int64_t in_flight() const { return static_cast<int64_t>(admission_.calls()); }

 private:
  UnaryCallHandler(const std::map<std::string, RestMapping>& mappings, CallHandlerOptions options,
                   upstream::GenAuthClient* client, common::Clock* clock, common::Random* random,
                   std::shared_ptr<const observability::JsonLogger> logger,
                   observability::MetricsRegistry* metrics);

  // A method's mapping and its metric series, resolved once so that a call only touches atomics.
  struct Route {
    RestMapping mapping;
    observability::Histogram* duration = nullptr;  // genauth_sidecar_call_duration_seconds
    // genauth_sidecar_calls_total by gRPC code (0-16), created on first use of each code so that
    // /metrics shows only codes that happened. Mutable: a cache, filled through const.
    mutable std::array<std::atomic<observability::Counter*>, 17> calls_by_code{};
    // The method's message types, looked up once: the generated factory takes a lock per lookup.
    const google::protobuf::Message* request_prototype = nullptr;
    const google::protobuf::Message* response_prototype = nullptr;
  };
  // The RetryInfo a refused caller gets: how soon trying again is reasonable.
  static constexpr common::Duration kOverloadRetryAfter = std::chrono::milliseconds(100);

  const Route* RouteFor(const google::protobuf::MethodDescriptor& method) const;
  observability::Counter* CallCounter(const Route& route, absl::StatusCode code) const;

  class CallReactor;  // one call's state and its gRPC reactor (unary_call_handler.cc)
  // Runs on the loop thread when the GenAuth client is done with `call`.
  void OnUpstreamDone(CallReactor* call, absl::StatusOr<nlohmann::json> data,
                      const upstream::CallReport& report);
  // Logs, counts and finishes the call with `status` (and its response when OK). The first call
  // of an idempotency key also finishes the key with its answer.
  void Finish(CallReactor* call, const absl::Status& status, const upstream::CallReport& report,
              const google::protobuf::Message* response);
  // Finishes a repeat of an idempotency key with the first call's answer ("replayed" or
  // "joined", for the log line).
  void FinishWithAnswer(CallReactor* call, const IdempotentAnswer& answer, const char* how);
  // A call waiting for the first call of its key stops waiting (its caller went away).
  void LeaveJoin(CallReactor* call, uint64_t waiter);
  // The first call of an idempotency key has ended: its answer goes to the key (for repeats) and,
  // unless it was carried on, to its caller.
  void FinishFirstCall(CallReactor* call, const absl::Status& status,
                       const upstream::CallReport& report,
                       const google::protobuf::Message* response);
  // The first call of a key whose caller left: carried on when the handler is not shutting down
  // (then true, and the caller is to be answered with AnswerLeavingCaller).
  bool TryCarryOn(CallReactor* call, const upstream::GenAuthClient::CallHandle& upstream);
  void AnswerLeavingCaller(CallReactor* call);
  // Gives the admission charge back (once).
  void ReleaseCharge(CallReactor* call);
  // Who an outcome is for: the caller (counted in the call metrics), or only the key of a call
  // carried on after its caller left (logged, not counted again).
  enum class Answered { kCaller, kKeyOnly };
  // Counts the call and writes its log line.
  void Record(CallReactor* call, const absl::Status& status, const upstream::CallReport& report,
              Answered answered);
  // Claims the call's idempotency key. True when the call goes on to GenAuth (as the first call
  // of its key, or without a key); false when it has been (or will be) answered otherwise.
  bool ClaimIdempotencyKey(CallReactor* call, grpc::CallbackServerContext* context,
                           const upstream::UpstreamCall& upstream_call);
  void Refuse(CallReactor* call, CallAdmission::Verdict verdict, size_t request_bytes);
  common::TimePoint DeadlineFor(const grpc::CallbackServerContext& context) const;

  std::map<std::string, Route> routes_;  // by method full name; fixed after construction
  const CallHandlerOptions options_;
  upstream::GenAuthClient* const client_;
  common::Clock* const clock_;
  common::Random* const random_;  // span and trace ids
  const std::shared_ptr<const observability::JsonLogger> logger_;
  observability::MetricsRegistry* const metrics_;
  CallAdmission admission_;
  observability::Gauge* const in_flight_;
  observability::Gauge* const bytes_in_flight_;
  observability::Counter* const shed_;
  IdempotencyStore idempotency_;
  observability::Counter* const carried_on_total_;
  mutable std::mutex carried_on_mu_;
  bool carrying_on_ = true;  // guarded by carried_on_mu_; false once shutting down
  // The calls carried on and their upstream calls (to cancel at shutdown); guarded.
  std::unordered_map<CallReactor*, upstream::GenAuthClient::CallHandle> carried_on_;
  std::atomic<bool> accepting_{true};
};

}  // namespace genauth::service
