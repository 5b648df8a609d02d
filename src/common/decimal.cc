// Whole decimal integers (see decimal.h).
#include "common/decimal.h"

#include <charconv>

namespace genauth::common {

std::optional<long long> ParseDecimalInteger(std::string_view text, long long min, long long max) {
  long long value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || value < min || value > max) {
    return std::nullopt;
  }
  return value;
}

}  // namespace genauth::common
