// The one place that sees all of Config and hands each layer its own options: main starts the
// server with these, and the in-process test harness builds its options the same way (then
// overrides what a test needs), so this mapping is exercised by every end-to-end test.
#pragma once

#include <string>

#include "config/config.h"
#include "server/sidecar_server.h"

namespace genauth::app {

// The x-authing-sdk-version header value: "genauth-sidecar:<version>".
std::string SdkVersion();

// Every setting that configures the server, copied into its layer's options. The settings main
// itself uses (the log level, the port file) are not part of the server's options. The secret is
// copied: the caller wipes config.access_key_secret once it has started the server.
server::SidecarServerOptions ServerOptionsFromConfig(const config::Config& c);

}  // namespace genauth::app
