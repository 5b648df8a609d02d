// Duration parsing and formatting (see duration.h).
#include "common/duration.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace genauth::common {

std::optional<std::chrono::nanoseconds> ParseDuration(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) {
    ++i;
  }
  if (i == 0 || i == text.size()) return std::nullopt;
  std::string number(text.substr(0, i));
  if (number.find('.') != number.rfind('.')) return std::nullopt;
  char* end = nullptr;
  double value = std::strtod(number.c_str(), &end);
  if (end != number.c_str() + number.size() || !std::isfinite(value) || value < 0) {
    return std::nullopt;
  }
  std::string_view unit = text.substr(i);
  double ns_per_unit = 0;
  if (unit == "ns") {
    ns_per_unit = 1;
  } else if (unit == "us") {
    ns_per_unit = 1e3;
  } else if (unit == "ms") {
    ns_per_unit = 1e6;
  } else if (unit == "s") {
    ns_per_unit = 1e9;
  } else if (unit == "m") {
    ns_per_unit = 60e9;
  } else if (unit == "h") {
    ns_per_unit = 3600e9;
  } else {
    return std::nullopt;
  }
  double ns = value * ns_per_unit;
  // About 290 years: anything longer is a typo, and would overflow int64 nanoseconds.
  if (ns > 9e18) return std::nullopt;
  return std::chrono::nanoseconds(static_cast<int64_t>(std::llround(ns)));
}

std::string FormatDuration(std::chrono::nanoseconds d) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  char buf[64];
  if (ms != 0 && ms % 1000 == 0) {
    std::snprintf(buf, sizeof(buf), "%llds", static_cast<long long>(ms / 1000));
  } else if (ms >= 1000) {
    // Exact: seconds with the milliseconds as a decimal fraction, trailing zeros dropped.
    std::snprintf(buf, sizeof(buf), "%lld.%03lld", static_cast<long long>(ms / 1000),
                  static_cast<long long>(ms % 1000));
    std::string text = buf;
    while (text.back() == '0') text.pop_back();
    return text + "s";
  } else if (ms > 0 || d.count() == 0) {
    std::snprintf(buf, sizeof(buf), "%lldms", static_cast<long long>(ms));
  } else {
    std::snprintf(
        buf, sizeof(buf), "%lldus",
        static_cast<long long>(std::chrono::duration_cast<std::chrono::microseconds>(d).count()));
  }
  return buf;
}

}  // namespace genauth::common
