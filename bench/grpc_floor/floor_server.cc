// The callback-API and completion-queue-API floor servers (see floor_server.h).
#include "grpc_floor/floor_server.h"

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "genauth/management/v1/webhook.grpc.pb.h"
#include "grpc_floor/floor_replies.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"

namespace genauth::bench {
namespace {

using Webhooks = genauth::management::v1::WebhookService;

// Calls each completion queue keeps requested per method, so that calls arriving together find
// one waiting instead of queueing inside gRPC until the next request.
constexpr int kRequestedPerMethod = 16;

constexpr auto kShutdownGrace = std::chrono::seconds(1);

// The builder settings both APIs share; `queues` (CQ API) receives one queue per thread.
std::unique_ptr<grpc::Server> Build(
    const FloorOptions& options, grpc::Service* service,
    std::vector<std::unique_ptr<grpc::ServerCompletionQueue>>* queues, int* port) {
  if (options.health_and_reflection) {
    grpc::EnableDefaultHealthCheckService(true);
    grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  }
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen_address, grpc::InsecureServerCredentials(), port);
  builder.RegisterService(service);
  if (queues != nullptr) {
    for (int i = 0; i < options.cq_threads; ++i) queues->push_back(builder.AddCompletionQueue());
  }
  return builder.BuildAndStart();
}

// --- callback API -------------------------------------------------------------------------------

// Raw callback methods for the three served RPCs over the generated callback service, whose
// other methods answer UNIMPLEMENTED. Every method is a callback one: no sync thread pool.
using RawCallbackBase =
    Webhooks::WithRawCallbackMethod_TriggerWebhook<Webhooks::WithRawCallbackMethod_GetWebhook<
        Webhooks::WithRawCallbackMethod_ListWebhooks<Webhooks::CallbackService>>>;

class CallbackFloorService final : public RawCallbackBase {
 public:
  // `replies` and `calls` must outlive the service.
  CallbackFloorService(const FloorReplies* replies, std::atomic<uint64_t>* calls)
      : replies_(replies), calls_(calls) {}

  grpc::ServerUnaryReactor* TriggerWebhook(grpc::CallbackServerContext* context,
                                           const grpc::ByteBuffer* /*request*/,
                                           grpc::ByteBuffer* response) override {
    return Answer(context, replies_->trigger, response);
  }
  grpc::ServerUnaryReactor* GetWebhook(grpc::CallbackServerContext* context,
                                       const grpc::ByteBuffer* /*request*/,
                                       grpc::ByteBuffer* response) override {
    return Answer(context, replies_->get, response);
  }
  grpc::ServerUnaryReactor* ListWebhooks(grpc::CallbackServerContext* context,
                                         const grpc::ByteBuffer* /*request*/,
                                         grpc::ByteBuffer* response) override {
    return Answer(context, replies_->list, response);
  }

 private:
  // Answers on the calling (gRPC) thread: the reply is a reference to the prebuilt slices.
  grpc::ServerUnaryReactor* Answer(grpc::CallbackServerContext* context,
                                   const grpc::ByteBuffer& reply, grpc::ByteBuffer* response) {
    calls_->fetch_add(1, std::memory_order_relaxed);
    *response = reply;
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  const FloorReplies* const replies_;
  std::atomic<uint64_t>* const calls_;
};

class CallbackFloorServer final : public FloorServer {
 public:
  explicit CallbackFloorServer(size_t echo_bytes)
      : replies_(BuildFloorReplies(echo_bytes)), service_(&replies_, &calls_) {}
  ~CallbackFloorServer() override { Shutdown(); }

  bool Start(const FloorOptions& options) {
    server_ = Build(options, &service_, nullptr, &port_);
    return server_ != nullptr;
  }
  int port() const override { return port_; }
  uint64_t calls() const override { return calls_.load(std::memory_order_relaxed); }
  void Shutdown() override {
    if (server_ == nullptr) return;
    server_->Shutdown(std::chrono::system_clock::now() + kShutdownGrace);
    server_.reset();
  }

 private:
  const FloorReplies replies_;
  std::atomic<uint64_t> calls_{0};
  CallbackFloorService service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

// --- completion-queue API -----------------------------------------------------------------------

// Raw async methods for the three served RPCs; the generated AsyncService marks the other five
// async too (never requested), so that no method is synchronous and no sync thread pool runs.
using RawAsyncService = Webhooks::WithRawMethod_TriggerWebhook<Webhooks::WithRawMethod_GetWebhook<
    Webhooks::WithRawMethod_ListWebhooks<Webhooks::AsyncService>>>;

enum class Method { kTrigger, kGet, kList };
constexpr Method kMethods[] = {Method::kTrigger, Method::kGet, Method::kList};

class CqFloorServer;

// One queue and the thread that drains it. `mu` orders requesting new calls against shutdown:
// a call may only be requested on a queue that is not shut down.
struct Lane {
  std::unique_ptr<grpc::ServerCompletionQueue> queue;
  std::mutex mu;
  bool closing = false;  // guarded by mu
  std::thread thread;
};

// One requested call, from being requested until its reply is sent; its address is its tag for
// both steps. Owned by itself: deleted when the reply is sent or the request is cancelled.
class CqCall {
 public:
  CqCall(CqFloorServer* server, Lane* lane, Method method)
      : server_(server), lane_(lane), method_(method), responder_(&context_) {}

