// genauth-loadgen: the benchmark's load generator (see loadgen_flags.cc for the CLI). Parses
// flags, builds the workload and the driver of the chosen mode, runs the open-loop schedule,
// samples the named processes over the measured window, and reports.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>

#include "common/flag_reader.h"
#include "grpc_driver.h"
#include "loadgen_flags.h"
#include "open_loop_runner.h"
#include "process_sampler.h"
#include "rest_driver.h"
#include "result_json.h"
#include "sidecar_version.h"
#include "workload.h"

namespace {

namespace bench = genauth::bench;

constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

void OnTerminationSignal(int /*signal*/) { bench::OpenLoopRunner::RequestStop(); }

}  // namespace

int main(int argc, char** argv) {
  bench::LoadgenFlags flags;
  const std::string error =
      bench::ParseLoadgenFlags(std::vector<std::string>(argv + 1, argv + argc),
                               std::getenv("GENAUTH_ACCESS_KEY_SECRET"), &flags);
  if (genauth::common::PrintVersionOrUsage(flags.version, flags.help,
                                           genauth::VersionLine("genauth-loadgen"),
                                           bench::LoadgenUsage())) {
    return 0;
  }
  if (!error.empty()) {
    std::fprintf(stderr, "genauth-loadgen: %s (see --help)\n", error.c_str());
    return kExitUsage;
  }
  signal(SIGPIPE, SIG_IGN);
  signal(SIGINT, OnTerminationSignal);
  signal(SIGTERM, OnTerminationSignal);

  std::string workload_error;
  const bench::Workload workload(flags.workload, &workload_error);
  if (!workload_error.empty()) {
    std::fprintf(stderr, "genauth-loadgen: %s\n", workload_error.c_str());
    return kExitUsage;
  }
  bench::OpenLoopRunner runner(flags.run, &workload);

  std::unique_ptr<bench::CallDriver> driver;
  bench::RestDriver* rest = nullptr;
  if (flags.mode == bench::Mode::kSidecar) {
    auto grpc = std::make_unique<bench::GrpcDriver>(flags.grpc, &workload, &runner);
    if (!grpc->WaitForReady(std::chrono::seconds(10))) {
      std::fprintf(stderr, "genauth-loadgen: cannot connect to %s within 10s\n",
                   flags.grpc.target.c_str());
      return kExitFailed;
    }
    driver = std::move(grpc);
  } else {
    auto direct = std::make_unique<bench::RestDriver>(flags.rest, &workload, &runner);
    std::string init_error;
    if (!direct->Init(&init_error)) {
      std::fprintf(stderr, "genauth-loadgen: %s\n", init_error.c_str());
      return kExitFailed;
    }
    rest = direct.get();
    driver = std::move(direct);
  }

  // A short lead so that the first requests are not late while the sampler thread starts.
  const int64_t start = bench::NowNanos() + 100'000'000;
  std::vector<bench::ProcessTarget> targets = flags.sample;
  targets.push_back({"loadgen", getpid()});
  bench::ProcessSampler sampler(targets, runner.WindowStart(start), runner.WindowEnd(start),
                                std::chrono::milliseconds(100));
  const bench::RunReport report = runner.Run(driver.get(), start);
  if (report.interrupted) sampler.Stop();
  const std::vector<bench::ProcessUsage> usage = sampler.Results();

  const nlohmann::json result =
      bench::ResultJson(flags, report, usage, rest != nullptr ? rest->token_fetches() : 0);
  if (!flags.json_out.empty()) {
    std::ofstream out(flags.json_out);
    out << result.dump(2) << "\n";
    if (!out) {
      std::fprintf(stderr, "genauth-loadgen: cannot write %s\n", flags.json_out.c_str());
      return kExitFailed;
    }
  }
  std::fputs(bench::Summary(result).c_str(), stdout);
  if (bench::ErrorRate(report) > flags.max_error_rate) {
    std::fprintf(stderr, "genauth-loadgen: error rate %.4f above --max-error-rate %.4f\n",
                 bench::ErrorRate(report), flags.max_error_rate);
    return kExitFailed;
  }
  return 0;
}
