// One thread that waits on epoll and runs, in order of readiness: tasks posted from other threads,
// callbacks of watched file descriptors, and timers. The upstream HTTP client drives libcurl's
// multi handle from it, and every upstream call's retries, waits and answers are its events — so
// no thread is ever parked for one call.
//
// Threading: Post and Stop may be called from any thread. Everything else (timers, fd watches,
// InLoopThread aside) is for the loop thread only — code running in a posted task, a timer or an
// fd callback. Callbacks must not block: they run one after another on the only thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "common/clock.h"

namespace genauth::common {

class EventLoop {
 public:
  using Task = std::function<void()>;
  using TimerId = uint64_t;
  // Called with the epoll events (EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP) that fired.
  using FdCallback = std::function<void(uint32_t events)>;

  // `clock` times the timers (the system clock in production) and must outlive the loop.
  explicit EventLoop(Clock* clock);
  ~EventLoop();  // Stop()

  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Creates the epoll and wake-up descriptors and starts the thread, named `thread_name` (as
  // `top -H` shows it). Errors: INTERNAL with errno's words when the kernel refuses a descriptor.
  absl::Status Start(const std::string& thread_name = "genauth-loop");

  // Runs `task` on the loop thread soon, after the tasks posted before it. False (and the task is
  // dropped without running) once the loop is stopping. Thread-safe.
  bool Post(Task task);

  // Runs the tasks already posted, then ends the thread and joins it; pending timers are dropped
  // without running. Idempotent; must not be called from the loop thread.
  void Stop();

  bool InLoopThread() const { return std::this_thread::get_id() == thread_id_.load(); }

  // --- loop thread only ---

  // Runs `fn` once at `when` (at once, on the next turn, when it has passed). Timers due at the
  // same moment run in the order they were added.
  TimerId AddTimer(TimePoint when, Task fn);
  // Forgets a timer that has not run yet; nothing happens for one that ran or is unknown.
  void CancelTimer(TimerId id);

  // Watches `fd` for `events` (EPOLLIN | EPOLLOUT), replacing any earlier watch of it.
  absl::Status WatchFd(int fd, uint32_t events, FdCallback callback);
  // Stops watching `fd` (before it is closed). Nothing happens for an fd not watched.
  void UnwatchFd(int fd);

  // Loop-thread work, for the gauges: seconds spent running callbacks, and turns taken.
  double busy_seconds() const {
    return static_cast<double>(busy_ns_.load(std::memory_order_relaxed)) / 1e9;
  }
  uint64_t turns() const { return turns_.load(std::memory_order_relaxed); }
  size_t pending_timers() const { return timer_count_.load(std::memory_order_relaxed); }

 private:
  void Run();
  void RunPostedTasks();
  void RunDueTimers();
  int EpollTimeoutMs() const;
  void Wake() const;

  Clock* const clock_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;  // an eventfd: written by Post, read by the loop
  std::thread thread_;
  std::atomic<std::thread::id> thread_id_{};

  std::mutex tasks_mu_;
  std::vector<Task> tasks_;    // guarded by tasks_mu_
  bool stopping_ = false;      // guarded by tasks_mu_
  bool wake_pending_ = false;  // guarded by tasks_mu_: an eventfd write not yet read

  // Loop thread only.
  struct TimerKey {
    TimePoint when;
    TimerId id;
    bool operator<(const TimerKey& other) const {
      return when != other.when ? when < other.when : id < other.id;
    }
  };
  std::map<TimerKey, Task> timers_;
  std::unordered_map<TimerId, TimePoint> timer_when_;
  TimerId next_timer_id_ = 1;
  std::unordered_map<int, FdCallback> fds_;

  std::atomic<int64_t> busy_ns_{0};
  std::atomic<uint64_t> turns_{0};
  std::atomic<size_t> timer_count_{0};
};

}  // namespace genauth::common
