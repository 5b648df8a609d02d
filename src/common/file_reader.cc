// Whole-file reading (see file_reader.h).
#include "common/file_reader.h"

#include <fstream>

namespace genauth::common {

std::optional<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string content;
  char buffer[4096];
  while (in.read(buffer, sizeof(buffer)) || in.gcount() > 0) {
    content.append(buffer, static_cast<size_t>(in.gcount()));
  }
  // badbit marks a read error (a directory, EIO); eof+fail is the normal end.
  if (in.bad()) return std::nullopt;
  return content;
}

}  // namespace genauth::common
