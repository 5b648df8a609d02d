// The generic unary RPC path (see unary_call_handler.h).
#include "service/unary_call_handler.h"

#include <iterator>
#include <mutex>
#include <optional>
#include <string_view>
#include <utility>

#include "errors/error_details.h"
#include "grpcpp/impl/codegen/proto_utils.h"
#include "grpcpp/support/proto_buffer_reader.h"
#include "observability/trace_context.h"
#include "service/grpc_status.h"
#include "service/request_fingerprint.h"
#include "service/request_validator.h"
#include "service/transcoder.h"
#include "upstream/call_decision.h"

namespace genauth::service {
namespace {

// Codes that mean the caller's request was wrong, not that something is degraded.
bool IsCallerError(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kCancelled:
      return true;
    default:
      return false;
  }
}

// The RetryInfo a refused caller gets: how soon trying again is reasonable.
constexpr auto kOverloadRetryAfter = std::chrono::milliseconds(100);

// The one value of a metadata key; nullopt when absent or sent more than once.
std::optional<std::string_view> SingleMetadataValue(
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata, const char* key) {
  auto [first, last] = metadata.equal_range(key);
  if (first == last || std::next(first) != last) return std::nullopt;
  return std::string_view(first->second.data(), first->second.size());
}

// What repeats of an idempotency key get when its first call ended with `first`. GenAuth's answers
// (and the sidecar's refusals) are passed on as they are. A first call that ended without any
// answer from GenAuth is told apart by whether GenAuth may have acted: if it may, repeats are
// not sent again and learn that the outcome is unknown (ABORTED); if it cannot have, the key is
// forgotten and a repeat may run anew — a call that waited for this one is told so (UNAVAILABLE)
// rather than getting another caller's CANCELLED or DEADLINE_EXCEEDED.
std::shared_ptr<const IdempotentAnswer> AnswerForRepeats(
    std::shared_ptr<const IdempotentAnswer> first, const upstream::CallReport& report,
    const std::string& rpc) {
  const absl::Status& status = first->status;
  if (status.ok()) return first;
  const std::string reason = errors::ErrorInfoReason(status);
  const bool stopped = status.code() == absl::StatusCode::kCancelled ||
                       status.code() == absl::StatusCode::kDeadlineExceeded;
  const bool unanswered = stopped || reason == errors::reason::kUpstreamTimeout ||
                          reason == errors::reason::kUpstreamBrokenReply ||
                          reason == errors::reason::kUpstreamMalformedReply;
  if (!unanswered) return first;
  auto answer = std::make_shared<IdempotentAnswer>();
  if (report.may_have_acted) {
    answer->status = absl::AbortedError(
        "the first " + rpc + " call with this idempotency key ended without GenAuth's answer (" +
        std::string(status.message()) +
        ") after GenAuth may have acted on it, so it is not sent again; check GenAuth (for a "
        "trigger, the webhook's logs), and use a new key to send it anew");
    errors::SetErrorInfo(answer->status, errors::reason::kIdempotencyOutcomeUnknown,
                         {{"firstReason", reason}});
  } else if (stopped) {
    answer->status = absl::UnavailableError(
        "the first " + rpc + " call with this idempotency key stopped (" +
        std::string(status.message()) + ") before GenAuth acted on it; repeat the call");
    errors::SetErrorInfo(answer->status, errors::reason::kIdempotencyFirstCallStopped);
  } else {
    return first;
  }
  return answer;
}

// A serialized response as the reactor's response bytes.
void SetResponseBytes(const std::string& bytes, grpc::ByteBuffer* out) {
  grpc::Slice slice(bytes);
  grpc::ByteBuffer buffer(&slice, 1);
  out->Swap(&buffer);
}

}  // namespace

// One call from Handle to OnDone: gRPC's reactor plus everything the call owns. Deleted by gRPC's
// OnDone, which comes only after Finish — and Finish is called exactly once, by the handler.
class UnaryCallHandler::CallReactor final : public grpc::ServerUnaryReactor {
 public:
  CallReactor(UnaryCallHandler* handler, grpc::ByteBuffer* response_bytes)
      : handler_(handler), response_bytes_(response_bytes) {}

