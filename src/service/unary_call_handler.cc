// The generic unary RPC path (see unary_call_handler.h).
#include "service/unary_call_handler.h"

#include <utility>

#include "grpcpp/impl/codegen/proto_utils.h"
#include "grpcpp/support/proto_buffer_reader.h"
#include "service/grpc_status.h"
#include "service/request_validator.h"
#include "service/transcoder.h"
#include "upstream/error_details.h"

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

}  // namespace

absl::StatusOr<std::unique_ptr<UnaryCallHandler>> UnaryCallHandler::Create(
    const google::protobuf::ServiceDescriptor& service, CallHandlerOptions options,
    upstream::GenAuthClient* client, common::BoundedExecutor* executor, common::Clock* clock,
    std::shared_ptr<const observability::JsonLogger> logger,
    observability::MetricsRegistry* metrics) {
  auto mappings = MappingsForService(service);
  if (!mappings.ok()) return mappings.status();
  std::unique_ptr<UnaryCallHandler> handler(new UnaryCallHandler(
      *mappings, options, client, executor, clock, std::move(logger), metrics));
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
                                   common::BoundedExecutor* executor, common::Clock* clock,
                                   std::shared_ptr<const observability::JsonLogger> logger,
                                   observability::MetricsRegistry* metrics)
    : options_(options),
      client_(client),
      executor_(executor),
      clock_(clock),
      logger_(std::move(logger)),
      metrics_(metrics),
      in_flight_(metrics->GetGauge("genauth_sidecar_calls_in_flight", {},
                                   "Calls accepted and not yet answered")),
      shed_(metrics->GetCounter("genauth_sidecar_calls_shed_total", {},
                                "Calls refused because every worker and queue slot was busy")) {
  for (const auto& [method, mapping] : mappings) {
    Route& route = routes_[method];
    route.duration = metrics->GetHistogram(
        "genauth_sidecar_call_duration_seconds", {{"rpc", mapping.rpc}},
        "Time from receiving a call to answering it, retries and waits included, by RPC",
        observability::LatencySecondsBuckets());
    route.upstream = client->MetricsFor(mapping.rpc);
    route.mapping = mapping;
  }
}

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

// Everything one call owns between parsing its request and finishing its reactor.
struct UnaryCallHandler::Call {
  grpc::ServerUnaryReactor* reactor = nullptr;
  grpc::CallbackServerContext* context = nullptr;
  grpc::ByteBuffer* response_bytes = nullptr;
  const Route* route = nullptr;
  std::unique_ptr<google::protobuf::Message> request;
  std::unique_ptr<google::protobuf::Message> response;
  common::TimePoint started;
};

const RestMapping* UnaryCallHandler::MappingFor(
    const google::protobuf::MethodDescriptor& method) const {
  const Route* route = RouteFor(method);
  return route == nullptr ? nullptr : &route->mapping;
}

