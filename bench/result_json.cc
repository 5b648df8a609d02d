// JSON and text rendering of a run (see result_json.h).
#include "result_json.h"

#include <cmath>
#include <cstdio>
#include <fstream>

namespace genauth::bench {
namespace {

double Ms(uint64_t nanos) { return std::round(static_cast<double>(nanos) / 1e3) / 1e3; }

nlohmann::json LatencyJson(const LatencyHistogram& h) {
  return {{"count", h.count()},
          {"min", Ms(h.min_nanos())},
          {"mean", Ms(static_cast<uint64_t>(h.mean_nanos()))},
          {"p50", Ms(h.ValueAtPercentile(50))},
          {"p90", Ms(h.ValueAtPercentile(90))},
          {"p99", Ms(h.ValueAtPercentile(99))},
          {"p99_9", Ms(h.ValueAtPercentile(99.9))},
          {"max", Ms(h.max_nanos())}};
}

// Percentiles 100·(1 − 10^(−k/10)): 0, 20.6, …, 90, …, 99, …, 99.9, … while at least one sample
// lies beyond them, then 100 (the maximum).
nlohmann::json Spectrum(const LatencyHistogram& h) {
  nlohmann::json points = nlohmann::json::array();
  if (h.count() == 0) return points;
  for (int k = 0;; ++k) {
    const double tail = std::pow(10.0, -k / 10.0);
    if (tail * static_cast<double>(h.count()) < 1.0) break;
    const double percentile = 100.0 * (1.0 - tail);
    points.push_back({std::round(percentile * 1e4) / 1e4, Ms(h.ValueAtPercentile(percentile))});
  }
  points.push_back({100.0, Ms(h.max_nanos())});
  return points;
}

std::vector<double> LoadAverage() {
  std::ifstream in("/proc/loadavg");
  double one = 0, five = 0, fifteen = 0;
  in >> one >> five >> fifteen;
  return {one, five, fifteen};
}

}  // namespace

double ErrorRate(const RunReport& report) {
  const RunTotals& t = report.totals;
  if (t.scheduled == 0) return 0;
  uint64_t failed = 0;
  for (const auto& [status, count] : t.status_counts) {
    if (!IsSuccessStatus(status)) failed += count;
  }
  return static_cast<double>(failed + t.dropped) / static_cast<double>(t.scheduled);
}

nlohmann::json ResultJson(const LoadgenFlags& flags, const RunReport& report,
                          const std::vector<ProcessUsage>& processes,
                          uint64_t client_token_fetches) {
  const RunTotals& t = report.totals;
  uint64_t ok = 0;
  for (const auto& [status, count] : t.status_counts) {
    if (IsSuccessStatus(status)) ok += count;
  }
  const double seconds = report.measured_seconds > 0 ? report.measured_seconds : 1;
  const double achieved = static_cast<double>(t.completed) / seconds;
  nlohmann::json result = {
      {"tool", "genauth-loadgen"},
      {"label", flags.label},
      {"mode", flags.mode == Mode::kSidecar ? "sidecar" : "direct"},
      {"target", flags.mode == Mode::kSidecar ? flags.grpc.target : flags.rest.base_url},
      {"rpc", flags.rpc},
      {"payload_bytes", flags.workload.payload_bytes},
      {"rate_target", flags.run.rate},
      {"warmup_s", std::chrono::duration<double>(flags.run.warmup).count()},
      {"duration_s", report.measured_seconds},
      {"concurrency_limit", flags.run.concurrency_limit},
      {"timeout_ms", flags.grpc.timeout.count()},
      {"scheduled", t.scheduled},
      {"sent", t.sent},
      {"completed", t.completed},
      {"ok", ok},
      {"failed", t.completed - ok},
      {"dropped", t.dropped},
      {"unfinished", report.unfinished},
      {"interrupted", report.interrupted},
      {"error_rate", ErrorRate(report)},
      {"achieved_rate", std::round(achieved * 10) / 10},
      {"ok_rate", std::round(static_cast<double>(ok) / seconds * 10) / 10},
      {"latency_ms", LatencyJson(t.latency)},
      {"send_lag_ms", LatencyJson(t.send_lag)},
      {"status_counts", t.status_counts},
      {"spectrum", Spectrum(t.latency)},
      {"loadavg", LoadAverage()},
  };
  if (flags.mode == Mode::kSidecar) {
    result["channels"] = flags.grpc.channels;
  } else {
    result["connections"] = flags.rest.connections;
    result["client_token_fetches"] = client_token_fetches;
  }
  nlohmann::json by_rpc = nlohmann::json::object();
  for (size_t i = 0; i < kRpcKinds; ++i) {
    if (flags.workload.weights[i] == 0) continue;
    by_rpc[RpcKindName(static_cast<RpcKind>(i))] = {
        {"latency_ms", LatencyJson(t.latency_by_kind[i])}, {"status_counts", t.status_by_kind[i]}};
  }
  result["by_rpc"] = by_rpc;
  nlohmann::json by_status = nlohmann::json::object();
  for (const auto& [status, histogram] : t.latency_by_status) {
    by_status[status] = LatencyJson(histogram);
  }
  result["latency_by_status_ms"] = by_status;
  nlohmann::json sampled = nlohmann::json::array();
  for (const ProcessUsage& p : processes) {
    nlohmann::json entry = {{"name", p.name}, {"pid", p.pid}, {"available", p.available}};
    if (p.available) {
      const double mcpu = p.window_seconds > 0 ? 1000 * p.cpu_seconds / p.window_seconds : 0;
      entry["cpu_seconds"] = p.cpu_seconds;
      entry["user_cpu_seconds"] = p.user_seconds;
      entry["user_share"] =
          p.cpu_seconds > 0 ? std::round(p.user_seconds / p.cpu_seconds * 100) / 100 : 0.0;
      entry["window_s"] = p.window_seconds;
      entry["mcpu"] = std::round(mcpu * 10) / 10;
      entry["mcpu_per_1000rps"] =
          achieved > 0 ? std::round(mcpu / (achieved / 1000) * 10) / 10 : 0.0;
      entry["rss_max_mib"] = std::round(static_cast<double>(p.rss_max_kib) / 1024 * 10) / 10;
      entry["rss_end_mib"] = std::round(static_cast<double>(p.rss_end_kib) / 1024 * 10) / 10;
      entry["rss_peak_mib"] = std::round(static_cast<double>(p.rss_peak_kib) / 1024 * 10) / 10;
      entry["rss_anon_mib"] = std::round(static_cast<double>(p.rss_anon_kib) / 1024 * 10) / 10;
      entry["rss_file_mib"] = std::round(static_cast<double>(p.rss_file_kib) / 1024 * 10) / 10;
      entry["threads"] = p.threads;
    }
    sampled.push_back(entry);
  }
  result["processes"] = sampled;
  return result;
}

std::string Summary(const nlohmann::json& r) {
  char line[512];
  const nlohmann::json& l = r["latency_ms"];
  std::string out;
  std::snprintf(line, sizeof(line),
                "%s %s: %.0f/s target, %.1f/s achieved over %.1fs; %llu ok, %llu failed, "
                "%llu dropped\n",
                r["mode"].get<std::string>().c_str(), r["rpc"].get<std::string>().c_str(),
                r["rate_target"].get<double>(), r["achieved_rate"].get<double>(),
                r["duration_s"].get<double>(), r["ok"].get<unsigned long long>(),
                r["failed"].get<unsigned long long>(), r["dropped"].get<unsigned long long>());
  out += line;
  std::snprintf(line, sizeof(line),
                "latency ms: p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f  (send lag p99 "
                "%.3f)\n",
                l["p50"].get<double>(), l["p90"].get<double>(), l["p99"].get<double>(),
                l["p99_9"].get<double>(), l["max"].get<double>(),
                r["send_lag_ms"]["p99"].get<double>());
  out += line;
  out += "status: " + r["status_counts"].dump() + "\n";
  for (const auto& p : r["processes"]) {
    if (!p["available"].get<bool>()) {
      out += p["name"].get<std::string>() + ": /proc not readable\n";
      continue;
    }
    std::snprintf(line, sizeof(line),
                  "%s: %.1f mCPU (%.1f per 1000 rps), RSS max %.1f MiB, peak %.1f MiB\n",
                  p["name"].get<std::string>().c_str(), p["mcpu"].get<double>(),
                  p["mcpu_per_1000rps"].get<double>(), p["rss_max_mib"].get<double>(),
                  p["rss_peak_mib"].get<double>());
    out += line;
  }
  return out;
}

}  // namespace genauth::bench