  // gRPC's thread: the caller cancelled or its deadline passed. The upstream call (if any) is
  // aborted on the loop, which then finishes this call with CANCELLED.
  // A call waiting for the first call of its idempotency key stops waiting and is answered
  // CANCELLED (unless the first call's answer came first).
  void OnCancel() override {
    uint64_t waiter = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      cancelled_ = true;
      if (upstream_) handler_->client_->Cancel(upstream_);
      waiter = join_waiter_;
    }
    if (waiter != 0) handler_->LeaveJoin(this, waiter);
  }
  void OnDone() override { delete this; }

  // Hands the upstream call's handle over; cancels it at once if the caller has already gone.
  void SetUpstream(upstream::GenAuthClient::CallHandle handle) {
    std::lock_guard<std::mutex> lock(mu_);
    if (cancelled_) {
      handler_->client_->Cancel(handle);
    } else {
      upstream_ = std::move(handle);
    }
  }

  // Records that the call waits for the first call of its key. True when the caller has already
  // gone: the handler must then leave at once.
  bool SetJoined(uint64_t waiter) {
    std::lock_guard<std::mutex> lock(mu_);
    if (cancelled_) return true;
    join_waiter_ = waiter;
    return false;
  }

  UnaryCallHandler* const handler_;
  grpc::ByteBuffer* const response_bytes_;
  const Route* route = nullptr;
  common::TimePoint started;
  std::string webhook_id;                         // the subject of the call, for its log line
  std::optional<observability::CallTrace> trace;  // set when the call has a trace context
  std::string idempotency_key;                    // the caller's, when used for this call
  bool key_claimed = false;  // the first call of idempotency_key: finishes the key
  // What the key did, for the log line: "first", "replayed", "joined", "conflict"; or null.
  const char* idempotency_outcome = nullptr;
  size_t charge = 0;  // bytes held against the admission budget; 0 when not admitted

 private:
  std::mutex mu_;
  bool cancelled_ = false;                        // guarded by mu_
  upstream::GenAuthClient::CallHandle upstream_;  // guarded by mu_
  uint64_t join_waiter_ = 0;                      // guarded by mu_; 0 when not joined
};

absl::StatusOr<std::unique_ptr<UnaryCallHandler>> UnaryCallHandler::Create(
    const google::protobuf::ServiceDescriptor& service, CallHandlerOptions options,
    upstream::GenAuthClient* client, common::Clock* clock, common::Random* random,
    std::shared_ptr<const observability::JsonLogger> logger,
    observability::MetricsRegistry* metrics) {
  auto mappings = MappingsForService(service);
  if (!mappings.ok()) return mappings.status();
  std::unique_ptr<UnaryCallHandler> handler(
      new UnaryCallHandler(*mappings, options, client, clock, random, std::move(logger), metrics));
  auto* factory = google::protobuf::MessageFactory::generated_factory();
  for (int i = 0; i < service.method_count(); ++i) {
    const google::protobuf::MethodDescriptor& method = *service.method(i);
    auto it = handler->routes_.find(method.full_name());
    if (it == handler->routes_.end()) continue;
    it->second.request_prototype = factory->GetPrototype(method.input_type());
    it->second.response_prototype = factory->GetPrototype(method.output_type());
  }
  return handler;
}

UnaryCallHandler::UnaryCallHandler(const std::map<std::string, RestMapping>& mappings,
                                   CallHandlerOptions options, upstream::GenAuthClient* client,
                                   common::Clock* clock, common::Random* random,
                                   std::shared_ptr<const observability::JsonLogger> logger,
                                   observability::MetricsRegistry* metrics)
    : options_(options),
      client_(client),
      clock_(clock),
      random_(random),
      logger_(std::move(logger)),
      metrics_(metrics),
      admission_(options.admission),
      in_flight_(metrics->GetGauge("genauth_sidecar_calls_in_flight", {},
                                   "Calls accepted and not yet answered")),
      bytes_in_flight_(metrics->GetGauge(
          "genauth_sidecar_request_bytes_in_flight", {},
          "Memory charged to the calls in flight: their requests while transcoded, then their "
          "JSON bodies")),
      shed_(metrics->GetCounter("genauth_sidecar_calls_shed_total", {},
                                "Calls refused at once because the calls in flight or the request "
                                "bytes they hold were at their bounds")),
      idempotency_(options.idempotency, clock, metrics) {
  for (const auto& [method, mapping] : mappings) {
    Route& route = routes_[method];
    route.duration = metrics->GetHistogram(
        "genauth_sidecar_call_duration_seconds", {{"rpc", mapping.rpc}},
        "Time from receiving a call to answering it, retries and waits included, by RPC",
        observability::LatencySecondsBuckets());
    client->DeclareRpc(mapping.rpc);  // its upstream series listed from the start, too
    route.mapping = mapping;
  }
}

