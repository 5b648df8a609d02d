// URL building for GenAuth requests: percent-encoding and path + query targets.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace genauth::upstream {

// RFC 3986 percent-encoding of a query component (unreserved characters kept as they are).
std::string UrlEncode(std::string_view text);

// `path` followed by `?k=v&...` with keys and values encoded; just `path` without parameters.
std::string Target(const std::string& path,
                   const std::vector<std::pair<std::string, std::string>>& query);

}  // namespace genauth::upstream
