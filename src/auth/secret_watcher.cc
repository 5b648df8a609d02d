// Polling secret rotation (see secret_watcher.h).
#include "auth/secret_watcher.h"

#include <utility>

#include "common/duration.h"
#include "common/thread_name.h"
namespace genauth::auth {
namespace {

bool IsSpaceOrControl(char c) {
  auto u = static_cast<unsigned char>(c);
  return u <= 0x20 || u == 0x7f;
}

}  // namespace

absl::StatusOr<std::string> SecretFromFileContent(std::string_view content) {
  while (!content.empty() && IsSpaceOrControl(content.back())) content.remove_suffix(1);
  if (content.empty()) return absl::InvalidArgumentError("the file is empty");
  for (char c : content) {
    if (IsSpaceOrControl(c)) {
      return absl::InvalidArgumentError(
          "the file has whitespace or control characters before its end (content not shown); "
          "expected the access key secret alone");
    }
  }
  return std::string(content);
}

SecretWatcher::SecretWatcher(SecretWatcherOptions options, std::string secret_in_use,
                             FileReader read_file, Applier apply, common::Clock* clock,
                             observability::MetricsRegistry* metrics,
                             const observability::JsonLogger* logger)
    : options_(std::move(options)),
      read_file_(std::move(read_file)),
      apply_(std::move(apply)),
      clock_(clock),
      logger_(logger),
      rotations_(metrics->GetCounter("genauth_secret_rotations_total", {},
                                     "Access key secrets read from a changed secret file and put "
                                     "into use")),
      unreadable_(metrics->GetCounter("genauth_secret_rotation_failures_total",
                                      {{"reason", "unreadable"}},
                                      "Polls of a changed secret file whose secret could not be "
                                      "put into use, by reason; the old secret stays in use")),
      invalid_(
          metrics->GetCounter("genauth_secret_rotation_failures_total", {{"reason", "invalid"}})),
      rejected_(
          metrics->GetCounter("genauth_secret_rotation_failures_total", {{"reason", "rejected"}})),
      secret_in_use_(std::move(secret_in_use)),
      next_poll_(clock->Now() + options_.poll_interval) {}

SecretWatcher::~SecretWatcher() { Stop(); }

void SecretWatcher::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (poller_.joinable() || stopping_) return;
  poller_ = std::thread([this] {
    common::NameThisThread("genauth-secret");
    PollerLoop();
  });
}

void SecretWatcher::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (poller_.joinable()) poller_.join();
}

SecretWatcher::PollResult SecretWatcher::PollNow() {
  std::lock_guard<std::mutex> lock(poll_mu_);
  return PollLocked();
}

common::TimePoint SecretWatcher::RunDuePoll() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (clock_->Now() < next_poll_) return next_poll_;
  }
  PollNow();
  std::lock_guard<std::mutex> lock(mu_);
  // From the end of this poll: a slow applier (a token fetch) does not make polls bunch up.
  next_poll_ = clock_->Now() + options_.poll_interval;
  return next_poll_;
}

SecretWatcher::PollResult SecretWatcher::PollLocked() {
  absl::StatusOr<std::string> content = read_file_(options_.path);
  if (!content.ok()) {
    Fail("unreadable", unreadable_, std::string(content.status().message()), "");
    return PollResult::kFailed;
  }
  const PollResult result = Examine(*content);
  common::WipeString(*content);
  return result;
}

SecretWatcher::PollResult SecretWatcher::Examine(const std::string& content) {
  absl::StatusOr<std::string> secret = SecretFromFileContent(content);
  if (!secret.ok()) {
    Fail("invalid", invalid_, std::string(secret.status().message()), content);
    return PollResult::kFailed;
  }
  if (*secret == secret_in_use_.value()) {
    common::WipeString(*secret);
    last_failure_key_.Replace({});  // back to a good state: a later failure is news again
    return PollResult::kUnchanged;
  }
  if (absl::Status applied = apply_(*secret); !applied.ok()) {
    Fail("rejected", rejected_, std::string(applied.message()), *secret);
    common::WipeString(*secret);
    return PollResult::kFailed;
  }
  // The old secret is wiped here; the applier made its own copy (Credentials keeps it in a string
  // wiped when the last fetch or signature using it is done).
  secret_in_use_.Replace(*std::move(secret));
  last_failure_key_.Replace({});
  rotations_->Increment();
  if (logger_ != nullptr) {
    logger_->Info("access key secret rotated", {{"file", options_.path}});
  }
  return PollResult::kRotated;
}

void SecretWatcher::Fail(std::string_view reason, observability::Counter* counter,
                         const std::string& error, const std::string& content) {
  counter->Increment();
  // The key holds the content only to tell one bad secret from the next; it is never logged.
  common::SecretString key(std::string(reason) + '\n' + error + '\n' + content);
  if (key.value() == last_failure_key_.value() || logger_ == nullptr) return;
  last_failure_key_ = std::move(key);
  logger_->Warn("access key secret rotation failed; the previous secret stays in use",
                {{"file", options_.path},
                 {"reason", reason},
                 {"error", error},
                 {"retryIn", common::FormatDuration(options_.poll_interval)}});
}

void SecretWatcher::PollerLoop() {
  for (;;) {
    const common::TimePoint due = RunDuePoll();
    std::unique_lock<std::mutex> lock(mu_);
    if (stop_cv_.wait_for(lock, due - clock_->Now(), [this] { return stopping_; })) return;
  }
}

}  // namespace genauth::auth
