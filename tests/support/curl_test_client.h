// A one-call HTTP client on libcurl's easy interface, for tests of the raw test servers and for
// comparing the sidecar's client with what plain libcurl does against the same scripted reply.
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <functional>
#include <string>

namespace genauth::testing {

struct CurlResult {
  CURLcode code = CURLE_OK;
  long status = 0;          // CURLINFO_RESPONSE_CODE; 0 when no response arrived
  long connect_status = 0;  // CURLINFO_HTTP_CONNECTCODE: the proxy's answer to CONNECT
  std::string body;
  std::string error;  // CURLOPT_ERRORBUFFER's message, empty on success
  std::chrono::milliseconds elapsed{};
};

// Performs one request for `url`. Defaults, set before `configure` runs (which may override
// them): no proxy (environment variables such as http_proxy are ignored), a 5 s total timeout,
// no signals. `configure` sets anything else on the handle (method, body, proxy, ...).
CurlResult CurlPerform(const std::string& url, const std::function<void(CURL*)>& configure = {});

}  // namespace genauth::testing
