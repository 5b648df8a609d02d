// Fuzzes the Retry-After parser (delay-seconds and the three HTTP-date forms). The result is a
// wait the client sleeps before retrying and adds to a steady-clock time point, so it must never
// be negative and never larger than the longest wait the parser accepts.
// Input: four bytes of "now" (seconds since 1970, big-endian), then the header value.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "retry/retry_after.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  genauth::fuzz::FuzzInput input(data, size);
  uint32_t now_s = 0;
  for (int i = 0; i < 4; ++i) now_s = (now_s << 8) | input.Byte();
  const std::string value(input.Rest());
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(now_s));

  std::optional<std::chrono::nanoseconds> wait = genauth::retry::ParseRetryAfter(value, now);
  if (!wait) return 0;
  // The delay-seconds form accepts at most 9 digits; a date may not mean a longer wait.
  constexpr std::chrono::seconds kLongest(999999999);
  FUZZ_CHECK(wait->count() >= 0);
  FUZZ_CHECK(*wait <= kLongest);

  // The parser ignores surrounding spaces and tabs.
  std::string_view trimmed = value;
  while (!trimmed.empty() && (trimmed.front() == ' ' || trimmed.front() == '\t')) {
    trimmed.remove_prefix(1);
  }
  while (!trimmed.empty() && (trimmed.back() == ' ' || trimmed.back() == '\t')) {
    trimmed.remove_suffix(1);
  }
  bool digits = !trimmed.empty();
  for (char c : trimmed) digits = digits && c >= '0' && c <= '9';
  if (digits) {
    // Plain seconds do not depend on the time.
    FUZZ_CHECK(*wait == std::chrono::seconds(std::stoll(std::string(trimmed))));
  } else {
    // A date: one second later, the wait is one second shorter (or already zero).
    auto later = genauth::retry::ParseRetryAfter(value, now + std::chrono::seconds(1));
    FUZZ_CHECK(later.has_value());
    FUZZ_CHECK(*later == (*wait > std::chrono::seconds(1) ? *wait - std::chrono::seconds(1)
                                                          : std::chrono::nanoseconds::zero()));
  }
  return 0;
}
