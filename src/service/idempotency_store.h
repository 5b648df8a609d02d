// Idempotency keys: the answers of keyed calls with side effects, so that a caller's repeat of a
// call (same RPC, same `idempotency-key` metadata, same request) gets the first call's answer
// instead of doing it again — the IETF HTTPAPI "Idempotency-Key" draft and Stripe's behaviour,
// for gRPC metadata.
//
// A key is claimed by the first call (kFirst), which runs and then Finish()es the key with its
// answer. Meanwhile, a repeat joins it (kJoined): its callback — never a blocked thread — runs
// with the first call's answer when Finish() comes, unless the repeat Leave()s first (its caller
// cancelled or its deadline passed). After Finish(), repeats are answered from the store
// (kReplay) until the entry expires `window` after it finished, or is evicted to keep the bounds.
// The same key with another request (another fingerprint) is a conflict (kConflict).
//
// Bounds: at most `max_entries` keys and `max_bytes` of keys plus answers (each entry is charged
// kEntryOverheadBytes as well). Expired entries go first; then, to make room, the finished entries
// that finished longest ago. Keys whose first call is still running are never evicted: when they
// alone fill the store, a new key is refused at once (kFull). An answer larger than `max_bytes`
// by itself is not remembered.
//
// Keys are per store, i.e. per sidecar process: a caller's own repeats through the same sidecar
// are covered; a repeat that reaches another replica's sidecar is not.
//
// Thread-safe. Callbacks run on the thread that calls Finish(), outside the store's lock.
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "common/clock.h"
#include "observability/metrics.h"

namespace genauth::service {

struct IdempotencyOptions {
  size_t max_entries = 50000;  // 0 turns idempotency keys off (they are then ignored)
  size_t max_bytes = size_t{16} << 20;
  common::Duration window = std::chrono::hours(1);  // how long a finished answer is replayed
};

// What a keyed call answered: its status (with details), and its serialized response when OK.
struct IdempotentAnswer {
  absl::Status status;
  std::string response;  // the response message's wire bytes; empty unless status is OK
};

class IdempotencyStore {
 public:
  // Memory charged per entry besides its key, fingerprint and answer: the map and list nodes and
  // the answer's allocation (an estimate, on the safe side).
  static constexpr size_t kEntryOverheadBytes = 256;

  using Waiter = std::function<void(std::shared_ptr<const IdempotentAnswer>)>;

  struct Claim {
    enum class Kind {
      kFirst,     // the caller runs the call and must Finish() the key
      kReplay,    // `answer` is the first call's
      kJoined,    // the first call is running; `waiter` will be called unless Left
      kConflict,  // the key was used with another request
      kFull,      // no room: every entry belongs to a call still running
    };
    Kind kind = Kind::kFirst;
    std::shared_ptr<const IdempotentAnswer> answer;  // kReplay
    uint64_t waiter_id = 0;                          // kJoined, for Leave
  };

  // `clock` and `metrics` must outlive the store.
  IdempotencyStore(IdempotencyOptions options, common::Clock* clock,
                   observability::MetricsRegistry* metrics);
  ~IdempotencyStore();

  bool enabled() const { return options_.max_entries > 0; }
  const IdempotencyOptions& options() const { return options_; }

  // Claims `key` of `rpc` for a request whose fingerprint is `fingerprint`. `on_done` is kept only
  // when the claim is kJoined.
  Claim Begin(const std::string& rpc, const std::string& key, const std::string& fingerprint,
              Waiter on_done);

  // The first call of `key` has ended with `answer`. Every joined waiter gets `answer`; when
  // `remember`, later repeats get it too, else the key is forgotten (the next repeat runs anew).
  void Finish(const std::string& rpc, const std::string& key,
              const std::shared_ptr<const IdempotentAnswer>& answer, bool remember);

  // A joined call gives up waiting. True when its waiter was removed (the caller must then answer
  // its call itself); false when Finish() has already taken it (it runs, or has run).
  bool Leave(const std::string& rpc, const std::string& key, uint64_t waiter_id);

  // For tests and gauges.
  size_t entries() const;
  size_t bytes() const;

 private:
  struct Entry {
    std::string fingerprint;
    bool finished = false;
    std::shared_ptr<const IdempotentAnswer> answer;    // when finished
    std::vector<std::pair<uint64_t, Waiter>> waiters;  // while running
    common::TimePoint expires_at;                      // when finished
    size_t bytes = 0;
    std::list<std::string>::iterator finished_position;  // in finished_order_, when finished
  };

  // Both with mu_ held.
  void DropExpired(common::TimePoint now);
  // Evicts finished entries, oldest first, until one more entry of `extra_bytes` fits (or nothing
  // finished is left). True when it fits.
  bool MakeRoom(size_t extra_entries, size_t extra_bytes);
  void Erase(std::unordered_map<std::string, Entry>::iterator it);

  const IdempotencyOptions options_;
  common::Clock* const clock_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;  // by rpc + '\n' + key; guarded by mu_
  std::list<std::string> finished_order_;           // finished keys, oldest first; guarded by mu_
  size_t bytes_ = 0;                                // guarded by mu_
  uint64_t next_waiter_id_ = 1;                     // guarded by mu_

  observability::Counter* first_ = nullptr;
  observability::Counter* replayed_ = nullptr;
  observability::Counter* joined_ = nullptr;
  observability::Counter* conflicts_ = nullptr;
  observability::Counter* refused_full_ = nullptr;
  observability::Counter* forgotten_ = nullptr;
  observability::Counter* evicted_expired_ = nullptr;
  observability::Counter* evicted_capacity_ = nullptr;
  observability::Counter* evicted_too_large_ = nullptr;
  observability::MetricsRegistry* const metrics_;
};

}  // namespace genauth::service