UnaryCallHandler::~UnaryCallHandler() = default;

const UnaryCallHandler::Route* UnaryCallHandler::RouteFor(
    const google::protobuf::MethodDescriptor& method) const {
  auto it = routes_.find(method.full_name());
  return it == routes_.end() ? nullptr : &it->second;
}

observability::Counter* UnaryCallHandler::CallCounter(const Route& route,
                                                      absl::StatusCode code) const {
  const auto index = static_cast<size_t>(code);
  if (index >= route.calls_by_code.size()) {
    return metrics_->GetCounter("genauth_sidecar_calls_total",
                                {{"rpc", route.mapping.rpc}, {"code", GrpcCodeName(code)}});
  }
  std::atomic<observability::Counter*>& slot = route.calls_by_code[index];
  observability::Counter* counter = slot.load(std::memory_order_acquire);
  if (counter == nullptr) {
    // Racing first uses get the same counter from the registry; storing it twice is harmless.
    counter = metrics_->GetCounter("genauth_sidecar_calls_total",
                                   {{"rpc", route.mapping.rpc}, {"code", GrpcCodeName(code)}},
                                   "Calls answered, by RPC and gRPC code");
    slot.store(counter, std::memory_order_release);
  }
  return counter;
}

common::TimePoint UnaryCallHandler::DeadlineFor(const grpc::CallbackServerContext& context) const {
  const common::TimePoint now = clock_->Now();
  const common::TimePoint fallback = now + options_.default_timeout;
  const auto caller = context.deadline();
  if (caller == std::chrono::system_clock::time_point::max()) return fallback;
  // gRPC gives a calendar deadline; move it onto the monotonic clock.
  const common::TimePoint deadline =
      now + std::chrono::duration_cast<common::Duration>(caller - clock_->WallNow());
  return options_.cap_caller_deadline ? std::min(deadline, fallback) : deadline;
}

const RestMapping* UnaryCallHandler::MappingFor(
    const google::protobuf::MethodDescriptor& method) const {
  const Route* route = RouteFor(method);
  return route == nullptr ? nullptr : &route->mapping;
}

