// Collects a run's results from every completing thread: latency histograms (all calls, and per
// RPC kind) over the measured window, status counts, dropped requests and the scheduler's own
// lateness. Also keeps interval counters for progress lines during long (soak) runs.
// Thread-safe: one mutex, taken once per completion (a few thousand times a second at most).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "call_driver.h"
#include "latency_histogram.h"
#include "workload.h"

namespace genauth::bench {

struct RunTotals {
  uint64_t scheduled = 0;  // measured requests whose time came
  uint64_t sent = 0;       // handed to the driver
  uint64_t completed = 0;  // answered (any status)
  uint64_t dropped = 0;    // not sent: the concurrency limit was reached at their time
  LatencyHistogram latency;
  std::array<LatencyHistogram, kRpcKinds> latency_by_kind;
  LatencyHistogram send_lag;  // how late the scheduler handed requests over
  std::map<std::string, uint64_t> status_counts;
  // Latency of the calls that ended with each status: how soon a refusal came, how long a
  // success took (an OK and a RESOURCE_EXHAUSTED mixed in one histogram say neither).
  std::map<std::string, LatencyHistogram> latency_by_status;
  std::array<std::map<std::string, uint64_t>, kRpcKinds> status_by_kind;
};

// Since the previous TakeInterval(): for progress lines.
struct IntervalTotals {
  uint64_t completed = 0;
  uint64_t failed = 0;  // completed with a status other than OK / 200
  uint64_t dropped = 0;
  LatencyHistogram latency;
};

class RunRecorder {
 public:
  void OnSent(const CallSpec& call, int64_t sent_ns);
  void OnDropped(const CallSpec& call);
  void OnCompleted(const CallSpec& call, int64_t completed_ns, const std::string& status);

  RunTotals Totals() const;
  IntervalTotals TakeInterval();

 private:
  mutable std::mutex mu_;
  RunTotals totals_;         // guarded by mu_; measured requests only
  IntervalTotals interval_;  // guarded by mu_; every request, warm-up included
};

// Whether a status string counts as success ("OK" in gRPC mode, "200" in REST mode).
bool IsSuccessStatus(const std::string& status);

}  // namespace genauth::bench
