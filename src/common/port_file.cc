#include "common/port_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

namespace genauth::common {

absl::Status WritePortFile(const std::string& path,
                           const std::vector<std::pair<std::string, int>>& ports) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    for (const auto& [name, port] : ports) {
      if (port != 0) out << name << "=" << port << "\n";
    }
    out.flush();
    if (!out) {
      std::remove(temporary.c_str());
      return absl::FailedPreconditionError("cannot write the port file " + temporary);
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    const int error = errno;
    std::remove(temporary.c_str());
    return absl::FailedPreconditionError("cannot rename " + temporary + " to " + path + ": " +
                                         std::strerror(error));
  }
  return absl::OkStatus();
}

void RemovePortFile(const std::string& path) { unlink(path.c_str()); }

}  // namespace genauth::common
