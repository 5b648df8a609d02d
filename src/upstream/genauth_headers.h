// The fixed headers every request to GenAuth carries, built in this one place for the token
// fetcher and the call client: `<prefix>-sdk-version` and `<prefix>-lang`, plus
// `<prefix>-app-tenant-id` when a tenant is configured. The prefix is "x-authing" or "x-genauth"
// (GENAUTH_HEADER_PREFIX), as the official SDKs send.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace genauth::upstream {

using HeaderPairs = std::vector<std::pair<std::string, std::string>>;

// `tenant_id` empty: no tenant header.
inline HeaderPairs FixedGenAuthHeaders(const std::string& prefix, const std::string& sdk_version,
                                       const std::string& lang, const std::string& tenant_id = "") {
  HeaderPairs headers = {{prefix + "-sdk-version", sdk_version}, {prefix + "-lang", lang}};
  if (!tenant_id.empty()) headers.emplace_back(prefix + "-app-tenant-id", tenant_id);
  return headers;
}

}  // namespace genauth::upstream
