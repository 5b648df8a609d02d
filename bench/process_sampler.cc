// /proc sampling (see process_sampler.h).
#include "process_sampler.h"

#include <unistd.h>

#include <fstream>
#include <optional>
#include <sstream>

#include "call_driver.h"

namespace genauth::bench {
namespace {

struct CpuTimes {
  double user = 0;    // utime, seconds
  double system = 0;  // stime, seconds
};

// utime and stime of /proc/PID/stat.
std::optional<CpuTimes> ReadCpuTimes(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(in, text)) return std::nullopt;
  // The command name (field 2) may hold spaces; fields are counted after its closing ')'.
  const size_t close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  const auto ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  return CpuTimes{static_cast<double>(utime) / ticks, static_cast<double>(stime) / ticks};
}

// A "Name:   value kB" line of /proc/PID/status; nullopt when absent.
std::optional<uint64_t> StatusValue(pid_t pid, const std::string& name) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(name + ":", 0) == 0) {
      std::istringstream value(line.substr(name.size() + 1));
      uint64_t number = 0;
      if (value >> number) return number;
      return std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace

ProcessSampler::ProcessSampler(std::vector<ProcessTarget> targets, int64_t window_start_ns,
                               int64_t window_end_ns, std::chrono::milliseconds interval)
    : targets_(std::move(targets)),
      window_start_ns_(window_start_ns),
      window_end_ns_(window_end_ns),
      interval_(interval),
      thread_([this] { Run(); }) {}

ProcessSampler::~ProcessSampler() {
  Stop();
  if (thread_.joinable()) thread_.join();
}

void ProcessSampler::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
}

std::vector<ProcessUsage> ProcessSampler::Results() {
  if (thread_.joinable()) thread_.join();
  return results_;
}

void ProcessSampler::Run() {
  auto wait_until = [this](int64_t ns) {  // false when stopped first
    std::unique_lock<std::mutex> lock(mu_);
    const auto when = std::chrono::steady_clock::time_point(std::chrono::nanoseconds(ns));
    return !cv_.wait_until(lock, when, [this] { return stop_; });
  };
  std::vector<std::optional<CpuTimes>> cpu_start;
  results_.clear();
  for (const ProcessTarget& target : targets_) {
    ProcessUsage usage;
    usage.name = target.name;
    usage.pid = target.pid;
    results_.push_back(usage);
  }
  if (!wait_until(window_start_ns_)) return;
  const int64_t started = NowNanos();
  for (const ProcessTarget& target : targets_) cpu_start.push_back(ReadCpuTimes(target.pid));
  for (;;) {
    for (size_t i = 0; i < targets_.size(); ++i) {
      if (auto rss = StatusValue(targets_[i].pid, "VmRSS")) {
        results_[i].rss_max_kib = std::max(results_[i].rss_max_kib, *rss);
      }
    }
    const int64_t next = NowNanos() + std::chrono::nanoseconds(interval_).count();
    if (next >= window_end_ns_) {
      wait_until(window_end_ns_);
      break;
    }
    if (!wait_until(next)) break;
  }
  const double window = static_cast<double>(NowNanos() - started) / 1e9;
  for (size_t i = 0; i < targets_.size(); ++i) {
    ProcessUsage& usage = results_[i];
    const pid_t pid = targets_[i].pid;
    const std::optional<CpuTimes> cpu_end = ReadCpuTimes(pid);
    usage.window_seconds = window;
    usage.available = cpu_start[i].has_value() && cpu_end.has_value();
    if (usage.available) {
      usage.user_seconds = cpu_end->user - cpu_start[i]->user;
      usage.cpu_seconds = usage.user_seconds + cpu_end->system - cpu_start[i]->system;
    }
    usage.rss_end_kib = StatusValue(pid, "VmRSS").value_or(0);
    usage.rss_max_kib = std::max(usage.rss_max_kib, usage.rss_end_kib);
    usage.rss_peak_kib = StatusValue(pid, "VmHWM").value_or(0);
    usage.rss_anon_kib = StatusValue(pid, "RssAnon").value_or(0);
    usage.rss_file_kib = StatusValue(pid, "RssFile").value_or(0);
    usage.threads = static_cast<int>(StatusValue(pid, "Threads").value_or(0));
  }
}

}  // namespace genauth::bench
