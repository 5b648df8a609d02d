// A retry budget: retries are allowed only while they stay a fixed fraction of recent calls, plus
// a small floor so that a quiet sidecar can still retry. When GenAuth fails every request, the
// attempts it sees are then at most (1 + ratio) times the calls made — ~1.2x with the default —
// instead of max_attempts times (Envoy's retry budgets; gRPC's retry throttling has the same aim).
//
// Counts live in a ring of one-second-ish slots covering `window`; old slots are dropped as time
// moves on, so a burst of failures long ago does not keep retries refused. Thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>

#include "absl/status/status.h"
#include "common/clock.h"

namespace genauth::retry {

struct RetryBudgetOptions {
  double ratio = 0.2;    // retries allowed per call started in the window (0 = only the floor)
  int min_retries = 10;  // retries allowed in any window, calls or not
  common::Duration window = std::chrono::seconds(10);

  absl::Status Validate() const;
};

class RetryBudget {
 public:
  RetryBudget(RetryBudgetOptions options, common::Clock* clock);

  // A call started (its first attempt). Retries are budgeted against these.
  void RecordCall();
  // Whether one more retry fits in the budget; if so it is counted as spent.
  bool TrySpendRetry();

 private:
  static constexpr size_t kSlots = 10;
  struct Slot {
    int64_t epoch = -1;  // which slot-length period of time the counts belong to
    int64_t calls = 0;
    int64_t retries = 0;
  };
  // The current slot, after clearing slots whose period has left the window. Caller holds mu_.
  Slot& CurrentSlot();

  const RetryBudgetOptions options_;
  const common::Duration slot_length_;
  common::Clock* const clock_;
  std::mutex mu_;
  std::array<Slot, kSlots> slots_{};
};

}  // namespace genauth::retry
