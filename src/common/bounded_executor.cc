// Fixed thread pool with a bounded queue (see bounded_executor.h).
#include "common/bounded_executor.h"

#include <algorithm>
#include <utility>

namespace genauth::common {

BoundedExecutor::BoundedExecutor(size_t threads, size_t max_queued)
    : max_queued_(max_queued), thread_count_(std::max<size_t>(threads, 1)) {
  workers_.reserve(thread_count_);
  for (size_t i = 0; i < thread_count_; ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

BoundedExecutor::~BoundedExecutor() { Shutdown(); }

bool BoundedExecutor::TrySubmit(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return false;
    // A task may wait only when no worker is free to take it right away.
    size_t free_workers = thread_count_ - active_;
    if (queue_.size() >= free_workers + max_queued_) return false;
    queue_.push_back(std::move(task));
  }
  cv_.notify_one();
  return true;
}

void BoundedExecutor::Shutdown() {
  // Held for the whole shutdown, so a concurrent caller (e.g. the destructor) returns only after
  // the workers are joined.
  std::lock_guard<std::mutex> shutdown_lock(shutdown_mu_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_) {
    if (t.joinable()) t.join();
  }
}

size_t BoundedExecutor::queued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

size_t BoundedExecutor::active() const {
  std::lock_guard<std::mutex> lock(mu_);
  return active_;
}

void BoundedExecutor::WorkerLoop() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      task = std::move(queue_.front());
      queue_.pop_front();
      ++active_;
    }
    task();
    {
      std::lock_guard<std::mutex> lock(mu_);
      --active_;
    }
  }
}

}  // namespace genauth::common
