// Turns one setting's raw text into its Config field, as its kind in the settings table says:
// the same rules and error wording for every setting of a kind.
#pragma once

#include "config/config.h"
#include "config/raw_settings.h"
#include "config/settings_table.h"

namespace genauth::config {

// Stores the setting's value in `config` when it is set and valid; reports it in `raw` when it is
// invalid, or missing and required. The secret and its file are left to secret_settings.h.
void ApplySetting(const Setting& setting, RawSettings& raw, Config& config);

}  // namespace genauth::config
