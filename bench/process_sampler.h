// Samples other processes' CPU time and memory from /proc over exactly the measured window of a
// run: CPU time (utime + stime) at the window's start and end, resident memory (VmRSS) every
// `interval` in between, and the kernel's peak (VmHWM) at the end. The benchmark points it at the
// sidecar, so that its CPU per 1000 requests/s and its RSS come from the same window as the
// latencies.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace genauth::bench {

struct ProcessTarget {
  std::string name;  // a label for the report, e.g. "sidecar"
  pid_t pid = 0;
};

struct ProcessUsage {
  std::string name;
  pid_t pid = 0;
  bool available = false;   // false when /proc/PID could not be read at both ends
  double cpu_seconds = 0;   // user + system CPU over the window
  double user_seconds = 0;  // of which in user space (the rest is the kernel's, for the process)
  double window_seconds = 0;
  uint64_t rss_max_kib = 0;   // largest VmRSS sampled in the window
  uint64_t rss_end_kib = 0;   // VmRSS at the end
  uint64_t rss_peak_kib = 0;  // VmHWM at the end: the peak since the process started
  uint64_t rss_anon_kib = 0;  // RssAnon at the end: heap and stacks, the process's own memory
  uint64_t rss_file_kib = 0;  // RssFile at the end: mapped files, mostly shared libraries' code
  int threads = 0;
};

class ProcessSampler {
 public:
  // Starts a thread that waits until `window_start_ns` (steady clock, see NowNanos) and samples
  // until `window_end_ns` or Stop().
  ProcessSampler(std::vector<ProcessTarget> targets, int64_t window_start_ns, int64_t window_end_ns,
                 std::chrono::milliseconds interval);
  ~ProcessSampler();

  // Ends the sampling early (an interrupted run); the window then ends now.
  void Stop();
  // Waits for the window to end and returns one entry per target.
  std::vector<ProcessUsage> Results();

 private:
  void Run();

  const std::vector<ProcessTarget> targets_;
  const int64_t window_start_ns_;
  const int64_t window_end_ns_;
  const std::chrono::milliseconds interval_;
  std::vector<ProcessUsage> results_;  // written by the thread, read after join
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace genauth::bench
