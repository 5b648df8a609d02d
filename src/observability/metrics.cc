// Counters, gauges, histograms and their Prometheus rendering (see metrics.h).
#include "observability/metrics.h"

#include <charconv>
#include <cmath>
#include <system_error>

namespace genauth::observability {
namespace {

std::string EscapeLabelValue(const std::string& v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// HELP text escapes only backslash and newline (text format 0.0.4).
std::string EscapeHelp(const std::string& help) {
  std::string out;
  out.reserve(help.size());
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// `{a="1",b="2"}`, or empty for no labels: both the map key and the rendered form.
std::string RenderLabels(const Labels& labels) {
  if (labels.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ",";
    out += labels[i].first + "=\"" + EscapeLabelValue(labels[i].second) + "\"";
  }
  return out + "}";
}

// A rendered label set with one more label appended: `{a="1"}` + le -> `{a="1",le="0.5"}`.
std::string WithLabel(const std::string& rendered, const std::string& name,
                      const std::string& value) {
  std::string pair = name + "=\"" + EscapeLabelValue(value) + "\"";
  if (rendered.empty()) return "{" + pair + "}";
  return rendered.substr(0, rendered.size() - 1) + "," + pair + "}";
}

// Sample values and bucket bounds: the shortest decimal that reads back as the same double, in
// plain notation (0.0005, not 5e-04, as Prometheus clients write `le`), or +Inf/-Inf/NaN.
std::string FormatDouble(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buffer[400];  // fixed notation of the largest double needs 309 digits
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), v, std::chars_format::fixed);
  if (ec != std::errc()) return std::to_string(v);
  return std::string(buffer, end);
}

}  // namespace

MetricsRegistry::Family& MetricsRegistry::FamilyLocked(const std::string& name,
                                                       const std::string& help, Type type) {
  Family& family = families_[name];
  if (family.help.empty()) family.help = help;
  family.type = type;
  return family;
}

Counter* MetricsRegistry::GetCounter(const std::string& name, const Labels& labels,
                                     const std::string& help) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot = FamilyLocked(name, help, Type::kCounter).counters[RenderLabels(labels)];
  if (!slot) slot = std::make_unique<Counter>();
  return slot.get();
}

Gauge* MetricsRegistry::GetGauge(const std::string& name, const Labels& labels,
                                 const std::string& help) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot = FamilyLocked(name, help, Type::kGauge).gauges[RenderLabels(labels)];
  if (!slot) slot = std::make_unique<Gauge>();
  return slot.get();
}

Histogram* MetricsRegistry::GetHistogram(const std::string& name, const Labels& labels,
                                         const std::string& help,
                                         const std::vector<double>& bounds) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot = FamilyLocked(name, help, Type::kHistogram).histograms[RenderLabels(labels)];
  if (!slot) slot = std::make_unique<Histogram>(bounds);
  return slot.get();
}

void MetricsRegistry::SetGaugeFunction(const std::string& name, const Labels& labels,
                                       const std::string& help, GaugeFunction value) {
  std::lock_guard<std::mutex> functions_lock(functions_mu_);
  std::lock_guard<std::mutex> lock(mu_);
  Family& family = FamilyLocked(name, help, Type::kGauge);
  if (value) {
    family.gauge_functions[RenderLabels(labels)] = std::move(value);
  } else {
    family.gauge_functions.erase(RenderLabels(labels));
  }
}

uint64_t MetricsRegistry::CounterValue(const std::string& name, const Labels& labels) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto family = families_.find(name);
  if (family == families_.end()) return 0;
  auto it = family->second.counters.find(RenderLabels(labels));
  return it == family->second.counters.end() ? 0 : it->second->value();
}

int64_t MetricsRegistry::GaugeValue(const std::string& name, const Labels& labels) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto family = families_.find(name);
  if (family == families_.end()) return 0;
  auto it = family->second.gauges.find(RenderLabels(labels));
  return it == family->second.gauges.end() ? 0 : it->second->value();
}

std::string MetricsRegistry::RenderPrometheus() const {
  // Gauge functions first, outside mu_: they take their owners' locks, and an owner may be inside
  // GetCounter at that moment.
  std::map<std::pair<std::string, std::string>, std::optional<double>> computed;
  {
    std::lock_guard<std::mutex> functions_lock(functions_mu_);
    std::vector<std::pair<std::pair<std::string, std::string>, GaugeFunction>> functions;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (const auto& [name, family] : families_) {
        for (const auto& [labels, function] : family.gauge_functions) {
          functions.push_back({{name, labels}, function});
        }
      }
    }
    for (const auto& [series, function] : functions) computed[series] = function();
  }

  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  for (const auto& [name, family] : families_) {
    if (!family.help.empty()) out += "# HELP " + name + " " + EscapeHelp(family.help) + "\n";
    const char* type = family.type == Type::kCounter ? "counter"
                       : family.type == Type::kGauge ? "gauge"
                                                     : "histogram";
    out += "# TYPE " + name + " " + type + "\n";
    for (const auto& [labels, counter] : family.counters) {
      out += name + labels + " " + std::to_string(counter->value()) + "\n";
    }
    for (const auto& [labels, gauge] : family.gauges) {
      out += name + labels + " " + std::to_string(gauge->value()) + "\n";
    }
    for (const auto& [labels, function] : family.gauge_functions) {
      auto it = computed.find({name, labels});
      if (it == computed.end() || !it->second) continue;  // added during this render, or no value
      out += name + labels + " " + FormatDouble(*it->second) + "\n";
    }
    for (const auto& [labels, histogram] : family.histograms) {
      const Histogram::Snapshot snapshot = histogram->Take();
      const std::vector<double>& bounds = histogram->bounds();
      for (size_t i = 0; i < snapshot.cumulative.size(); ++i) {
        const std::string le = i < bounds.size() ? FormatDouble(bounds[i]) : "+Inf";
        out += name + "_bucket" + WithLabel(labels, "le", le) + " " +
               std::to_string(snapshot.cumulative[i]) + "\n";
      }
      out += name + "_sum" + labels + " " + FormatDouble(snapshot.sum) + "\n";
      out += name + "_count" + labels + " " + std::to_string(snapshot.count) + "\n";
    }
  }
  return out;
}

}  // namespace genauth::observability
