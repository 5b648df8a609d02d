// Bounded secret file reading (see secret_file.h).
#include "common/secret_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/secret_memory.h"

namespace genauth::common {
namespace {

std::string FileTypeName(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
  return "not a regular file";
}

std::string FormatMode(mode_t mode) {
  std::string out = "0000";
  for (size_t i = 3; i >= 1; --i, mode >>= 3) out[i] = static_cast<char>('0' + (mode & 7));
  return out;
}

// Closes the descriptor on every return path.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

std::string SizeText(size_t bytes) {
  if (bytes % 1024 == 0) return std::to_string(bytes / 1024) + " KiB";
  return std::to_string(bytes) + " bytes";
}

}  // namespace

absl::StatusOr<SecretFileContent> ReadSecretFile(const std::string& path, size_t max_bytes) {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer; it is refused below
  // once fstat tells what it is. For a regular file the flag changes nothing.
  const FileDescriptor fd(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (fd.get() < 0) {
    return absl::FailedPreconditionError(std::string("cannot open the file: ") +
                                         std::strerror(errno));
  }
  struct stat info {};
  if (fstat(fd.get(), &info) != 0) {
    return absl::FailedPreconditionError(std::string("cannot check the file: ") +
                                         std::strerror(errno));
  }
  if (!S_ISREG(info.st_mode)) {
    return absl::FailedPreconditionError(
        "expected a regular file holding the access key secret, "
        "found " +
        FileTypeName(info.st_mode));
  }
  SecretFileContent result;
  result.mode = info.st_mode & 07777;
  // One buffer of the bound plus one byte, allocated once: growing a string while reading would
  // leave copies of the secret in the freed smaller buffers, which nothing could wipe. Reading one
  // byte past the bound is how a file that is too large is told apart from one exactly at it
  // (st_size alone would miss files that report 0, as /proc's do).
  std::string& buffer = result.content;
  buffer.resize(max_bytes + 1);
  size_t filled = 0;
  while (filled < buffer.size()) {
    const ssize_t n = read(fd.get(), buffer.data() + filled, buffer.size() - filled);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      WipeString(buffer);
      return absl::FailedPreconditionError(std::string("cannot read the file: ") +
                                           std::strerror(error));
    }
    filled += static_cast<size_t>(n);
  }
  if (filled > max_bytes) {
    WipeString(buffer);
    return absl::FailedPreconditionError("the file holds more than " + SizeText(max_bytes) +
                                         " (the most a secret file may hold); expected the access "
                                         "key secret alone");
  }
  buffer.resize(filled);  // shrinking keeps the same buffer: nothing is copied
  return result;
}

std::optional<std::string> SecretFileWarning(const std::string& describe, mode_t mode) {
  if ((mode & (S_IROTH | S_IWOTH)) == 0) return std::nullopt;
  return describe + " has mode " + FormatMode(mode) +
         ": every user who can reach the file may read (or change) the access key secret. On "
         "Kubernetes set defaultMode: 0400 on the Secret volume (0440 with an fsGroup, as the "
         "shipped manifests do; the kubelet's default is 0644); elsewhere chmod o-rwx the file";
}

}  // namespace genauth::common
