// The checks of free-text settings (see text_settings.h).
#include "config/text_settings.h"

#include <optional>

#include "absl/status/status.h"
#include "config/value_parsers.h"

namespace genauth::config {

absl::StatusOr<std::string> CheckHostUrl(std::string_view text, const ConfigSource& /*source*/) {
  std::string why;
  std::optional<HostUrl> host = ParseHostUrl(text, &why);
  if (!host) return absl::InvalidArgumentError(why);
  return host->url;
}

absl::StatusOr<std::string> CheckIdentifier(std::string_view text, const ConfigSource& /*source*/) {
  if (HasSpaceOrControl(text)) {
    return absl::InvalidArgumentError("expected no whitespace or control characters");
  }
  return std::string(text);
}

absl::StatusOr<std::string> CheckCaFile(std::string_view text, const ConfigSource& source) {
  const std::string path(text);
  std::optional<std::string> content =
      source.read_file ? source.read_file(path) : std::optional<std::string>();
  if (!content) return absl::InvalidArgumentError("cannot read the file");
  if (content->find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
    return absl::InvalidArgumentError("expected a PEM file with at least one CERTIFICATE block");
  }
  return path;
}

absl::StatusOr<std::string> CheckListenAddress(std::string_view text,
                                               const ConfigSource& /*source*/) {
  std::string why;
  if (!IsListenAddress(text, &why)) return absl::InvalidArgumentError(why);
  return std::string(text);
}

absl::StatusOr<std::string> CheckAdminListenAddress(std::string_view text,
                                                    const ConfigSource& /*source*/) {
  if (Lower(text) == "off") return std::string();
  if (!IsTcpListenAddress(text)) {
    return absl::InvalidArgumentError(
        "expected host:port (host an IPv4 address, localhost or [IPv6]; port 0 to 65535) or off");
  }
  return std::string(text);
}

absl::StatusOr<std::string> CheckRefreshWindow(std::string_view text,
                                               const ConfigSource& /*source*/) {
  const std::optional<PercentRange> range = ParsePercentRange(text);
  if (!range || range->start < 10 || range->end > 90) {
    return absl::InvalidArgumentError(
        "expected START%-END% of the token's lifetime, such as 70%-90%: START at least 10, END at "
        "most 90 and not below START");
  }
  return std::to_string(range->start) + "%-" + std::to_string(range->end) + "%";
}

absl::StatusOr<std::string> CheckAnyText(std::string_view text, const ConfigSource& /*source*/) {
  return std::string(text);
}

}  // namespace genauth::config
