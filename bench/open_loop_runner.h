// The open-loop scheduler: request i is due at start + i / rate, whatever happened to earlier
// requests, and its latency is measured from that due time, not from when it was actually sent,
// so a stalled system is charged for every request it delayed (no coordinated omission). The first
// `warmup` of requests is sent but not measured. A request due while `concurrency_limit` requests
// are outstanding is dropped and counted, which keeps memory bounded when the system under test
// stops answering. The run is bounded: rate × (warmup + duration) requests, then at most
// `drain_timeout` waiting for the outstanding ones.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>

#include "call_driver.h"
#include "run_recorder.h"
#include "workload.h"

namespace genauth::bench {

struct RunOptions {
  double rate = 1000;  // requests per second
  std::chrono::milliseconds warmup{5000};
  std::chrono::milliseconds duration{30000};  // the measured window
  int64_t concurrency_limit = 10000;          // outstanding requests at most
  std::chrono::milliseconds drain_timeout{10000};
  std::chrono::milliseconds progress_interval{0};  // 0 = no progress lines on stderr
};

struct RunReport {
  RunTotals totals;
  double measured_seconds = 0;  // the measured window actually run (shorter if interrupted)
  bool interrupted = false;     // SIGINT/SIGTERM ended the run early
  uint64_t unfinished = 0;      // still outstanding when the drain gave up
};

class OpenLoopRunner final : public CompletionSink {
 public:
  OpenLoopRunner(const RunOptions& options, const Workload* workload);

  // Sends every request through `driver` from `start_ns` (steady clock, see NowNanos), waits for
  // the outstanding ones, and shuts the driver down. Thread: the caller's, which becomes the
  // scheduler. Stops early when RequestStop() is called (e.g. from a signal handler).
  RunReport Run(CallDriver* driver, int64_t start_ns);

  void OnCompleted(const CallSpec& call, int64_t completed_ns, const std::string& status) override;

  // Async-signal-safe.
  static void RequestStop() { stop_requested_.store(true); }

  // When the measured window starts and ends for a run starting at `start_ns`.
  int64_t WindowStart(int64_t start_ns) const;
  int64_t WindowEnd(int64_t start_ns) const;

 private:
  void PrintProgress(int64_t now_ns, int64_t start_ns);

  const RunOptions options_;
  const Workload* const workload_;
  RunRecorder recorder_;
  std::atomic<int64_t> outstanding_{0};
  std::mutex drain_mu_;
  std::condition_variable drain_cv_;
  static std::atomic<bool> stop_requested_;
};

}  // namespace genauth::bench
