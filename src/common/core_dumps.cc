// Core dumps off (see core_dumps.h).
#include "common/core_dumps.h"

#include <sys/prctl.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace genauth::common {

absl::Status DisableCoreDumps() {
  std::string failures;
  const rlimit none{0, 0};
  if (setrlimit(RLIMIT_CORE, &none) != 0) {
    failures += std::string("setrlimit(RLIMIT_CORE, 0): ") + std::strerror(errno);
  }
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
    if (!failures.empty()) failures += "; ";
    failures += std::string("prctl(PR_SET_DUMPABLE, 0): ") + std::strerror(errno);
  }
  if (!failures.empty()) return absl::InternalError("cannot turn core dumps off: " + failures);
  return absl::OkStatus();
}

}  // namespace genauth::common
