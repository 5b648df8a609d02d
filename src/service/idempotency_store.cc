// The idempotency key store (see idempotency_store.h).
#include "service/idempotency_store.h"

#include <optional>
#include <utility>

namespace genauth::service {
namespace {

std::string StoreKey(const std::string& rpc, const std::string& key) { return rpc + "\n" + key; }

size_t AnswerBytes(const IdempotentAnswer& answer) {
  return answer.response.size() + answer.status.message().size();
}

}  // namespace

IdempotencyStore::IdempotencyStore(IdempotencyOptions options, common::Clock* clock,
                                   observability::MetricsRegistry* metrics)
    : options_(options), clock_(clock), metrics_(metrics) {
  const std::string calls_help =
      "Calls with an idempotency key, by what the key did: first (the call ran), replayed (a "
      "finished call's answer), joined (waited for the running first call), conflict (the key "
      "was used with another request), refused (no room for the key)";
  auto calls = [&](const char* outcome) {
    return metrics->GetCounter("genauth_sidecar_idempotency_calls_total", {{"outcome", outcome}},
                               calls_help);
  };
  first_ = calls("first");
  replayed_ = calls("replayed");
  joined_ = calls("joined");
  conflicts_ = calls("conflict");
  refused_full_ = calls("refused");
  forgotten_ = metrics->GetCounter(
      "genauth_sidecar_idempotency_forgotten_total", {},
      "Keys forgotten when their first call ended, because GenAuth provably did not act on it "
      "(a repeat runs anew)");
  const std::string evictions_help =
      "Finished idempotency keys dropped before a repeat could use them, by why: expired (the "
      "window passed), capacity (room for newer keys), too_large (an answer over the byte bound)";
  auto evictions = [&](const char* why) {
    return metrics->GetCounter("genauth_sidecar_idempotency_evictions_total", {{"why", why}},
                               evictions_help);
  };
  evicted_expired_ = evictions("expired");
  evicted_capacity_ = evictions("capacity");
  evicted_too_large_ = evictions("too_large");
  metrics->SetGaugeFunction(
      "genauth_sidecar_idempotency_keys", {},
      "Idempotency keys held: running first calls and finished answers",
      [this]() -> std::optional<double> { return static_cast<double>(entries()); });
  metrics->SetGaugeFunction(
      "genauth_sidecar_idempotency_bytes", {},
      "Memory charged to the idempotency keys and answers held",
      [this]() -> std::optional<double> { return static_cast<double>(bytes()); });
}

IdempotencyStore::~IdempotencyStore() {
  metrics_->SetGaugeFunction("genauth_sidecar_idempotency_keys", {}, "", nullptr);
  metrics_->SetGaugeFunction("genauth_sidecar_idempotency_bytes", {}, "", nullptr);
}

size_t IdempotencyStore::entries() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

size_t IdempotencyStore::bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_;
}

void IdempotencyStore::Erase(std::unordered_map<std::string, Entry>::iterator it) {
  if (it->second.finished) finished_order_.erase(it->second.finished_position);
  bytes_ -= it->second.bytes;
  entries_.erase(it);
}

void IdempotencyStore::DropExpired(common::TimePoint now) {
  // Finished entries expire in the order they finished (one window for all).
  while (!finished_order_.empty()) {
    auto it = entries_.find(finished_order_.front());
    if (it->second.expires_at > now) break;
    Erase(it);
    evicted_expired_->Increment();
  }
}

bool IdempotencyStore::MakeRoom(size_t extra_entries, size_t extra_bytes) {
  while (entries_.size() + extra_entries > options_.max_entries ||
         bytes_ + extra_bytes > options_.max_bytes) {
    if (finished_order_.empty()) return false;
    Erase(entries_.find(finished_order_.front()));
    evicted_capacity_->Increment();
  }
  return true;
}

IdempotencyStore::Claim IdempotencyStore::Begin(const std::string& rpc, const std::string& key,
                                                const std::string& fingerprint, Waiter on_done) {
  Claim claim;
  std::string store_key = StoreKey(rpc, key);
  std::lock_guard<std::mutex> lock(mu_);
  DropExpired(clock_->Now());
  auto it = entries_.find(store_key);
  if (it != entries_.end()) {
    Entry& entry = it->second;
    if (entry.fingerprint != fingerprint) {
      conflicts_->Increment();
      claim.kind = Claim::Kind::kConflict;
    } else if (entry.finished) {
      replayed_->Increment();
      claim.kind = Claim::Kind::kReplay;
      claim.answer = entry.answer;
    } else {
      joined_->Increment();
      claim.kind = Claim::Kind::kJoined;
      claim.waiter_id = next_waiter_id_++;
      entry.waiters.emplace_back(claim.waiter_id, std::move(on_done));
    }
    return claim;
  }
  const size_t entry_bytes = kEntryOverheadBytes + store_key.size() + fingerprint.size();
  if (!MakeRoom(1, entry_bytes)) {
    refused_full_->Increment();
    claim.kind = Claim::Kind::kFull;
    return claim;
  }
  Entry& entry = entries_[std::move(store_key)];
  entry.fingerprint = fingerprint;
  entry.bytes = entry_bytes;
  bytes_ += entry_bytes;
  first_->Increment();
  claim.kind = Claim::Kind::kFirst;
  return claim;
}

void IdempotencyStore::Finish(const std::string& rpc, const std::string& key,
                              const std::shared_ptr<const IdempotentAnswer>& answer,
                              bool remember) {
  std::vector<std::pair<uint64_t, Waiter>> waiters;
  {
    std::string store_key = StoreKey(rpc, key);
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(store_key);
    if (it == entries_.end() || it->second.finished) return;  // not claimed: nothing to do
    Entry& entry = it->second;
    waiters = std::move(entry.waiters);
    entry.waiters.clear();
    const size_t answer_bytes = AnswerBytes(*answer);
    if (!remember) {
      forgotten_->Increment();
      Erase(it);
    } else if (entry.bytes + answer_bytes > options_.max_bytes) {
      evicted_too_large_->Increment();
      Erase(it);
    } else if (!MakeRoom(0, answer_bytes)) {
      // Room is made at the expense of older finished entries (never this one: it is not in
      // finished_order_ yet); running first calls hold the rest.
      evicted_capacity_->Increment();
      Erase(it);
    } else {
      entry.finished = true;
      entry.answer = answer;
      entry.bytes += answer_bytes;
      bytes_ += answer_bytes;
      entry.expires_at = clock_->Now() + options_.window;
      entry.finished_position = finished_order_.insert(finished_order_.end(), it->first);
    }
  }
  for (auto& [id, waiter] : waiters) waiter(answer);
}

bool IdempotencyStore::Leave(const std::string& rpc, const std::string& key, uint64_t waiter_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(StoreKey(rpc, key));
  if (it == entries_.end() || it->second.finished) return false;
  auto& waiters = it->second.waiters;
  for (auto w = waiters.begin(); w != waiters.end(); ++w) {
    if (w->first == waiter_id) {
      waiters.erase(w);
      return true;
    }
  }
  return false;
}

}  // namespace genauth::service
