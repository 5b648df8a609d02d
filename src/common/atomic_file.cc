// Atomic small-file writes (see atomic_file.h).
#include "common/atomic_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

namespace genauth::common {

std::string WriteFileAtomically(const std::string& path, const std::string& contents,
                                std::string_view what) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << contents;
    out.flush();
    if (!out) {
      std::remove(temporary.c_str());
      return "cannot write " + std::string(what) + " " + temporary;
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    const int error = errno;
    std::remove(temporary.c_str());
    return "cannot rename " + temporary + " to " + path + ": " + std::strerror(error);
  }
  return "";
}

}  // namespace genauth::common
