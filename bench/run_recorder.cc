// Result collection (see run_recorder.h).
#include "run_recorder.h"

#include <utility>

namespace genauth::bench {

bool IsSuccessStatus(const std::string& status) { return status == "OK" || status == "200"; }

void RunRecorder::OnSent(const CallSpec& call, int64_t sent_ns) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!call.measured) return;
  ++totals_.scheduled;
  ++totals_.sent;
  totals_.send_lag.Record(static_cast<uint64_t>(std::max<int64_t>(0, sent_ns - call.scheduled_ns)));
}

void RunRecorder::OnDropped(const CallSpec& call) {
  std::lock_guard<std::mutex> lock(mu_);
  ++interval_.dropped;
  if (!call.measured) return;
  ++totals_.scheduled;
  ++totals_.dropped;
}

void RunRecorder::OnCompleted(const CallSpec& call, int64_t completed_ns,
                              const std::string& status) {
  const auto latency =
      static_cast<uint64_t>(std::max<int64_t>(0, completed_ns - call.scheduled_ns));
  const bool ok = IsSuccessStatus(status);
  std::lock_guard<std::mutex> lock(mu_);
  ++interval_.completed;
  if (!ok) ++interval_.failed;
  interval_.latency.Record(latency);
  if (!call.measured) return;
  const auto kind = static_cast<size_t>(call.kind);
  ++totals_.completed;
  totals_.latency.Record(latency);
  totals_.latency_by_kind[kind].Record(latency);
  ++totals_.status_counts[status];
  totals_.latency_by_status[status].Record(latency);
  ++totals_.status_by_kind[kind][status];
}

RunTotals RunRecorder::Totals() const {
  std::lock_guard<std::mutex> lock(mu_);
  return totals_;
}

IntervalTotals RunRecorder::TakeInterval() {
  std::lock_guard<std::mutex> lock(mu_);
  return std::exchange(interval_, IntervalTotals{});
}

}  // namespace genauth::bench
