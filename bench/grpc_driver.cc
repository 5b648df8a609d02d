// Asynchronous unary calls on the generated stub (see grpc_driver.h).
#include "grpc_driver.h"

#include <unistd.h>

#include <cstdio>
#include <utility>

#include "service/grpc_status.h"

namespace genauth::bench {
namespace {

namespace v1 = genauth::management::v1;

// A call in flight; its address is the completion queue tag. Deleted by the poller.
struct PendingCall {
  virtual ~PendingCall() = default;
  CallSpec spec;
  grpc::ClientContext context;
  grpc::Status status;
};

template <class Response>
struct TypedCall final : PendingCall {
  Response response;
  std::unique_ptr<grpc::ClientAsyncResponseReader<Response>> reader;
};

// A valid W3C traceparent whose trace id is derived from the call's index (never all zero).
std::string TraceParentFor(uint64_t index) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "00-%016llx%016llx-00f067aa0ba902b7-01",
                static_cast<unsigned long long>(0x4bf92f3577b34da6ULL),
                static_cast<unsigned long long>(index + 1));
  return buffer;
}

// `prepare` is the stub's PrepareAsync<Method>. The request is serialized before this returns,
// so one shared request message serves every call.
template <class Response, class Request, class Prepare>
void StartCall(const CallSpec& spec, const Request& request, const GrpcDriverOptions& options,
               const std::string& run_id, grpc::CompletionQueue* queue, Prepare prepare) {
  auto* call = new TypedCall<Response>();
  call->spec = spec;
  call->context.set_deadline(std::chrono::system_clock::now() + options.timeout);
  if (options.idempotency_keys) {
    call->context.AddMetadata("idempotency-key", run_id + "-" + std::to_string(spec.index));
  }
  if (options.traceparent) call->context.AddMetadata("traceparent", TraceParentFor(spec.index));
  call->reader = prepare(&call->context, request, queue);
  call->reader->StartCall();
  call->reader->Finish(&call->response, &call->status, call);
}

}  // namespace

GrpcDriver::GrpcDriver(const GrpcDriverOptions& options, const Workload* workload,
                       CompletionSink* sink)
    : options_(options),
      workload_(workload),
      sink_(sink),
      run_id_("loadgen-" + std::to_string(getpid()) + "-" +
              std::to_string(std::chrono::system_clock::now().time_since_epoch().count())) {
  for (int i = 0; i < std::max(1, options_.channels); ++i) {
    auto lane = std::make_unique<Lane>();
    grpc::ChannelArguments args;
    // Distinct channels must not share one subchannel (one TCP connection).
    args.SetInt("genauth.bench.channel", i);
    lane->channel =
        grpc::CreateCustomChannel(options_.target, grpc::InsecureChannelCredentials(), args);
    lane->stub = v1::WebhookService::NewStub(lane->channel);
    Lane* raw = lane.get();
    lane->poller = std::thread([this, raw] { Poll(raw); });
    lanes_.push_back(std::move(lane));
  }
}

GrpcDriver::~GrpcDriver() { Shutdown(); }

bool GrpcDriver::WaitForReady(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::system_clock::now() + timeout;
  for (auto& lane : lanes_) {
    if (!lane->channel->WaitForConnected(deadline)) return false;
  }
  return true;
}

void GrpcDriver::Start(const CallSpec& call) {
  Lane& lane = *lanes_[call.index % lanes_.size()];
  v1::WebhookService::Stub* stub = lane.stub.get();
  switch (call.kind) {
    case RpcKind::kTrigger: {
      v1::TriggerWebhookRequest scratch;  // serialised by StartCall, so it may die after it
      StartCall<v1::TriggerWebhookResponse>(
          call, workload_->TriggerFor(call.index, &scratch), options_, run_id_, &lane.queue,
          [stub](grpc::ClientContext* c, const v1::TriggerWebhookRequest& r,
                 grpc::CompletionQueue* q) { return stub->PrepareAsyncTriggerWebhook(c, r, q); });
      break;
    }
    case RpcKind::kGet:
      StartCall<v1::Webhook>(
          call, workload_->get(), options_, run_id_, &lane.queue,
          [stub](grpc::ClientContext* c, const v1::GetWebhookRequest& r, grpc::CompletionQueue* q) {
            return stub->PrepareAsyncGetWebhook(c, r, q);
          });
      break;
    case RpcKind::kList:
      StartCall<v1::ListWebhooksResponse>(
          call, workload_->list(), options_, run_id_, &lane.queue,
          [stub](grpc::ClientContext* c, const v1::ListWebhooksRequest& r,
                 grpc::CompletionQueue* q) { return stub->PrepareAsyncListWebhooks(c, r, q); });
      break;
  }
}

void GrpcDriver::Poll(Lane* lane) {
  void* tag = nullptr;
  bool ok = false;
  while (lane->queue.Next(&tag, &ok)) {
    // The reply is read and parsed by the time Finish's tag comes back; a client would use it.
    const int64_t completed = NowNanos();
    auto* call = static_cast<PendingCall*>(tag);
    sink_->OnCompleted(
        call->spec, completed,
        service::GrpcCodeName(static_cast<absl::StatusCode>(call->status.error_code())));
    delete call;
  }
}

void GrpcDriver::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  // Calls still in flight end by their deadline at the latest; Next returns them before false.
  for (auto& lane : lanes_) lane->queue.Shutdown();
  for (auto& lane : lanes_) lane->poller.join();
}

}  // namespace genauth::bench
