// Sliding-window retry budget (see retry_budget.h).
#include "retry/retry_budget.h"

#include <algorithm>
#include <string>

namespace genauth::retry {

absl::Status RetryBudgetOptions::Validate() const {
  if (!(ratio >= 0.0 && ratio <= 10.0)) {
    return absl::InvalidArgumentError("retry budget ratio must be from 0 to 10");
  }
  if (min_retries < 0) return absl::InvalidArgumentError("retry budget floor must be 0 or more");
  if (window < std::chrono::milliseconds(10)) {
    return absl::InvalidArgumentError("retry budget window must be at least 10ms");
  }
  return absl::OkStatus();
}

RetryBudget::RetryBudget(RetryBudgetOptions options, common::Clock* clock)
    : options_(options),
      slot_length_(std::max<common::Duration>(options.window / kSlots, common::Duration(1))),
      clock_(clock) {}

RetryBudget::Slot& RetryBudget::CurrentSlot() {
  const int64_t epoch = clock_->Now().time_since_epoch() / slot_length_;
  Slot& slot = slots_.at(static_cast<size_t>(epoch % static_cast<int64_t>(kSlots)));
  if (slot.epoch != epoch) slot = Slot{epoch, 0, 0};
  return slot;
}

void RetryBudget::RecordCall() {
  std::lock_guard<std::mutex> lock(mu_);
  ++CurrentSlot().calls;
}

bool RetryBudget::TrySpendRetry() {
  std::lock_guard<std::mutex> lock(mu_);
  Slot& current = CurrentSlot();
  const int64_t oldest = current.epoch - static_cast<int64_t>(kSlots) + 1;
  int64_t calls = 0;
  int64_t retries = 0;
  for (const Slot& slot : slots_) {
    if (slot.epoch < oldest) continue;  // left the window (or never used)
    calls += slot.calls;
    retries += slot.retries;
  }
  const double allowed =
      static_cast<double>(options_.min_retries) + options_.ratio * static_cast<double>(calls);
  if (static_cast<double>(retries) + 1.0 > allowed) return false;
  ++current.retries;
  return true;
}

}  // namespace genauth::retry
