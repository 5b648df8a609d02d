// A fixed pool of worker threads with a bounded queue. Blocking upstream HTTP calls run here so
// that gRPC's callback threads never block (grpc.io C++ best practice). When every worker is busy
// and the queue is full, TrySubmit refuses the task at once: the caller answers RESOURCE_EXHAUSTED
// instead of letting threads or memory grow. Thread-safe.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace genauth::common {

class BoundedExecutor {
 public:
  // `threads` workers (at least 1), at most `max_queued` tasks waiting for a worker.
  BoundedExecutor(size_t threads, size_t max_queued);
  ~BoundedExecutor();  // Runs every queued task, then joins the workers.

  BoundedExecutor(const BoundedExecutor&) = delete;
  BoundedExecutor& operator=(const BoundedExecutor&) = delete;

  // Queues the task; false when the queue is full or the executor is shutting down.
  bool TrySubmit(std::function<void()> task);

  // Stops accepting tasks, runs the queued ones, joins the workers. Idempotent.
  void Shutdown();

  size_t queued() const;
  size_t active() const;

 private:
  void WorkerLoop();

  const size_t max_queued_;
  const size_t thread_count_;
  std::mutex shutdown_mu_;  // serialises Shutdown callers
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  size_t active_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> workers_;  // written only by the constructor
};

}  // namespace genauth::common