grpc::ServerUnaryReactor* UnaryCallHandler::Handle(grpc::CallbackServerContext* context,
                                                   const google::protobuf::MethodDescriptor& method,
                                                   const grpc::ByteBuffer* request,
                                                   grpc::ByteBuffer* response) {
  auto* call = new CallReactor(this, response);
  call->started = clock_->Now();
  call->route = RouteFor(method);
  {
    // W3C Trace Context: continued when the caller sent a valid traceparent, else started only
    // when configured. Read before anything can refuse the call, so every log line has it.
    const auto& metadata = context->client_metadata();
    call->trace = observability::TraceForCall(SingleMetadataValue(metadata, "traceparent"),
                                              SingleMetadataValue(metadata, "tracestate"),
                                              options_.start_traces, *random_);
  }
  upstream::CallReport report;
  if (call->route == nullptr) {
    call->Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                              "no GenAuth mapping for " + method.full_name()));
    return call;
  }
  const Route& route = *call->route;
  if (!accepting_.load()) {
    Finish(call, upstream::ShuttingDownRefusal(), report, nullptr);
    return call;
  }
  // Admitted before parsing: a burst of large requests is refused before it is expanded.
  const size_t request_bytes = request->Length();
  call->charge = ChargeWhileTranscoding(request_bytes);
  if (CallAdmission::Verdict verdict = admission_.TryAdmit(call->charge);
      verdict != CallAdmission::Verdict::kAdmitted) {
    call->charge = 0;
    Refuse(call, verdict, request_bytes);
    return call;
  }
  in_flight_->Add(1);
  bytes_in_flight_->Add(static_cast<int64_t>(call->charge));

  auto* factory = google::protobuf::MessageFactory::generated_factory();
  std::unique_ptr<google::protobuf::Message> message(
      (route.request_prototype != nullptr ? route.request_prototype
                                          : factory->GetPrototype(method.input_type()))
          ->New());
  // gRPC hands the bytes over; parsing reads them without another copy.
  grpc::ProtoBufferReader reader(const_cast<grpc::ByteBuffer*>(request));
  if (!message->ParseFromZeroCopyStream(&reader)) {
    absl::Status status = absl::InvalidArgumentError("the request is not a valid " +
                                                     method.input_type()->full_name());
    errors::SetErrorInfo(status, errors::reason::kInvalidRequest);
    Finish(call, status, report, nullptr);
    return call;
  }
  // The wire bytes are not needed any more; a large request gives its memory back now.
  const_cast<grpc::ByteBuffer*>(request)->Clear();
  // The subject of the call, when the request names one (never bodies or headers).
  const auto* id_field = message->GetDescriptor()->FindFieldByName("webhook_id");
  if (id_field != nullptr && id_field->type() == google::protobuf::FieldDescriptor::TYPE_STRING &&
      !id_field->is_repeated()) {
    call->webhook_id = message->GetReflection()->GetString(*message, id_field);
  }
  // Bad input costs no upstream call.
  if (absl::Status invalid = ValidateRequest(*message); !invalid.ok()) {
    Finish(call, invalid, report, nullptr);
    return call;
  }
  auto upstream_call = BuildUpstreamCall(route.mapping, *message);
  message.reset();
  if (!upstream_call.ok()) {
    Finish(call, upstream_call.status(), report, nullptr);
    return call;
  }
  if (!ClaimIdempotencyKey(call, context, *upstream_call)) return call;
  if (call->trace) {
    upstream_call->trace_headers.emplace_back("traceparent", call->trace->TraceParentHeader());
    if (!call->trace->trace_state.empty()) {
      upstream_call->trace_headers.emplace_back("tracestate", call->trace->trace_state);
    }
  }
  const size_t in_flight_charge = ChargeWhileInFlight(upstream_call->body.size());
  admission_.Recharge(call->charge, in_flight_charge);
  bytes_in_flight_->Add(static_cast<int64_t>(in_flight_charge) -
                        static_cast<int64_t>(call->charge));
  call->charge = in_flight_charge;

  // From here the loop owns the call: `done` finishes it (exactly once) on the loop thread.
  upstream::GenAuthClient::CallHandle handle = client_->Start(
      *std::move(upstream_call), DeadlineFor(*context),
      [this, call](absl::StatusOr<nlohmann::json> data, const upstream::CallReport& done_report) {
        OnUpstreamDone(call, std::move(data), done_report);
      });
  call->SetUpstream(std::move(handle));
  return call;
}

void UnaryCallHandler::Refuse(CallReactor* call, CallAdmission::Verdict verdict,
                              size_t request_bytes) {
  shed_->Increment();
  const CallAdmissionOptions& bounds = admission_.options();
  absl::Status status = absl::ResourceExhaustedError(
      verdict == CallAdmission::Verdict::kTooManyCalls
          ? "the sidecar is at its limit of " + std::to_string(bounds.max_calls) +
                " calls in flight (SIDECAR_MAX_IN_FLIGHT_CALLS); retry later"
          : "the sidecar holds as many request bytes as it may (SIDECAR_MAX_IN_FLIGHT_BYTES=" +
                std::to_string(bounds.max_bytes) + "; this request is " +
                std::to_string(request_bytes) + " bytes); retry later");
  errors::SetErrorInfo(status, errors::reason::kOverloaded);
  errors::SetRetryInfo(status, kOverloadRetryAfter);
  Finish(call, status, upstream::CallReport{}, nullptr);
}

void UnaryCallHandler::OnUpstreamDone(CallReactor* call, absl::StatusOr<nlohmann::json> data,
                                      const upstream::CallReport& report) {
  const Route& route = *call->route;
  if (!data.ok()) {
    Finish(call, data.status(), report, nullptr);
    return;
  }
  if (data->is_null() && route.mapping.idempotency == retry::Idempotency::kIdempotent) {
    // A read that returns nothing cannot be answered. (A write without data is still a success:
    // GenAuth said statusCode 200, and an error would invite a repeat that does it twice.)
    absl::Status status = absl::UnavailableError("GenAuth's reply has statusCode 200 but no data");
    errors::SetErrorInfo(status, errors::reason::kUpstreamMalformedReply);
    Finish(call, status, report, nullptr);
    return;
  }
  std::unique_ptr<google::protobuf::Message> response(route.response_prototype->New());
  absl::Status filled = FillResponse(*data, response.get());
  Finish(call, filled, report, filled.ok() ? response.get() : nullptr);
}

