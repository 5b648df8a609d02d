// The access key secret's two sources (see secret_settings.h).
#include "config/secret_settings.h"

#include <optional>
#include <string>
#include <utility>

#include "common/secret_memory.h"
#include "config/value_parsers.h"

namespace genauth::config {
namespace {

absl::StatusOr<common::SecretFileContent> ReadSecretFile(const ConfigSource& source,
                                                         const std::string& path) {
  if (!source.read_secret_file) return absl::FailedPreconditionError("cannot read the file");
  return source.read_secret_file(path);
}

void ApplySecretFile(RawSettings& raw, const RawValue& file, Config& config) {
  absl::StatusOr<common::SecretFileContent> read = ReadSecretFile(raw.source(), file.text);
  if (!read.ok()) {
    raw.Error(kAccessKeySecretFile, file, std::string(read.status().message()));
    return;
  }
  // Wiped on every way out: the file's content is the secret (plus a newline).
  struct Wipe {
    std::string& content;
    ~Wipe() { common::WipeString(content); }
  } wipe{read->content};
  std::string_view value = TrimTrailingSpace(read->content);
  if (value.empty()) {
    raw.Error(kAccessKeySecretFile, file, "the file is empty; expected the access key secret");
    return;
  }
  if (HasSpaceOrControl(value)) {
    raw.Error(kAccessKeySecretFile, file,
              "the file has whitespace or control characters before its end (content not shown); "
              "expected the access key secret alone");
    return;
  }
  if (auto warning =
          common::SecretFileWarning(raw.Describe(kAccessKeySecretFile, file), read->mode)) {
    raw.Warning(*std::move(warning));
  }
  config.access_key_secret = std::string(value);
  config.access_key_secret_file = file.text;
}

}  // namespace

void ApplyAccessKeySecret(RawSettings& raw, Config& config) {
  std::optional<RawValue> secret = raw.Get(kAccessKeySecret);
  // This copy holds the secret: wiped on every way out.
  struct Wipe {
    std::optional<RawValue>& value;
    ~Wipe() {
      if (value) common::WipeString(value->text);
    }
  } wipe{secret};
  std::optional<RawValue> file = raw.Get(kAccessKeySecretFile);
  if (secret && file) {
    raw.Error(kAccessKeySecret,
              std::string(kAccessKeySecret) + " and " + std::string(kAccessKeySecretFile) +
                  " are both set (from the environment or flags): set exactly one");
    return;
  }
  if (!secret && !file) {
    if (raw.secret_flag_refused()) return;
    raw.Error(kAccessKeySecret, "the access key secret is required: set " +
                                    std::string(kAccessKeySecret) + " or " +
                                    std::string(kAccessKeySecretFile) + " (exactly one)");
    return;
  }
  if (file) {
    ApplySecretFile(raw, *file, config);
    return;
  }
  // Trailing whitespace is dropped from both sources: files usually end with a newline, and a
  // Kubernetes Secret created from such a file carries it into the environment too.
  std::string_view value = TrimTrailingSpace(secret->text);
  if (value.empty() || HasSpaceOrControl(value)) {
    raw.Error(kAccessKeySecret, *secret,
              "expected the secret alone, without whitespace or control characters");
    return;
  }
  config.access_key_secret = std::string(value);
}

}  // namespace genauth::config
