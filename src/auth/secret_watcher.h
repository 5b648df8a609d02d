// Secret rotation without a restart. Kubernetes updates a mounted Secret by writing the new files
// into a fresh directory and swapping the `..data` symlink to it, so the path the sidecar was given
// keeps resolving, to the new content. Watching that with inotify is fragile (the watched inode is
// never modified; the symlink above it is replaced), so the watcher polls: every `poll_interval`
// it reads the file and compares the secret in it with the one in use.
//
// A new secret is handed to the `Applier`, which puts it into use and says whether that worked
// (with a management token: only once a token was fetched with it; see SidecarServer). When it
// fails — unreadable file, not a bare secret, or GenAuth refused it — the old secret stays in use,
// a warning is logged (never the secret), genauth_secret_rotation_failures_total{reason} counts
// it, and the next poll tries again. genauth_secret_rotations_total counts secrets put into use.
//
// Every copy of a secret the watcher holds (the one in use, what a poll read) is wiped when it is
// replaced or dropped (common/secret_memory.h).
//
// File reading and time are injected: tests drive RunDuePoll() on a FakeClock with a fake reader,
// without the thread. Thread-safe; polls never overlap.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/clock.h"
#include "common/secret_memory.h"
#include "observability/json_logger.h"
#include "observability/metrics.h"

namespace genauth::auth {

struct SecretWatcherOptions {
  std::string path;  // the file the secret was read from (GENAUTH_ACCESS_KEY_SECRET_FILE)
  common::Duration poll_interval = std::chrono::seconds(10);
};

// The secret in a secret file's content: trailing whitespace and newlines dropped (as when the
// sidecar started); empty content or whitespace inside is an error whose message never contains
// the content.
absl::StatusOr<std::string> SecretFromFileContent(std::string_view content);

class SecretWatcher {
 public:
  // The whole content of a file, or why it cannot be used (the message is logged: it must never
  // contain the content). The sidecar's reads it with common::ReadSecretFile (size-bounded, regular
  // files only). The watcher wipes the content once the poll is over.
  using FileReader = std::function<absl::StatusOr<std::string>(const std::string& path)>;
  // Puts a new secret into use; an error leaves the old one in use.
  using Applier = std::function<absl::Status(const std::string& secret)>;

  enum class PollResult { kUnchanged, kRotated, kFailed };

  // `secret_in_use` is the secret the sidecar started with. `clock`, `metrics` and `logger` must
  // outlive the watcher. The first poll is due one interval from now.
  SecretWatcher(SecretWatcherOptions options, std::string secret_in_use, FileReader read_file,
                Applier apply, common::Clock* clock, observability::MetricsRegistry* metrics,
                const observability::JsonLogger* logger);
  ~SecretWatcher();

  SecretWatcher(const SecretWatcher&) = delete;
  SecretWatcher& operator=(const SecretWatcher&) = delete;

  // Starts the polling thread. Without it, tests call RunDuePoll() or PollNow() themselves.
  void Start();
  // Stops the thread (waits for a poll in progress). Idempotent.
  void Stop();

  // Polls now, whatever the schedule (an operator or test that knows the file changed).
  PollResult PollNow();
  // Polls if one is due and schedules the next. Returns when the next poll is due.
  common::TimePoint RunDuePoll();

 private:
  PollResult PollLocked();
  // One poll's work on `content` (the file as read), which PollLocked wipes afterwards.
  PollResult Examine(const std::string& content);
  // Counts a failed poll and logs it, once for the same failure with the same file content.
  void Fail(std::string_view reason, observability::Counter* counter, const std::string& error,
            const std::string& content);
  void PollerLoop();

  const SecretWatcherOptions options_;
  const FileReader read_file_;
  const Applier apply_;
  common::Clock* const clock_;
  const observability::JsonLogger* const logger_;
  observability::Counter* const rotations_;
  observability::Counter* const unreadable_;
  observability::Counter* const invalid_;
  observability::Counter* const rejected_;

  std::mutex poll_mu_;                     // held for a whole poll, so polls never overlap
  common::SecretString secret_in_use_;     // guarded by poll_mu_
  common::SecretString last_failure_key_;  // guarded by poll_mu_; the failure logged last

  std::mutex mu_;
  std::condition_variable stop_cv_;
  common::TimePoint next_poll_;  // guarded by mu_
  bool stopping_ = false;        // guarded by mu_
  std::thread poller_;
};

}  // namespace genauth::auth
