// Human-readable durations ("250ms", "10s", "1.5m", "2h"), as used in configuration and the CLI.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace genauth::common {

// Parses a non-negative decimal number followed by one of the units ns, us, ms, s, m, h.
// Returns nullopt for anything else (no unit, negative, overflow, trailing text).
std::optional<std::chrono::nanoseconds> ParseDuration(std::string_view text);

// Formats as the shortest exact form among ms/s ("1500ms" is "1.5s"): for messages and logs.
std::string FormatDuration(std::chrono::nanoseconds d);

}  // namespace genauth::common
