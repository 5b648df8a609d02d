// Batched, bounded line writer (see batched_fd_sink.h).
#include "observability/batched_fd_sink.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <string_view>
#include <utility>

#include "common/thread_name.h"

namespace genauth::observability {

struct BatchedFdSink::Shared {
  explicit Shared(BatchedFdSinkOptions o) : options(std::move(o)) {}
  const BatchedFdSinkOptions options;
  std::mutex mu;
  std::condition_variable wake;
  std::string pending;                               // guarded by mu: whole lines, in order
  bool flush_wanted = false;                         // guarded by mu
  bool stopping = false;                             // guarded by mu
  std::chrono::steady_clock::time_point give_up_at;  // guarded by mu; set with `stopping`
  uint64_t appended = 0;                             // guarded by mu: bytes ever put into `pending`
  uint64_t written = 0;  // guarded by mu: of those, bytes the writer has finished with
  std::condition_variable batch_done;  // signalled when `written` grows
  std::atomic<uint64_t> dropped{0};

  // True once the sink is being destroyed and its final timeout has passed.
  bool GiveUp() {
    std::lock_guard<std::mutex> lock(mu);
    return stopping && std::chrono::steady_clock::now() >= give_up_at;
  }
};

namespace {

// Writes all of `data`, resuming after signals and partial writes, in pieces no larger than a
// pipe guarantees to take whole once poll() says it is writable — so the writer is never stuck in
// write() and can notice `give_up` (checked while the descriptor stays unwritable). Gives up on an
// error too (a closed stdout: nothing more can be done for those lines).
template <typename GiveUp>
void WriteAll(int fd, std::string_view data, GiveUp give_up) {
  constexpr int kPollMs = 50;
  while (!data.empty()) {
    pollfd p{fd, POLLOUT, 0};
    const int ready = poll(&p, 1, kPollMs);
    if (ready < 0 && errno != EINTR) return;
    if (ready <= 0) {
      if (give_up()) return;
      continue;
    }
    if ((p.revents & (POLLERR | POLLNVAL)) != 0) return;
    const ssize_t n = write(fd, data.data(), std::min<size_t>(data.size(), PIPE_BUF));
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace

BatchedFdSink::BatchedFdSink(BatchedFdSinkOptions options)
    : shared_(std::make_shared<Shared>(std::move(options))) {
  shared_->pending.reserve(shared_->options.wake_bytes);
  writer_ = std::thread([shared = shared_] { WriterLoop(shared); });
}

BatchedFdSink::~BatchedFdSink() {
  {
    std::lock_guard<std::mutex> lock(shared_->mu);
    shared_->stopping = true;
    shared_->give_up_at = std::chrono::steady_clock::now() + shared_->options.final_flush_timeout;
  }
  shared_->wake.notify_one();
  writer_.join();  // within final_flush_timeout (plus one poll interval)
}

uint64_t BatchedFdSink::dropped_lines() const {
  return shared_->dropped.load(std::memory_order_relaxed);
}

void BatchedFdSink::sink_it_(const spdlog::details::log_msg& msg) {
  spdlog::memory_buf_t formatted;
  formatter_->format(msg, formatted);
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(shared_->mu);
    if (shared_->pending.size() + formatted.size() > shared_->options.max_bytes) {
      shared_->dropped.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    shared_->pending.append(formatted.data(), formatted.size());
    shared_->appended += formatted.size();
    wake = shared_->pending.size() >= shared_->options.wake_bytes;
  }
  if (wake) shared_->wake.notify_one();
}

void BatchedFdSink::flush_() {
  {
    std::lock_guard<std::mutex> lock(shared_->mu);
    shared_->flush_wanted = true;
  }
  shared_->wake.notify_one();
}

void BatchedFdSink::WaitUntilWritten(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(shared_->mu);
  const uint64_t target = shared_->appended;
  shared_->flush_wanted = true;
  shared_->wake.notify_one();
  shared_->batch_done.wait_for(lock, timeout, [&] { return shared_->written >= target; });
}

void BatchedFdSink::WriterLoop(const std::shared_ptr<Shared>& shared) {
  common::NameThisThread(shared->options.thread_name.c_str());
  std::string writing;
  for (;;) {
    bool stopping = false;
    {
      std::unique_lock<std::mutex> lock(shared->mu);
      shared->wake.wait_for(lock, shared->options.flush_interval, [&] {
        return shared->stopping || shared->flush_wanted ||
               shared->pending.size() >= shared->options.wake_bytes;
      });
      writing.swap(shared->pending);
      shared->flush_wanted = false;
      stopping = shared->stopping;
    }
    WriteAll(shared->options.fd, writing, [&] { return shared->GiveUp(); });
    {
      std::lock_guard<std::mutex> lock(shared->mu);
      shared->written += writing.size();
    }
    shared->batch_done.notify_all();
    writing.clear();
    if (stopping) return;  // nothing is logged once destruction has begun
  }
}

}  // namespace genauth::observability
