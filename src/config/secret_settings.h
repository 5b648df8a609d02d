// The access key secret: exactly one of GENAUTH_ACCESS_KEY_SECRET (environment only) and
// GENAUTH_ACCESS_KEY_SECRET_FILE. No message from here contains the secret or the file's content.
#pragma once

#include "config/config.h"
#include "config/raw_settings.h"

namespace genauth::config {

inline constexpr std::string_view kAccessKeySecret = "GENAUTH_ACCESS_KEY_SECRET";
inline constexpr std::string_view kAccessKeySecretFile = "GENAUTH_ACCESS_KEY_SECRET_FILE";

// Sets config.access_key_secret (and access_key_secret_file when it came from a file). Warns when
// the file's mode lets every user read it.
void ApplyAccessKeySecret(RawSettings& raw, Config& config);

}  // namespace genauth::config
