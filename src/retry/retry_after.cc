// Retry-After parsing (see retry_after.h).
#include "retry/retry_after.h"

#include <ctime>
#include <string>

namespace genauth::retry {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Tries each date form; strptime must consume the whole string.
std::optional<std::time_t> ParseHttpDate(const std::string& text) {
  static constexpr const char* kFormats[] = {
      "%a, %d %b %Y %H:%M:%S GMT",  // IMF-fixdate
      "%A, %d-%b-%y %H:%M:%S GMT",  // RFC 850
      "%a %b %e %H:%M:%S %Y",       // asctime
  };
  for (const char* format : kFormats) {
    std::tm tm{};
    const char* end = strptime(text.c_str(), format, &tm);
    if (end != nullptr && *end == '\0') return timegm(&tm);
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::chrono::nanoseconds> ParseRetryAfter(std::string_view value,
                                                        common::WallTime now) {
  value = Trim(value);
  if (value.empty()) return std::nullopt;
  bool all_digits = true;
  for (char c : value) all_digits = all_digits && c >= '0' && c <= '9';
  if (all_digits) {
    if (value.size() > 9) return std::nullopt;  // over 31 years: not a real server's answer
    return std::chrono::seconds(std::stoll(std::string(value)));
  }
  auto when = ParseHttpDate(std::string(value));
  if (!when) return std::nullopt;
  // Checked in whole seconds before any conversion to nanoseconds, which overflows int64 for years
  // after 2262 or before 1678 (found by tests/fuzz/retry_after_fuzzer: "31 Dec 9999" gave signed
  // overflow, i.e. an arbitrary wait). A date further ahead than the longest delay-seconds accepted
  // above is no more a real server's answer than 10 digits are.
  constexpr std::time_t kMaxDelaySeconds = 999999999;
  const std::time_t now_seconds = std::chrono::system_clock::to_time_t(now);
  if (*when < now_seconds) return std::chrono::nanoseconds::zero();
  if (*when - now_seconds > kMaxDelaySeconds) return std::nullopt;
  auto target = std::chrono::system_clock::from_time_t(*when);
  if (target <= now) return std::chrono::nanoseconds::zero();
  return std::chrono::duration_cast<std::chrono::nanoseconds>(target - now);
}

}  // namespace genauth::retry
