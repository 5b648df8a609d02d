// A run's result as JSON (what --json-out writes and the benchmark scripts read) and as a short
// human summary. Latencies are in milliseconds; the spectrum holds [percentile, ms] pairs from 0
// to the highest percentile the sample count supports, for percentile plots.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "loadgen_flags.h"
#include "open_loop_runner.h"
#include "process_sampler.h"

namespace genauth::bench {

nlohmann::json ResultJson(const LoadgenFlags& flags, const RunReport& report,
                          const std::vector<ProcessUsage>& processes,
                          uint64_t client_token_fetches);

// Failed (not success) and dropped requests over the scheduled ones, 0 when none were scheduled.
double ErrorRate(const RunReport& report);

std::string Summary(const nlohmann::json& result);

}  // namespace genauth::bench
