// One call's reactor (see call_reactor.h).
#include "service/call_reactor.h"

#include <utility>

namespace genauth::service {

void UnaryCallHandler::CallReactor::OnCancel() {
  uint64_t waiter = 0;
  bool carried_on = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    cancelled_ = true;
    if (upstream_ && !answered_) carried_on = StopOrCarryOnLocked();
    waiter = join_waiter_;
  }
  if (carried_on) handler_->AnswerLeavingCaller(this);
  if (waiter != 0) handler_->LeaveJoin(this, waiter);
}

bool UnaryCallHandler::CallReactor::StopOrCarryOnLocked() {
  if (key_claimed && handler_->TryCarryOn(this, upstream_)) {
    answered_ = true;
    return true;
  }
  handler_->client_->Cancel(upstream_);
  return false;
}

void UnaryCallHandler::CallReactor::SetUpstream(upstream::GenAuthClient::CallHandle handle) {
  bool carried_on = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    upstream_ = std::move(handle);
    if (cancelled_ && !answered_) carried_on = StopOrCarryOnLocked();
  }
  if (carried_on) handler_->AnswerLeavingCaller(this);
}

bool UnaryCallHandler::CallReactor::ClaimAnswer() {
  std::lock_guard<std::mutex> lock(mu_);
  if (answered_) return false;
  answered_ = true;
  return true;
}

bool UnaryCallHandler::CallReactor::SetJoined(uint64_t waiter) {
  std::lock_guard<std::mutex> lock(mu_);
  if (cancelled_) return true;
  join_waiter_ = waiter;
  return false;
}

}  // namespace genauth::service
