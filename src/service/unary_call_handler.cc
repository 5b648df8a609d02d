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
#include "service/call_reactor.h"
#include "service/grpc_status.h"
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

// The one value of a metadata key; nullopt when absent or sent more than once.
std::optional<std::string_view> SingleMetadataValue(
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata, const char* key) {
  auto [first, last] = metadata.equal_range(key);
  if (first == last || std::next(first) != last) return std::nullopt;
  return std::string_view(first->second.data(), first->second.size());
}

}  // namespace

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
      in_flight_(metrics->GetGauge(
          "genauth_sidecar_calls_in_flight", {},
          "Calls accepted whose work is not done: not yet answered, or carried on for an "
          "idempotency key after the caller left")),
      bytes_in_flight_(metrics->GetGauge(
          "genauth_sidecar_request_bytes_in_flight", {},
          "Memory charged to the calls in flight: their requests while transcoded, then their "
          "JSON bodies")),
      shed_(metrics->GetCounter("genauth_sidecar_calls_shed_total", {},
                                "Calls refused at once because the calls in flight or the request "
                                "bytes they hold were at their bounds")),
      idempotency_(options.idempotency, clock, metrics),
      carried_on_total_(metrics->GetCounter(
          "genauth_sidecar_idempotency_carried_on_total", {},
          "First calls of idempotency keys whose callers left before GenAuth answered, carried "
          "on to GenAuth's answer for the keys' repeats")) {
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
    // tracestate only counts beside a traceparent: a call without one pays a single lookup.
    const auto& metadata = context->client_metadata();
    const std::optional<std::string_view> traceparent =
        SingleMetadataValue(metadata, "traceparent");
    call->trace = observability::TraceForCall(
        traceparent, traceparent ? SingleMetadataValue(metadata, "tracestate") : std::nullopt,
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
  // The first call of an idempotency key may outlive its caller (carried on, call_reactor.h): its
  // GenAuth work gets at least the sidecar's default timeout, and `done` holds the reactor.
  common::TimePoint deadline = DeadlineFor(*context);
  call->caller_deadline = deadline;
  const bool keyed = call->key_claimed;
  if (keyed) {
    deadline = std::max(deadline, call->started + options_.default_timeout);
    call->Hold();
  }
  call->Hold();  // until the handle is handed over: `done` may run before Start returns
  upstream::GenAuthClient::CallHandle handle =
      client_->Start(*std::move(upstream_call), deadline,
                     [this, call, keyed](absl::StatusOr<nlohmann::json> data,
                                         const upstream::CallReport& done_report) {
                       OnUpstreamDone(call, std::move(data), done_report);
                       if (keyed) call->Release();
                     });
  call->SetUpstream(std::move(handle));
  call->Release();
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

void UnaryCallHandler::ReleaseCharge(CallReactor* call) {
  if (call->charge == 0) return;
  admission_.Release(call->charge);
  in_flight_->Add(-1);
  bytes_in_flight_->Add(-static_cast<int64_t>(call->charge));
  call->charge = 0;
}

void UnaryCallHandler::Record(CallReactor* call, const absl::Status& status,
                              const upstream::CallReport& report, Answered answered) {
  const Route& route = *call->route;
  const RestMapping& mapping = route.mapping;
  const char* code = GrpcCodeName(status.code());
  const common::Duration latency = clock_->Now() - call->started;
  const double latency_ms = std::chrono::duration<double, std::milli>(latency).count();
  // The call metrics count answers to callers; a carried-on call was counted when its caller
  // left (its end is in the upstream and idempotency metrics).
  if (answered == Answered::kCaller) {
    CallCounter(route, status.code())->Increment();
    route.duration->ObserveDuration(latency);
  }

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
    if (answered == Answered::kKeyOnly) {
      fields["idempotency"] = "carried-on";
    } else if (call->idempotency_outcome != nullptr) {
      fields["idempotency"] = call->idempotency_outcome;
    }
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
  if (call->key_claimed) {
    FinishFirstCall(call, status, report, response);
    return;
  }
  // Given back first: once the caller has its answer, a scrape must not count the call any more.
  ReleaseCharge(call);
  Record(call, status, report, Answered::kCaller);
  grpc::Status result = ToGrpcStatus(status);
  if (status.ok() && response != nullptr) {
    bool own_buffer = false;
    result = grpc::SerializationTraits<google::protobuf::Message>::Serialize(
        *response, call->response_bytes(), &own_buffer);
  }
  call->Finish(result);
}

}  // namespace genauth::service
