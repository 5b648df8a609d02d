// Reading the access key secret file (GENAUTH_ACCESS_KEY_SECRET_FILE), at start-up and on every
// rotation poll: bounded in size, a regular file only, with its permission bits for the caller to
// judge (see SecretFileWarning). Symlinks are followed: a mounted Kubernetes Secret is a chain of
// them (`secret -> ..data/secret`, `..data -> ..2024_01_01...`).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <string>

#include "absl/status/statusor.h"

namespace genauth::common {

// The most a secret file may hold. An access key secret is a few dozen bytes; the bound keeps a
// misconfigured path (a log file, /dev/zero through a symlink, a huge file) from being read into
// memory whole.
inline constexpr size_t kMaxSecretFileBytes = 64 * 1024;

struct SecretFileContent {
  // The bytes of the file. Holds the secret: the caller wipes it (common::WipeString) once done.
  std::string content;
  mode_t mode = 0;  // permission bits (st_mode & 07777) of the file the path resolves to
};

// Reads `path` whole. Errors, whose messages never contain the content: the file cannot be opened
// or read (the system's reason), is not a regular file (a directory, FIFO, socket or device: it is
// checked on the opened descriptor, so a swap of the path in between changes nothing), or holds
// more than `max_bytes`. Never blocks on a FIFO.
absl::StatusOr<SecretFileContent> ReadSecretFile(const std::string& path,
                                                 size_t max_bytes = kMaxSecretFileBytes);

// A warning (not an error) for a secret file whose permissions let every user read or write it,
// nullopt otherwise; `describe` names the file in it. Only the "other" bits count: group access is
// what the shipped manifests need (the pod's fsGroup, which the kubelet also adds to a Secret
// volume's files whatever defaultMode says), so warning about it would only teach people to ignore
// the warning. The kubelet's default for Secret volumes, 0644, is what this catches.
std::optional<std::string> SecretFileWarning(const std::string& describe, mode_t mode);

}  // namespace genauth::common