void UnaryCallHandler::Record(CallReactor* call, const absl::Status& status,
                              const upstream::CallReport& report) {
  // Given back first: once the caller has its answer, a scrape must not count the call any more.
  if (call->charge != 0) {
    admission_.Release(call->charge);
    in_flight_->Add(-1);
    bytes_in_flight_->Add(-static_cast<int64_t>(call->charge));
    call->charge = 0;
  }
  const Route& route = *call->route;
  const RestMapping& mapping = route.mapping;
  const char* code = GrpcCodeName(status.code());
  const common::Duration latency = clock_->Now() - call->started;
  const double latency_ms = std::chrono::duration<double, std::milli>(latency).count();
  CallCounter(route, status.code())->Increment();
  route.duration->ObserveDuration(latency);

  const auto level = IsCallerError(status.code()) ? spdlog::level::info : spdlog::level::warn;
  if (logger_->Enabled(level)) {
    nlohmann::json fields = {{"rpc", mapping.rpc},
                             {"grpcCode", code},
                             {"attempts", report.attempts},
                             {"latencyMs", latency_ms}};
    if (!call->webhook_id.empty()) fields["webhookId"] = call->webhook_id;
    if (call->trace) {
      fields["traceId"] = call->trace->trace_id;
      fields["spanId"] = call->trace->span_id;
    }
    // What the idempotency key did; never the key itself (a caller's identifier, kept out of logs
    // like request headers and bodies).
    if (call->idempotency_outcome != nullptr) fields["idempotency"] = call->idempotency_outcome;
    if (report.http_status != 0) fields["httpStatus"] = report.http_status;
    if (report.genauth_status != 0) fields["genauthStatus"] = report.genauth_status;
    if (!report.api_code.empty()) fields["apiCode"] = report.api_code;
    if (!report.request_id.empty()) fields["requestId"] = report.request_id;
    if (report.token_renewed) fields["tokenRenewed"] = true;
    if (!report.stopped_by.empty()) fields["stoppedBy"] = report.stopped_by;
    if (!status.ok()) {
      fields["error"] = std::string(status.message());
      std::string why = errors::ErrorInfoReason(status);
      if (!why.empty()) fields["reason"] = why;
    }
    logger_->Log(level, "rpc", std::move(fields));
  }
}

void UnaryCallHandler::Finish(CallReactor* call, const absl::Status& status,
                              const upstream::CallReport& report,
                              const google::protobuf::Message* response) {
  Record(call, status, report);
  grpc::Status result = ToGrpcStatus(status);
  if (call->key_claimed) {
    // The first call of its key: the answer is kept (or forgotten) for the repeats, which the
    // store may answer right here (those that joined).
    auto answer = std::make_shared<IdempotentAnswer>();
    answer->status = status;
    if (status.ok() && response != nullptr) {
      if (!response->SerializeToString(&answer->response)) {
        result = grpc::Status(grpc::StatusCode::INTERNAL, "the response could not be serialized");
      }
      SetResponseBytes(answer->response, call->response_bytes_);
    }
    const std::string& rpc = call->route->mapping.rpc;
    idempotency_.Finish(rpc, call->idempotency_key, AnswerForRepeats(answer, report, rpc),
                        report.may_have_acted);
  } else if (status.ok() && response != nullptr) {
    bool own_buffer = false;
    result = grpc::SerializationTraits<google::protobuf::Message>::Serialize(
        *response, call->response_bytes_, &own_buffer);
  }
  call->Finish(result);
}

void UnaryCallHandler::FinishWithAnswer(CallReactor* call, const IdempotentAnswer& answer,
                                        const char* how) {
  call->idempotency_outcome = how;
  Record(call, answer.status, upstream::CallReport{});
  if (answer.status.ok()) SetResponseBytes(answer.response, call->response_bytes_);
  call->Finish(ToGrpcStatus(answer.status));
}

void UnaryCallHandler::LeaveJoin(CallReactor* call, uint64_t waiter) {
  if (!idempotency_.Leave(call->route->mapping.rpc, call->idempotency_key, waiter)) return;
  absl::Status status = absl::CancelledError(
      "the caller went away while waiting for the first call with its idempotency key");
  Finish(call, status, upstream::CallReport{}, nullptr);
}

