// The file a process writes once it serves, naming the ports it bound, so that a script or test
// that asked for port 0 learns them without reading logs (log text is not an API).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace genauth::common {

// Writes `name=port` lines, one per listener, to `path` atomically (a temporary file renamed
// over it), so a reader that sees the file sees all of it. A port of 0 (not a TCP listener, or
// off) is left out.
absl::Status WritePortFile(const std::string& path,
                           const std::vector<std::pair<std::string, int>>& ports);

// Removes it at exit, so a stale file never names the ports of a process that has gone.
void RemovePortFile(const std::string& path);

}  // namespace genauth::common
