// genauth-loadgen's command line: every setting of a run, parsed and checked before anything
// starts. The usage text (Usage()) is the CLI's reference; bench/README.md shows it in use.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "grpc_driver.h"
#include "open_loop_runner.h"
#include "process_sampler.h"
#include "rest_driver.h"
#include "workload.h"

namespace genauth::bench {

enum class Mode { kSidecar, kDirect };

struct LoadgenFlags {
  Mode mode = Mode::kSidecar;
  GrpcDriverOptions grpc;
  RestDriverOptions rest;
  WorkloadOptions workload;
  std::string rpc = "trigger";  // as given: trigger, get, list or mix
  RunOptions run;
  std::vector<ProcessTarget> sample;
  std::string json_out;
  std::string label;
  double max_error_rate = 1.0;  // exit 1 above it; 1 = never
  bool help = false;
  bool version = false;  // --version: print the version and exit
};

// Parses argv (without the program name). `env_secret` is GENAUTH_ACCESS_KEY_SECRET's value, if
// set. Returns "" or the first problem.
std::string ParseLoadgenFlags(const std::vector<std::string>& args, const char* env_secret,
                              LoadgenFlags* flags);

const char* LoadgenUsage();

}  // namespace genauth::bench
