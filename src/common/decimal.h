// Whole decimal integers from text (flag values, query parameters): digits with an optional
// leading '-', nothing else — no spaces, no '+', no fraction, no exponent.
#pragma once

#include <optional>
#include <string_view>

namespace genauth::common {

// `text` as an integer in [min, max]; nullopt when it is not one or lies outside.
std::optional<long long> ParseDecimalInteger(std::string_view text, long long min, long long max);

}  // namespace genauth::common
