// Admission by capacity, not by a queue: a call is taken only while the calls in flight and the
// request bytes they hold stay under their bounds; otherwise it is refused at once (the caller gets
// RESOURCE_EXHAUSTED with a RetryInfo) instead of waiting somewhere it cannot leave before its
// deadline. Lock-free; thread-safe.
#pragma once

#include <atomic>
#include <cstddef>

namespace genauth::service {

struct CallAdmissionOptions {
  size_t max_calls = 4096;              // calls accepted and not yet answered
  size_t max_bytes = 32 * 1024 * 1024;  // memory charged to those calls (see ChargeFor*)
};

// What a call of `request_bytes` (its protobuf size) is charged while its request is parsed and
// transcoded: parsed messages and JSON trees take several times the wire size for a moment.
size_t ChargeWhileTranscoding(size_t request_bytes);
// What it is charged afterwards, while the JSON body waits for GenAuth's answer.
size_t ChargeWhileInFlight(size_t body_bytes);

class CallAdmission {
 public:
  explicit CallAdmission(CallAdmissionOptions options) : options_(options) {}

  enum class Verdict { kAdmitted, kTooManyCalls, kTooManyBytes };
  // Takes one call slot and `bytes`, or nothing when either bound would be passed.
  Verdict TryAdmit(size_t bytes);
  // Changes an admitted call's charge (it only ever shrinks in practice, so it cannot fail).
  void Recharge(size_t from, size_t to);
  // Gives back a call's slot and its charge.
  void Release(size_t bytes);

  size_t calls() const { return calls_.load(std::memory_order_relaxed); }
  size_t bytes() const { return bytes_.load(std::memory_order_relaxed); }
  const CallAdmissionOptions& options() const { return options_; }

 private:
  const CallAdmissionOptions options_;
  std::atomic<size_t> calls_{0};
  std::atomic<size_t> bytes_{0};
};

}  // namespace genauth::service
