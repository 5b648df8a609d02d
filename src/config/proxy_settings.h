// The proxy for GenAuth, from the standard variables rather than a setting of ours: as libcurl
// would read them for GENAUTH_HOST's scheme, but read here so that the start-up log can name the
// proxy and a bad URL is a clear error.
#pragma once

#include <string_view>
#include <vector>

#include "config/config.h"
#include "config/raw_settings.h"

namespace genauth::config {

// For an https:// host, in the order libcurl reads them (the lower-case spelling first).
const std::vector<std::string_view>& HttpsProxyVariables();
// For an http:// host: HTTP_PROXY is deliberately not read (CGI's "httpoxy" problem), as curl.
const std::vector<std::string_view>& HttpProxyVariables();
// The hosts reached without the proxy.
const std::vector<std::string_view>& NoProxyVariables();

bool IsProxyVariable(std::string_view name);

// Sets config.proxy, proxy_variable and no_proxy for config.genauth_host's scheme. A bad proxy URL
// is an error that names the variable, never its value (it may carry credentials).
void ApplyProxy(RawSettings& raw, Config& config);

}  // namespace genauth::config
