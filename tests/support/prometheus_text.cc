// Prometheus text format reader for tests (see prometheus_text.h).
#include "support/prometheus_text.h"

#include <cstdlib>
#include <limits>
#include <sstream>

namespace genauth::testing {
namespace {

bool IsNameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }

// Reads a metric or label name at `pos`; empty when there is none.
std::string ReadName(const std::string& line, size_t& pos) {
  size_t start = pos;
  if (pos >= line.size() || !IsNameStart(line[pos])) return "";
  while (pos < line.size() && IsNameChar(line[pos])) ++pos;
  return line.substr(start, pos - start);
}

std::optional<double> ParseValue(const std::string& text) {
  if (text == "+Inf") return std::numeric_limits<double>::infinity();
  if (text == "-Inf") return -std::numeric_limits<double>::infinity();
  if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size()) return std::nullopt;
  return value;
}

// `{a="1",b="x\"y"}` starting at `pos` (which is at '{').
bool ReadLabels(const std::string& line, size_t& pos, std::map<std::string, std::string>* out) {
  ++pos;  // '{'
  while (pos < line.size() && line[pos] != '}') {
    std::string name = ReadName(line, pos);
    if (name.empty() || pos + 1 >= line.size() || line[pos] != '=' || line[pos + 1] != '"') {
      return false;
    }
    pos += 2;
    std::string value;
    for (;;) {
      if (pos >= line.size()) return false;
      char c = line[pos++];
      if (c == '"') break;
      if (c != '\\') {
        value += c;
        continue;
      }
      if (pos >= line.size()) return false;
      char escaped = line[pos++];
      if (escaped == 'n') {
        value += '\n';
      } else if (escaped == '\\' || escaped == '"') {
        value += escaped;
      } else {
        return false;
      }
    }
    if (!out->emplace(name, value).second) return false;  // a label twice
    if (pos < line.size() && line[pos] == ',') ++pos;
  }
  if (pos >= line.size()) return false;
  ++pos;  // '}'
  return true;
}

}  // namespace

std::optional<double> PrometheusText::Value(
    const std::string& name, const std::map<std::string, std::string>& labels) const {
  for (const auto& sample : samples) {
    if (sample.name == name && sample.labels == labels) return sample.value;
  }
  return std::nullopt;
}

std::optional<PrometheusText> ParsePrometheusText(const std::string& text, std::string* error) {
  PrometheusText parsed;
  std::istringstream lines(text);
  std::string line;
  auto fail = [&](const std::string& why) {
    *error = why + ": " + line;
    return std::nullopt;
  };
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    if (line[0] == '#') {
      std::istringstream words(line);
      std::string hash, keyword, family, rest;
      words >> hash >> keyword >> family;
      if (keyword == "TYPE") {
        words >> rest;
        if (rest != "counter" && rest != "gauge" && rest != "histogram" && rest != "summary" &&
            rest != "untyped") {
          return fail("unknown type");
        }
        if (!parsed.types.emplace(family, rest).second) return fail("a second TYPE line");
      } else if (keyword == "HELP" && family.empty()) {
        return fail("HELP without a name");
      }
      continue;
    }
    PrometheusSample sample;
    size_t pos = 0;
    sample.name = ReadName(line, pos);
    if (sample.name.empty()) return fail("no metric name");
    if (pos < line.size() && line[pos] == '{' && !ReadLabels(line, pos, &sample.labels)) {
      return fail("malformed labels");
    }
    if (pos >= line.size() || line[pos] != ' ') return fail("no space before the value");
    std::string value_text = line.substr(pos + 1);
    // An optional timestamp follows the value.
    value_text = value_text.substr(0, value_text.find(' '));
    std::optional<double> value = ParseValue(value_text);
    if (!value) return fail("not a number");
    sample.value = *value;
    parsed.samples.push_back(std::move(sample));
  }
  return parsed;
}

}  // namespace genauth::testing
