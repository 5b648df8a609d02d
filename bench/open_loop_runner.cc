// The open-loop schedule (see open_loop_runner.h).
#include "open_loop_runner.h"

#include <sys/prctl.h>
#include <time.h>

#include <cmath>
#include <cstdio>

namespace genauth::bench {
namespace {

constexpr int64_t kNanosPerSecond = 1000000000;

int64_t Nanos(std::chrono::milliseconds d) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
}

// Sleeps until `ns` on the monotonic clock (steady_clock's on Linux), absolute so that no drift
// accumulates.
void SleepUntil(int64_t ns) {
  timespec when{};
  when.tv_sec = static_cast<time_t>(ns / kNanosPerSecond);
  when.tv_nsec = static_cast<long>(ns % kNanosPerSecond);
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &when, nullptr) != 0) {
  }
}

double Millis(uint64_t nanos) { return static_cast<double>(nanos) / 1e6; }

}  // namespace

std::atomic<bool> OpenLoopRunner::stop_requested_{false};

OpenLoopRunner::OpenLoopRunner(const RunOptions& options, const Workload* workload)
    : options_(options), workload_(workload) {}

int64_t OpenLoopRunner::WindowStart(int64_t start_ns) const {
  return start_ns + Nanos(options_.warmup);
}

int64_t OpenLoopRunner::WindowEnd(int64_t start_ns) const {
  return WindowStart(start_ns) + Nanos(options_.duration);
}

void OpenLoopRunner::OnCompleted(const CallSpec& call, int64_t completed_ns,
                                 const std::string& status) {
  recorder_.OnCompleted(call, completed_ns, status);
  if (outstanding_.fetch_sub(1) == 1) {
    std::lock_guard<std::mutex> lock(drain_mu_);  // pairs with the drain's wait
    drain_cv_.notify_all();
  }
}

void OpenLoopRunner::PrintProgress(int64_t now_ns, int64_t start_ns) {
  const IntervalTotals interval = recorder_.TakeInterval();
  std::fprintf(
      stderr,
      "loadgen: t=%.0fs completed=%llu failed=%llu dropped=%llu outstanding=%lld "
      "p50=%.3fms p99=%.3fms max=%.3fms\n",
      static_cast<double>(now_ns - start_ns) / 1e9,
      static_cast<unsigned long long>(interval.completed),
      static_cast<unsigned long long>(interval.failed),
      static_cast<unsigned long long>(interval.dropped),
      static_cast<long long>(outstanding_.load()), Millis(interval.latency.ValueAtPercentile(50)),
      Millis(interval.latency.ValueAtPercentile(99)), Millis(interval.latency.max_nanos()));
}

RunReport OpenLoopRunner::Run(CallDriver* driver, int64_t start_ns) {
  // The default 50 µs timer slack would make every wake-up late by up to that much.
  prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
  const int64_t window_start = WindowStart(start_ns);
  const int64_t window_end = WindowEnd(start_ns);
  const double period_ns = static_cast<double>(kNanosPerSecond) / options_.rate;
  const auto total =
      static_cast<uint64_t>(std::floor(static_cast<double>(window_end - start_ns) / period_ns));
  const int64_t progress_ns = Nanos(options_.progress_interval);
  int64_t next_progress = progress_ns > 0 ? start_ns + progress_ns : INT64_MAX;

  RunReport report;
  int64_t last_due = start_ns;
  for (uint64_t i = 0; i < total; ++i) {
    if (stop_requested_.load()) {
      report.interrupted = true;
      break;
    }
    CallSpec call;
    call.index = i;
    call.kind = workload_->KindFor(i);
    call.scheduled_ns =
        start_ns + static_cast<int64_t>(std::llround(static_cast<double>(i) * period_ns));
    call.measured = call.scheduled_ns >= window_start && call.scheduled_ns < window_end;
    last_due = call.scheduled_ns;
    SleepUntil(call.scheduled_ns);
    if (outstanding_.load() >= options_.concurrency_limit) {
      recorder_.OnDropped(call);
    } else {
      outstanding_.fetch_add(1);
      recorder_.OnSent(call, NowNanos());
      driver->Start(call);
    }
    if (call.scheduled_ns >= next_progress) {
      PrintProgress(call.scheduled_ns, start_ns);
      next_progress += progress_ns;
    }
  }
  report.measured_seconds =
      static_cast<double>(std::clamp(last_due, window_start, window_end) - window_start) / 1e9;
  if (!report.interrupted)
    report.measured_seconds = static_cast<double>(window_end - window_start) / 1e9;

  {
    std::unique_lock<std::mutex> lock(drain_mu_);
    drain_cv_.wait_for(lock, options_.drain_timeout, [this] { return outstanding_.load() == 0; });
  }
  report.unfinished = static_cast<uint64_t>(std::max<int64_t>(0, outstanding_.load()));
  driver->Shutdown();  // reports whatever was still outstanding
  report.totals = recorder_.Totals();
  return report;
}

}  // namespace genauth::bench