grpc::ServerUnaryReactor* UnaryCallHandler::Handle(grpc::CallbackServerContext* context,
                                                   const google::protobuf::MethodDescriptor& method,
                                                   const grpc::ByteBuffer* request,
                                                   grpc::ByteBuffer* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto call = std::make_unique<Call>();
  call->reactor = reactor;
  call->context = context;
  call->response_bytes = response;
  call->started = clock_->Now();
  call->route = RouteFor(method);
  if (call->route == nullptr) {
    reactor->Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                                 "no GenAuth mapping for " + method.full_name()));
    return reactor;
  }
  const Route& route = *call->route;
  auto* factory = google::protobuf::MessageFactory::generated_factory();
  call->request.reset((route.request_prototype != nullptr
                           ? route.request_prototype
                           : factory->GetPrototype(method.input_type()))
                          ->New());
  call->response.reset((route.response_prototype != nullptr
                            ? route.response_prototype
                            : factory->GetPrototype(method.output_type()))
                           ->New());
  upstream::CallReport report;

  // gRPC hands the bytes over; parsing reads them without another copy.
  grpc::ProtoBufferReader reader(const_cast<grpc::ByteBuffer*>(request));
  if (!call->request->ParseFromZeroCopyStream(&reader)) {
    absl::Status status = absl::InvalidArgumentError("the request is not a valid " +
                                                     method.input_type()->full_name());
    upstream::SetErrorInfo(status, upstream::reason::kInvalidRequest);
    Finish(std::move(call), status, report);
    return reactor;
  }
  if (!accepting_.load()) {
    absl::Status status = absl::UnavailableError("the sidecar is shutting down");
    upstream::SetErrorInfo(status, upstream::reason::kShuttingDown);
    Finish(std::move(call), status, report);
    return reactor;
  }
  // Bad input costs no worker and no upstream call.
  if (absl::Status invalid = ValidateRequest(*call->request); !invalid.ok()) {
    Finish(std::move(call), invalid, report);
    return reactor;
  }

  const common::TimePoint deadline = DeadlineFor(*context);
  in_flight_->Add(1);
  // The task owns the call; if the executor refuses the task, ownership comes back here.
  auto shared = std::make_shared<std::unique_ptr<Call>>(std::move(call));
  bool queued = executor_->TrySubmit([this, shared, deadline]() {
    std::unique_ptr<Call> owned = std::move(*shared);
    upstream::CallReport call_report;
    absl::Status status;
    if (owned->context->IsCancelled()) {
      status = absl::CancelledError("the caller cancelled the call before it reached GenAuth");
    } else {
      status =
          Execute(*owned->route, *owned->request, owned->response.get(), deadline, &call_report);
    }
    // Before Finish: once the caller has its answer, a scrape must not count the call any more.
    in_flight_->Add(-1);
    Finish(std::move(owned), status, call_report);
  });
  if (!queued) {
    in_flight_->Add(-1);
    shed_->Increment();
    absl::Status status =
        absl::ResourceExhaustedError("the sidecar is at its concurrency limit; retry later");
    upstream::SetErrorInfo(status, upstream::reason::kOverloaded);
    Finish(std::move(*shared), status, report);
  }
  return reactor;
}

absl::Status UnaryCallHandler::Execute(const Route& route, const google::protobuf::Message& request,
                                       google::protobuf::Message* response,
                                       common::TimePoint deadline, upstream::CallReport* report) {
  auto call = BuildUpstreamCall(route.mapping, request);
  if (!call.ok()) return call.status();
  call->metrics = route.upstream;
  auto data = client_->Call(*call, deadline, report);
  if (!data.ok()) return data.status();
  if (data->is_null() && route.mapping.idempotency == retry::Idempotency::kIdempotent) {
    // A read that returns nothing cannot be answered. (A write without data is still a success:
    // GenAuth said statusCode 200, and an error would invite a repeat that does it twice.)
    absl::Status status = absl::UnavailableError("GenAuth's reply has statusCode 200 but no data");
    upstream::SetErrorInfo(status, upstream::reason::kUpstreamMalformedReply);
    return status;
  }
  return FillResponse(*data, response);
}

void UnaryCallHandler::Finish(std::unique_ptr<Call> call, const absl::Status& status,
                              const upstream::CallReport& report) {
  const Route& route = *call->route;
  const RestMapping& mapping = route.mapping;
  const google::protobuf::Message& request = *call->request;
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
    // The subject of the call, when the request names one (never bodies or headers).
    const auto* id_field = request.GetDescriptor()->FindFieldByName("webhook_id");
    if (id_field != nullptr && id_field->type() == google::protobuf::FieldDescriptor::TYPE_STRING &&
        !id_field->is_repeated()) {
      fields["webhookId"] = request.GetReflection()->GetString(request, id_field);
    }
    if (report.http_status != 0) fields["httpStatus"] = report.http_status;
    if (report.genauth_status != 0) fields["genauthStatus"] = report.genauth_status;
    if (!report.api_code.empty()) fields["apiCode"] = report.api_code;
    if (!report.request_id.empty()) fields["requestId"] = report.request_id;
    if (report.token_renewed) fields["tokenRenewed"] = true;
    if (!report.stopped_by.empty()) fields["stoppedBy"] = report.stopped_by;
    if (!status.ok()) {
      fields["error"] = std::string(status.message());
      std::string why = upstream::ErrorInfoReason(status);
      if (!why.empty()) fields["reason"] = why;
    }
    logger_->Log(level, "rpc", std::move(fields));
  }
  grpc::Status result = ToGrpcStatus(status);
  if (status.ok()) {
    bool own_buffer = false;
    result = grpc::SerializationTraits<google::protobuf::Message>::Serialize(
        *call->response, call->response_bytes, &own_buffer);
  }
  call->reactor->Finish(result);
}

}  // namespace genauth::service
