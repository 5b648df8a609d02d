// A strict reader of the Prometheus text exposition format (0.0.4) for tests that scrape /metrics:
// every line must be a comment, a # HELP / # TYPE line or a well-formed sample, so a rendering bug
// fails the test instead of hiding behind a substring match.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace genauth::testing {

struct PrometheusSample {
  std::string name;                           // e.g. genauth_sidecar_calls_total, x_bucket
  std::map<std::string, std::string> labels;  // unescaped values
  double value = 0;
};

struct PrometheusText {
  std::vector<PrometheusSample> samples;
  std::map<std::string, std::string> types;  // metric family -> counter | gauge | histogram

  // The value of the sample with exactly this name and label set; nullopt when there is none.
  std::optional<double> Value(const std::string& name,
                              const std::map<std::string, std::string>& labels = {}) const;
};

// Parses `text`; nullopt (and the offending line in `error`) when any line is malformed.
std::optional<PrometheusText> ParsePrometheusText(const std::string& text, std::string* error);

}  // namespace genauth::testing
