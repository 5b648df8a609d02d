// The epoll event loop (see event_loop.h).
#include "common/event_loop.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "common/thread_name.h"
namespace genauth::common {
namespace {

absl::Status ErrnoError(const char* what) {
  return absl::InternalError(std::string(what) + ": " + std::strerror(errno));
}

// Events handed out per epoll_wait; more ready descriptors simply wait for the next turn.
constexpr int kMaxEvents = 256;

}  // namespace

EventLoop::EventLoop(Clock* clock) : clock_(clock) {}

EventLoop::~EventLoop() {
  Stop();
  if (epoll_fd_ >= 0) close(epoll_fd_);
  if (wake_fd_ >= 0) close(wake_fd_);
}

absl::Status EventLoop::Start(const std::string& thread_name) {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) return ErrnoError("epoll_create1");
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) return ErrnoError("eventfd");
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.fd = wake_fd_;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &event) != 0) return ErrnoError("epoll_ctl");
  thread_ = std::thread([this, thread_name] {
    NameThisThread(thread_name.c_str());
    Run();
  });
  return absl::OkStatus();
}

bool EventLoop::Post(Task task) {
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(tasks_mu_);
    if (stopping_) return false;
    tasks_.push_back(std::move(task));
    // One eventfd write per batch: the loop takes every queued task when it wakes.
    wake = !wake_pending_;
    wake_pending_ = true;
  }
  if (wake) Wake();
  return true;
}

void EventLoop::Wake() const {
  const uint64_t one = 1;
  // A full counter (never in practice) still leaves the fd readable, which is all that matters.
  [[maybe_unused]] ssize_t written = write(wake_fd_, &one, sizeof(one));
}

void EventLoop::Stop() {
  {
    std::lock_guard<std::mutex> lock(tasks_mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  if (wake_fd_ >= 0) Wake();
  if (thread_.joinable()) thread_.join();
}

EventLoop::TimerId EventLoop::AddTimer(TimePoint when, Task fn) {
  const TimerId id = next_timer_id_++;
  timers_.emplace(TimerKey{when, id}, std::move(fn));
  timer_when_.emplace(id, when);
  timer_count_.store(timers_.size(), std::memory_order_relaxed);
  return id;
}

void EventLoop::CancelTimer(TimerId id) {
  auto it = timer_when_.find(id);
  if (it == timer_when_.end()) return;
  timers_.erase(TimerKey{it->second, id});
  timer_when_.erase(it);
  timer_count_.store(timers_.size(), std::memory_order_relaxed);
}

absl::Status EventLoop::WatchFd(int fd, uint32_t events, FdCallback callback) {
  epoll_event event{};
  event.events = events;
  event.data.fd = fd;
  const bool known = fds_.count(fd) != 0;
  if (epoll_ctl(epoll_fd_, known ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &event) != 0) {
    return ErrnoError("epoll_ctl");
  }
  fds_[fd] = std::move(callback);
  return absl::OkStatus();
}

void EventLoop::UnwatchFd(int fd) {
  if (fds_.erase(fd) == 0) return;
  // Fails harmlessly (EBADF) when the descriptor was closed already: epoll forgot it then.
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
}

int EventLoop::EpollTimeoutMs() const {
  if (timers_.empty()) return -1;
  const Duration left = timers_.begin()->first.when - clock_->Now();
  if (left <= Duration::zero()) return 0;
  // Rounded up: waking a little late is harmless, waking early only costs another turn.
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
  return ms > 60000 ? 60000 : static_cast<int>(ms);
}

void EventLoop::RunPostedTasks() {
  // The wake-up descriptor is drained *before* the batch is taken: a Post that comes after the
  // swap below (and so is not in this batch) writes it again and wakes the next epoll_wait.
  // Drained after the swap, it swallowed that write, and the loop slept with tasks queued.
  uint64_t drained = 0;
  [[maybe_unused]] ssize_t got = read(wake_fd_, &drained, sizeof(drained));
  std::vector<Task> batch;
  {
    std::lock_guard<std::mutex> lock(tasks_mu_);
    batch.swap(tasks_);
    wake_pending_ = false;
  }
  for (Task& task : batch) task();
}

void EventLoop::RunDueTimers() {
  const TimePoint now = clock_->Now();
  // Timers added by a timer for "now" wait for the next turn, so a timer that re-arms itself at
  // once cannot starve the descriptors.
  const TimerId newest = next_timer_id_;
  while (!timers_.empty()) {
    auto first = timers_.begin();
    if (first->first.when > now || first->first.id >= newest) break;
    Task fn = std::move(first->second);
    timer_when_.erase(first->first.id);
    timers_.erase(first);
    timer_count_.store(timers_.size(), std::memory_order_relaxed);
    fn();
  }
}

void EventLoop::Run() {
  thread_id_.store(std::this_thread::get_id());
  epoll_event events[kMaxEvents];
  for (;;) {
    const int ready = epoll_wait(epoll_fd_, events, kMaxEvents, EpollTimeoutMs());
    const auto busy_start = std::chrono::steady_clock::now();
    turns_.fetch_add(1, std::memory_order_relaxed);
    for (int i = 0; i < ready; ++i) {
      const int fd = events[i].data.fd;
      if (fd == wake_fd_) continue;  // tasks run below, every turn
      auto it = fds_.find(fd);
      // A callback earlier in this batch may have stopped watching this descriptor.
      if (it == fds_.end()) continue;
      FdCallback callback = it->second;  // a copy: the callback may unwatch its own fd
      callback(events[i].events);
    }
    RunPostedTasks();
    RunDueTimers();
    busy_ns_.fetch_add(std::chrono::duration_cast<std::chrono::nanoseconds>(
                           std::chrono::steady_clock::now() - busy_start)
                           .count(),
                       std::memory_order_relaxed);
    std::lock_guard<std::mutex> lock(tasks_mu_);
    if (stopping_ && tasks_.empty()) break;
  }
  timers_.clear();
  timer_when_.clear();
  timer_count_.store(0, std::memory_order_relaxed);
  thread_id_.store(std::thread::id());
}

}  // namespace genauth::common
