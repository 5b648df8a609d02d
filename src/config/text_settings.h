// The checks of free-text settings (TextKind in settings_table.h): each returns the value to store,
// normalised, or what was expected as the status message.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "config/config.h"

namespace genauth::config {

// GENAUTH_HOST: http(s)://host[:port], normalised to lower case without a trailing slash. Whether
// plain http:// is allowed depends on another setting (cross_setting_rules.h).
absl::StatusOr<std::string> CheckHostUrl(std::string_view text, const ConfigSource& source);

// Identifiers sent as header values: whitespace or control characters would corrupt the request.
absl::StatusOr<std::string> CheckIdentifier(std::string_view text, const ConfigSource& source);

// A readable PEM file with at least one certificate: checked now because TLS would otherwise fail
// only at the first upstream call.
absl::StatusOr<std::string> CheckCaFile(std::string_view text, const ConfigSource& source);

// host:port (IPv4, localhost or [IPv6]) or unix:/absolute/path.
absl::StatusOr<std::string> CheckListenAddress(std::string_view text, const ConfigSource& source);

// host:port (IPv4, localhost or [IPv6]), or "off" in any case, stored as "".
absl::StatusOr<std::string> CheckAdminListenAddress(std::string_view text,
                                                    const ConfigSource& source);

// The token refresh window, START%-END% of the token's lifetime: START at least 10, END at most 90
// (so a refresh always comes before the expiry margin, at most a tenth of the lifetime). Stored as
// "70%-90%".
absl::StatusOr<std::string> CheckRefreshWindow(std::string_view text, const ConfigSource& source);

// Anything (a path the sidecar writes: whether it can is known only when it tries).
absl::StatusOr<std::string> CheckAnyText(std::string_view text, const ConfigSource& source);

}  // namespace genauth::config
