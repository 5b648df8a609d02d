// JSON string quoting (RFC 8259 section 7), as JSON.stringify writes it: the two-character escapes
// where they exist, \u00XX (lower-case hex) for other control characters, every other byte as is
// (UTF-8 passes through unchanged; checking it is the caller's business).
#pragma once

#include <string>
#include <string_view>

namespace genauth::common {

// Appends `text` to `out` as a quoted JSON string.
void AppendJsonString(std::string_view text, std::string* out);

}  // namespace genauth::common