  // Asks gRPC for the next call of this method on this lane (lane->mu held, lane open).
  void Request(RawAsyncService* service);
  // Called by the lane's thread with the tag's outcome.
  void Proceed(bool ok);

 private:
  CqFloorServer* const server_;
  Lane* const lane_;
  const Method method_;
  bool replying_ = false;
  grpc::ServerContext context_;
  grpc::ByteBuffer request_;
  grpc::ServerAsyncResponseWriter<grpc::ByteBuffer> responder_;
};

class CqFloorServer final : public FloorServer {
 public:
  explicit CqFloorServer(size_t echo_bytes) : replies_(BuildFloorReplies(echo_bytes)) {}
  ~CqFloorServer() override { Shutdown(); }

  bool Start(const FloorOptions& options) {
    std::vector<std::unique_ptr<grpc::ServerCompletionQueue>> queues;
    server_ = Build(options, &service_, &queues, &port_);
    if (server_ == nullptr) return false;
    for (auto& queue : queues) {
      auto lane = std::make_unique<Lane>();
      lane->queue = std::move(queue);
      {
        std::lock_guard<std::mutex> lock(lane->mu);
        for (Method method : kMethods) {
          for (int i = 0; i < kRequestedPerMethod; ++i) RequestLocked(lane.get(), method);
        }
      }
      Lane* raw = lane.get();
      lane->thread = std::thread([raw] { Drain(raw); });
      lanes_.push_back(std::move(lane));
    }
    return true;
  }
  int port() const override { return port_; }
  uint64_t calls() const override { return calls_.load(std::memory_order_relaxed); }
  void Shutdown() override {
    if (server_ == nullptr) return;
    for (auto& lane : lanes_) {
      std::lock_guard<std::mutex> lock(lane->mu);
      lane->closing = true;
    }
    // Fails the calls still requested (their tags come back not ok) and ends those in flight.
    server_->Shutdown(std::chrono::system_clock::now() + kShutdownGrace);
    for (auto& lane : lanes_) lane->queue->Shutdown();
    for (auto& lane : lanes_) lane->thread.join();
    server_.reset();
  }

  // Keeps the number of requested calls constant: one new request per call received.
  void RequestAnother(Lane* lane, Method method) {
    std::lock_guard<std::mutex> lock(lane->mu);
    if (!lane->closing) RequestLocked(lane, method);
  }
  const grpc::ByteBuffer& Reply(Method method) {
    calls_.fetch_add(1, std::memory_order_relaxed);
    switch (method) {
      case Method::kTrigger:
        return replies_.trigger;
      case Method::kGet:
        return replies_.get;
      case Method::kList:
        break;
    }
    return replies_.list;
  }

 private:
  void RequestLocked(Lane* lane, Method method) {
    (new CqCall(this, lane, method))->Request(&service_);
  }
  static void Drain(Lane* lane) {
    void* tag = nullptr;
    bool ok = false;
    while (lane->queue->Next(&tag, &ok)) static_cast<CqCall*>(tag)->Proceed(ok);
  }

  const FloorReplies replies_;
  std::atomic<uint64_t> calls_{0};
  RawAsyncService service_;
  std::unique_ptr<grpc::Server> server_;
  std::vector<std::unique_ptr<Lane>> lanes_;
  int port_ = 0;
};

void CqCall::Request(RawAsyncService* service) {
  grpc::ServerCompletionQueue* queue = lane_->queue.get();
  switch (method_) {
    case Method::kTrigger:
      service->RequestTriggerWebhook(&context_, &request_, &responder_, queue, queue, this);
      break;
    case Method::kGet:
      service->RequestGetWebhook(&context_, &request_, &responder_, queue, queue, this);
      break;
    case Method::kList:
      service->RequestListWebhooks(&context_, &request_, &responder_, queue, queue, this);
      break;
  }
}

void CqCall::Proceed(bool ok) {
  if (replying_ || !ok) {  // reply sent (or not: the caller left), or the server shut down
    delete this;
    return;
  }
  server_->RequestAnother(lane_, method_);
  replying_ = true;
  responder_.Finish(server_->Reply(method_), grpc::Status::OK, this);
}

}  // namespace

std::unique_ptr<FloorServer> StartFloorServer(const FloorOptions& options, std::string* error) {
  bool started = false;
  std::unique_ptr<FloorServer> server;
  if (options.api == FloorApi::kCallback) {
    auto callback = std::make_unique<CallbackFloorServer>(options.echo_bytes);
    started = callback->Start(options);
    server = std::move(callback);
  } else {
    auto cq = std::make_unique<CqFloorServer>(options.echo_bytes);
    started = cq->Start(options);
    server = std::move(cq);
  }
  if (!started) {
    *error = "could not listen on " + options.listen_address;
    return nullptr;
  }
  return server;
}

}  // namespace genauth::bench
