// Names for the cases of parameterised tests: the fourth argument of INSTANTIATE_TEST_SUITE_P.
// ctest lists every case by its name (tests/CMakeLists.txt registers them with NO_PRETTY_VALUES),
// so a name must say which case it is and be the same in every build: made from the case's own
// data, never from its bytes (GoogleTest prints a struct without PrintTo as raw memory, pointers
// included). GoogleTest allows only letters, digits and '_' in a name, and no two alike.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace genauth::test_names {

// `text` with every character GoogleTest does not allow in a name replaced by '_', cut to 40
// characters; "empty" for "".
inline std::string FromText(std::string_view text) {
  constexpr std::size_t kMaxLength = 40;
  if (text.empty()) return "empty";
  std::string name;
  for (char c : text.substr(0, kMaxLength)) {
    const bool allowed =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    name += allowed ? c : '_';
  }
  return name;
}

// The case's index, then FromText(text): unique even when two texts differ only in characters
// that both become '_' ("-3" and "+3") or beyond the 40th.
inline std::string Indexed(std::size_t index, std::string_view text) {
  return std::to_string(index) + "_" + FromText(text);
}

}  // namespace genauth::test_names
