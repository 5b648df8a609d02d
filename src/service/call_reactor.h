// One call's gRPC reactor and everything the call owns, from Handle to the last event that needs
// it. Internal to the call handler (unary_call_handler.cc, idempotent_calls.cc).
//
// Lifetime: the object has holders — gRPC (until OnDone), Handle while it hands the upstream call
// over, and, for the first call of an idempotency key, the upstream call's `done`. The last one
// to let go deletes it. A first call of a key whose caller leaves is *carried on*: the caller is
// answered at once, and the upstream call goes on to GenAuth's answer, which the key keeps for
// its repeats; the reactor outlives OnDone until then (its response buffer does not: gRPC owns
// that, so a carried-on call never writes it).
//
// Who answers the caller is decided once, under the reactor's lock: the upstream call's end
// (ClaimAnswer) or the caller leaving (OnCancel, SetUpstream) — whichever comes first.
#pragma once

#include <atomic>
#include <mutex>
#include <optional>
#include <string>

#include "grpcpp/grpcpp.h"
#include "observability/trace_context.h"
#include "service/unary_call_handler.h"

namespace genauth::service {

class UnaryCallHandler::CallReactor final : public grpc::ServerUnaryReactor {
 public:
  CallReactor(UnaryCallHandler* handler, grpc::ByteBuffer* response_bytes)
      : handler_(handler), response_bytes_(response_bytes) {}

  // gRPC's thread: the caller cancelled or its deadline passed. The upstream call (if any) is
  // aborted on the loop, which then finishes this call with CANCELLED — unless it is the first
  // call of an idempotency key, which is carried on instead. A call waiting for the first call
  // of its key stops waiting and is answered CANCELLED (unless the first call's answer came
  // first).
  void OnCancel() override;
  void OnDone() override { Release(); }

  // One more holder (see above); each Hold is matched by one Release.
  void Hold() { holders_.fetch_add(1, std::memory_order_relaxed); }
  void Release() {
    if (holders_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

  // Hands the upstream call's handle over; when the caller has already gone, the call is
  // cancelled (or carried on) at once.
  void SetUpstream(upstream::GenAuthClient::CallHandle handle);

  // The upstream call has ended: true when this call answers its caller, false when the caller
  // left and the call was carried on (it is then answered already).
  bool ClaimAnswer();

  // Records that the call waits for the first call of its key. True when the caller has already
  // gone: the handler must then leave at once.
  bool SetJoined(uint64_t waiter);

  grpc::ByteBuffer* response_bytes() const { return response_bytes_; }

  const Route* route = nullptr;
  common::TimePoint started;
  // When the caller stops waiting: its deadline, or the sidecar's default.
  common::TimePoint caller_deadline;
  std::string webhook_id;                         // the subject of the call, for its log line
  std::optional<observability::CallTrace> trace;  // set when the call has a trace context
  std::string idempotency_key;                    // the caller's, when used for this call
  bool key_claimed = false;  // the first call of idempotency_key: finishes the key
  // What the key did, for the log line: "first", "replayed", "joined", "conflict"; or null.
  const char* idempotency_outcome = nullptr;
  size_t charge = 0;  // bytes held against the admission budget; 0 when not admitted

 private:
  ~CallReactor() override = default;  // only by Release

  // With mu_ held, the caller gone and an upstream call to stop: carries the call on when it is
  // the first of its key and the handler allows it; otherwise cancels the upstream call. True
  // when carried on (the caller must then be answered, outside the lock).
  bool StopOrCarryOnLocked();

  UnaryCallHandler* const handler_;
  grpc::ByteBuffer* const response_bytes_;
  std::atomic<int> holders_{1};  // gRPC's, until OnDone

  std::mutex mu_;
  bool cancelled_ = false;                        // guarded by mu_
  bool answered_ = false;                         // guarded by mu_: the caller's answer is decided
  upstream::GenAuthClient::CallHandle upstream_;  // guarded by mu_
  uint64_t join_waiter_ = 0;                      // guarded by mu_; 0 when not joined
};

}  // namespace genauth::service