bool UnaryCallHandler::ClaimIdempotencyKey(CallReactor* call, grpc::CallbackServerContext* context,
                                           const upstream::UpstreamCall& upstream_call) {
  const Route& route = *call->route;
  // Calls without side effects are safe to repeat: a key on them is ignored.
  if (route.mapping.idempotency != retry::Idempotency::kSideEffects || !idempotency_.enabled()) {
    return true;
  }
  const auto& metadata = context->client_metadata();
  auto [first, last] = metadata.equal_range(kIdempotencyKeyMetadata);
  if (first == last) return true;
  const std::string_view key(first->second.data(), first->second.size());
  if (std::next(first) != last || key.empty() || key.size() > kMaxIdempotencyKeyLength) {
    absl::Status invalid =
        absl::InvalidArgumentError("idempotency-key must be sent at most once, with 1 to " +
                                   std::to_string(kMaxIdempotencyKeyLength) + " characters");
    errors::SetErrorInfo(invalid, errors::reason::kInvalidRequest,
                         {{"field", kIdempotencyKeyMetadata}});
    Finish(call, invalid, upstream::CallReport{}, nullptr);
    return false;
  }
  call->idempotency_key = std::string(key);
  const std::string& rpc = route.mapping.rpc;
  IdempotencyStore::Claim claim =
      idempotency_.Begin(rpc, call->idempotency_key, RequestFingerprint(upstream_call),
                         [this, call](std::shared_ptr<const IdempotentAnswer> answer) {
                           FinishWithAnswer(call, *answer, "joined");
                         });
  switch (claim.kind) {
    case IdempotencyStore::Claim::Kind::kFirst:
      call->key_claimed = true;
      call->idempotency_outcome = "first";
      return true;
    case IdempotencyStore::Claim::Kind::kReplay:
      FinishWithAnswer(call, *claim.answer, "replayed");
      return false;
    case IdempotencyStore::Claim::Kind::kJoined: {
      // Answered by the first call's Finish, or here when the caller has already gone.
      if (call->SetJoined(claim.waiter_id)) {
        LeaveJoin(call, claim.waiter_id);
        return false;
      }
      // gRPC ends the wait at the caller's own deadline (OnCancel). The sidecar's bound — a call
      // without a deadline, or one capped at SIDECAR_DEFAULT_TIMEOUT — is a loop timer, which
      // touches the call only when it is still waiting (and so still alive).
      if (context->deadline() == std::chrono::system_clock::time_point::max() ||
          options_.cap_caller_deadline) {
        client_->RunAt(DeadlineFor(*context), [this, call, rpc, key = call->idempotency_key,
                                               waiter = claim.waiter_id] {
          if (!idempotency_.Leave(rpc, key, waiter)) return;
          absl::Status late = absl::DeadlineExceededError(
              "the deadline passed while waiting for the first call with this idempotency key");
          errors::SetErrorInfo(late, errors::reason::kUpstreamTimeout);
          Finish(call, late, upstream::CallReport{}, nullptr);
        });
      }
      return false;
    }
    case IdempotencyStore::Claim::Kind::kConflict: {
      call->idempotency_outcome = "conflict";
      absl::Status conflict = absl::InvalidArgumentError(
          "idempotency-key was already used for a different " + rpc +
          " request; a key stands for one request (use a new key for a new request)");
      errors::SetErrorInfo(conflict, errors::reason::kIdempotencyKeyConflict, {{"rpc", rpc}});
      Finish(call, conflict, upstream::CallReport{}, nullptr);
      return false;
    }
    case IdempotencyStore::Claim::Kind::kFull: {
      absl::Status full = absl::ResourceExhaustedError(
          "the sidecar holds as many idempotency keys of calls in progress as it may "
          "(SIDECAR_IDEMPOTENCY_MAX_KEYS, SIDECAR_IDEMPOTENCY_MAX_BYTES); retry later");
      errors::SetErrorInfo(full, errors::reason::kOverloaded);
      errors::SetRetryInfo(full, kOverloadRetryAfter);
      Finish(call, full, upstream::CallReport{}, nullptr);
      return false;
    }
  }
  return true;
}

}  // namespace genauth::service
