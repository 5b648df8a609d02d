// The value syntaxes settings are written in (numbers, sizes, durations, file modes, booleans,
// addresses, the GenAuth URL) and their canonical spellings for --help. Pure functions: no
// knowledge of which setting uses which syntax (that is the settings table's job).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace genauth::config {

// ASCII lower case (setting names, choices, URL schemes).
std::string Lower(std::string_view s);

// Any byte up to space, or DEL: never valid inside an identifier, header value or secret.
bool HasSpaceOrControl(std::string_view s);
std::string_view TrimTrailingSpace(std::string_view s);

// A value as it appears in an error: quoted, escaped onto one line, and cut short when long.
std::string Quote(std::string_view s);

// Decimal digits with an optional '-' (no '+', spaces or junk); nullopt on overflow.
std::optional<int64_t> ParseInt(std::string_view text);
// true/false, 1/0, yes/no in any case.
std::optional<bool> ParseBool(std::string_view text);
// Bytes, or a whole number with a suffix Ki, Mi or Gi; at most 2^40 before the suffix.
std::optional<int64_t> ParseByteSize(std::string_view text);
// Octal digits only, as in chmod: "0660", "660", "600"; at most 0777.
std::optional<uint32_t> ParseFileMode(std::string_view text);

// Two whole percentages, "70%-90%" (the % signs optional), each 0 to 100, the first not above the
// second.
struct PercentRange {
  int start = 0;
  int end = 0;
};
std::optional<PercentRange> ParsePercentRange(std::string_view text);

// Exact and short, in a unit ParseDuration accepts: 10s, 1500ms, 2m.
std::string FormatMillis(std::chrono::milliseconds d);
// A byte count in the largest binary unit that divides it: 4194304 -> "4Mi".
std::string FormatBytes(int64_t bytes);
// A file mode as chmod(1) writes it: "0660".
std::string FormatMode(uint32_t mode);

struct HostUrl {
  std::string url;  // normalised: lower-case, no trailing slash
  bool plain_http = false;
  bool loopback = false;
};
// Parses http(s)://host[:port][/...] where the only path allowed is trailing slashes; on failure
// `why` says what was expected.
std::optional<HostUrl> ParseHostUrl(std::string_view text, std::string* why);

// host:port with an IPv4 address, localhost or [IPv6].
bool IsTcpListenAddress(std::string_view text);
// host:port as above, or unix:/absolute/path; on failure `why` says what was expected.
bool IsListenAddress(std::string_view text, std::string* why);

}  // namespace genauth::config
