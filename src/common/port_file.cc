#include "common/port_file.h"

#include <unistd.h>

#include "common/atomic_file.h"

namespace genauth::common {

absl::Status WritePortFile(const std::string& path,
                           const std::vector<std::pair<std::string, int>>& ports) {
  std::string text;
  for (const auto& [name, port] : ports) {
    if (port != 0) text += name + "=" + std::to_string(port) + "\n";
  }
  const std::string error = WriteFileAtomically(path, text, "the port file");
  if (error.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(error);
}

void RemovePortFile(const std::string& path) { unlink(path.c_str()); }

}  // namespace genauth::common
