// Reading a small file whole (the secret file, a CA bundle), following symlinks — a mounted
// Kubernetes Secret is a chain of them.
#pragma once

#include <optional>
#include <string>

namespace genauth::common {

// The file's content; nullopt when it cannot be opened or read (missing, a directory, EIO).
std::optional<std::string> ReadWholeFile(const std::string& path);

}  // namespace genauth::common
