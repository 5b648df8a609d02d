// Idempotency keys on the call path (see unary_call_handler.h and idempotency_store.h): claiming
// a key, answering repeats, and carrying a first call on when its caller leaves.
#include <algorithm>
#include <iterator>
#include <utility>

#include "errors/error_details.h"
#include "google/protobuf/message.h"
#include "service/call_reactor.h"
#include "service/grpc_status.h"
#include "service/request_fingerprint.h"
#include "service/unary_call_handler.h"

namespace genauth::service {
namespace {

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

void UnaryCallHandler::FinishWithAnswer(CallReactor* call, const IdempotentAnswer& answer,
                                        const char* how) {
  call->idempotency_outcome = how;
  ReleaseCharge(call);
  Record(call, answer.status, upstream::CallReport{}, Answered::kCaller);
  if (answer.status.ok()) SetResponseBytes(answer.response, call->response_bytes());
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
                         [this, call](const std::shared_ptr<const IdempotentAnswer>& answer) {
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

void UnaryCallHandler::FinishFirstCall(CallReactor* call, const absl::Status& status,
                                       const upstream::CallReport& report,
                                       const google::protobuf::Message* response) {
  // Decided once: the caller is answered here unless it left and the call was carried on.
  const bool to_caller = call->ClaimAnswer();
  // Given back before the caller has its answer, or — carried on — once the key has it, so that
  // a call no longer counted in flight has its answer kept and its line logged.
  if (to_caller) ReleaseCharge(call);
  Record(call, status, report, to_caller ? Answered::kCaller : Answered::kKeyOnly);
  grpc::Status result = ToGrpcStatus(status);
  // The answer is kept (or forgotten) for the repeats, which the store may answer right here
  // (those that joined).
  auto answer = std::make_shared<IdempotentAnswer>();
  answer->status = status;
  if (status.ok() && response != nullptr) {
    if (!response->SerializeToString(&answer->response)) {
      result = grpc::Status(grpc::StatusCode::INTERNAL, "the response could not be serialized");
    }
    if (to_caller) SetResponseBytes(answer->response, call->response_bytes());
  }
  const std::string& rpc = call->route->mapping.rpc;
  idempotency_.Finish(rpc, call->idempotency_key, AnswerForRepeats(answer, report, rpc),
                      report.may_have_acted);
  if (to_caller) {
    call->Finish(result);
    return;
  }
  ReleaseCharge(call);
  std::lock_guard<std::mutex> lock(carried_on_mu_);
  carried_on_.erase(call);
}

bool UnaryCallHandler::TryCarryOn(CallReactor* call,
                                  const upstream::GenAuthClient::CallHandle& upstream) {
  std::lock_guard<std::mutex> lock(carried_on_mu_);
  if (!carrying_on_) return false;
  carried_on_.emplace(call, upstream);
  carried_on_total_->Increment();
  return true;
}

void UnaryCallHandler::AnswerLeavingCaller(CallReactor* call) {
  // The caller no longer listens; this answer is for the log line and the call metrics. The
  // call keeps its admission charge until GenAuth answers: its work is still in flight.
  // gRPC ends a call at its calendar deadline, the sidecar measures on the monotonic clock: a
  // little slack keeps the log line from calling a deadline a cancellation.
  const bool late = clock_->Now() + std::chrono::milliseconds(20) >= call->caller_deadline;
  const std::string why =
      "; the first call of its idempotency key carries on to GenAuth's answer, which its repeats "
      "get";
  absl::Status status = late ? absl::DeadlineExceededError("the caller's deadline passed" + why)
                             : absl::CancelledError("the caller cancelled" + why);
  Record(call, status, upstream::CallReport{}, Answered::kCaller);
  call->Finish(ToGrpcStatus(status));
}

void UnaryCallHandler::StopCarryingOn() {
  std::lock_guard<std::mutex> lock(carried_on_mu_);
  carrying_on_ = false;
  // Each ends on the loop (CANCELLED), which takes it out of carried_on_ (FinishFirstCall).
  for (const auto& [call, upstream] : carried_on_) client_->Cancel(upstream);
}

size_t UnaryCallHandler::carried_on() const {
  std::lock_guard<std::mutex> lock(carried_on_mu_);
  return carried_on_.size();
}

}  // namespace genauth::service
