// ASCII case folding for protocol tokens (HTTP header names, URL schemes, auth words), which are
// case-insensitive in ASCII only: no locale is consulted, other bytes pass through unchanged.
#pragma once

#include <string>
#include <string_view>

namespace genauth::common {

inline std::string AsciiLower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return lower;
}

}  // namespace genauth::common
