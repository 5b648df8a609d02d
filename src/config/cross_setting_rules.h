// The rules that relate two settings, checked once every setting has been read (each setting's own
// rules are in its row of the settings table). A rule is skipped when a setting it reads was
// itself refused: that setting's error says enough.
#pragma once

#include "config/config.h"
#include "config/raw_settings.h"

namespace genauth::config {

// Plain http:// only to a loopback host, unless GENAUTH_ALLOW_INSECURE_HTTP is true.
void CheckInsecureHost(RawSettings& raw, Config& config);

// A duration row's `at_least` (SIDECAR_RETRY_MAX_DELAY >= SIDECAR_RETRY_BASE_DELAY).
void CheckDurationsAtLeast(RawSettings& raw, const Config& config);

// The admin endpoint and gRPC may not ask for the same fixed address: both would fail to bind at
// start-up, and saying why now is clearer.
void CheckAdminDiffersFromGrpc(RawSettings& raw, const Config& config);

}  // namespace genauth::config
