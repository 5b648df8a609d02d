// The secret watcher on a fake clock with a fake file: polls on schedule, applies only a changed
// secret, keeps the old one when the new one fails, retries on the next poll, counts both, and
// never logs a secret. The polling thread is not started: the test plays it with RunDuePoll().
#include "auth/secret_watcher.h"

#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <vector>

#include "spdlog/sinks/ostream_sink.h"

namespace genauth::auth {
namespace {

using std::chrono::seconds;
using PollResult = SecretWatcher::PollResult;

constexpr char kOldSecret[] = "OLD-secret-0a1b";
constexpr char kNewSecret[] = "NEW-secret-9z8y";
constexpr char kPath[] = "/var/run/secrets/genauth/secret";

class SecretWatcherTest : public ::testing::Test {
 protected:
  SecretWatcherTest()
      : log_(std::make_shared<std::ostringstream>()),
        logger_(std::make_shared<spdlog::logger>(
                    "test", std::make_shared<spdlog::sinks::ostream_sink_mt>(*log_)),
                &clock_) {
    files_[kPath] = std::string(kOldSecret) + "\n";
  }

  std::unique_ptr<SecretWatcher> MakeWatcher() {
    return std::make_unique<SecretWatcher>(
        SecretWatcherOptions{kPath, seconds(10)}, kOldSecret,
        [this](const std::string& path) -> absl::StatusOr<std::string> {
          ++reads_;
          auto it = files_.find(path);
          if (it == files_.end()) return absl::FailedPreconditionError(read_error_);
          return it->second;
        },
        [this](const std::string& secret) -> absl::Status {
          applied_.push_back(secret);
          return apply_result_;
        },
        &clock_, &metrics_, &logger_);
  }

  uint64_t Failures(const std::string& reason) const {
    return metrics_.CounterValue("genauth_secret_rotation_failures_total", {{"reason", reason}});
  }
  uint64_t Rotations() const { return metrics_.CounterValue("genauth_secret_rotations_total"); }
  std::string Logs() const {
    logger_.sink().flush();
    return log_->str();
  }

  common::FakeClock clock_;
  observability::MetricsRegistry metrics_;
  std::shared_ptr<std::ostringstream> log_;
  observability::JsonLogger logger_;
  std::map<std::string, std::string> files_;
  int reads_ = 0;
  std::string read_error_ = "cannot open the file: No such file or directory";
  std::vector<std::string> applied_;
  absl::Status apply_result_;
};

TEST_F(SecretWatcherTest, PollsOncePerIntervalAndLeavesAnUnchangedSecretAlone) {
  auto watcher = MakeWatcher();
  const common::TimePoint start = clock_.Now();
  EXPECT_EQ(watcher->RunDuePoll(), start + seconds(10));  // not due yet
  EXPECT_EQ(reads_, 0);
  clock_.Advance(seconds(10));
  EXPECT_EQ(watcher->RunDuePoll(), start + seconds(20));
  EXPECT_EQ(reads_, 1);
  EXPECT_EQ(watcher->RunDuePoll(), start + seconds(20));  // once per interval
  EXPECT_EQ(reads_, 1);
  EXPECT_TRUE(applied_.empty());  // same secret (the trailing newline does not count)
  EXPECT_EQ(Rotations(), 0u);
}

TEST_F(SecretWatcherTest, AppliesAChangedSecretOnce) {
  auto watcher = MakeWatcher();
  files_[kPath] = std::string(kNewSecret) + "\r\n";
  clock_.Advance(seconds(10));
  watcher->RunDuePoll();
  ASSERT_EQ(applied_, std::vector<std::string>{kNewSecret});
  EXPECT_EQ(Rotations(), 1u);
  clock_.Advance(seconds(10));
  watcher->RunDuePoll();
  EXPECT_EQ(applied_.size(), 1u);  // now in use: nothing more to do
  EXPECT_EQ(Rotations(), 1u);
  EXPECT_NE(Logs().find("access key secret rotated"), std::string::npos);
}

TEST_F(SecretWatcherTest, RejectedSecretIsRetriedOnEveryPollAndLoggedOnce) {
  auto watcher = MakeWatcher();
  files_[kPath] = kNewSecret;
  apply_result_ = absl::UnavailableError("token endpoint refused the access key: statusCode 401");
  for (int i = 0; i < 3; ++i) {
    clock_.Advance(seconds(10));
    watcher->RunDuePoll();
  }
  EXPECT_EQ(applied_.size(), 3u);
  EXPECT_EQ(Failures("rejected"), 3u);
  EXPECT_EQ(Rotations(), 0u);
  const std::string logs = Logs();
  size_t first = logs.find("rotation failed");
  ASSERT_NE(first, std::string::npos);
  EXPECT_EQ(logs.find("rotation failed", first + 1), std::string::npos) << logs;
  EXPECT_NE(logs.find("statusCode 401"), std::string::npos);

  apply_result_ = absl::OkStatus();  // GenAuth now knows the new secret
  clock_.Advance(seconds(10));
  watcher->RunDuePoll();
  EXPECT_EQ(Rotations(), 1u);
  EXPECT_EQ(applied_.size(), 4u);
  EXPECT_EQ(Logs().find(kNewSecret), std::string::npos);
  EXPECT_EQ(Logs().find(kOldSecret), std::string::npos);
}

TEST_F(SecretWatcherTest, UnreadableOrInvalidFilesKeepTheSecretInUse) {
  auto watcher = MakeWatcher();
  files_.erase(kPath);
  EXPECT_EQ(watcher->PollNow(), PollResult::kFailed);
  EXPECT_EQ(Failures("unreadable"), 1u);
  for (const std::string& bad :
       std::vector<std::string>{"", " \n", std::string(kNewSecret) + " and more"}) {
    files_[kPath] = bad;
    EXPECT_EQ(watcher->PollNow(), PollResult::kFailed) << bad;
  }
  EXPECT_EQ(Failures("invalid"), 3u);
  EXPECT_TRUE(applied_.empty());
  files_[kPath] = kOldSecret;
  EXPECT_EQ(watcher->PollNow(), PollResult::kUnchanged);
  EXPECT_EQ(Logs().find(kNewSecret), std::string::npos) << Logs();
}

TEST_F(SecretWatcherTest, TheReadersReasonIsLoggedWithTheFile) {
  auto watcher = MakeWatcher();
  files_.erase(kPath);
  read_error_ = "the file holds more than 64 KiB (the most a secret file may hold)";
  EXPECT_EQ(watcher->PollNow(), PollResult::kFailed);
  EXPECT_EQ(Failures("unreadable"), 1u);
  const std::string logs = Logs();
  EXPECT_NE(logs.find("\"reason\":\"unreadable\""), std::string::npos) << logs;
  EXPECT_NE(logs.find(read_error_), std::string::npos) << logs;
  EXPECT_NE(logs.find(kPath), std::string::npos) << logs;
}

TEST_F(SecretWatcherTest, PollNowRunsOutOfSchedule) {
  auto watcher = MakeWatcher();
  files_[kPath] = kNewSecret;
  EXPECT_EQ(watcher->PollNow(), PollResult::kRotated);
  EXPECT_EQ(watcher->PollNow(), PollResult::kUnchanged);
  files_[kPath] = kOldSecret;  // rotating back is a rotation too
  EXPECT_EQ(watcher->PollNow(), PollResult::kRotated);
  EXPECT_EQ(Rotations(), 2u);
}

TEST(SecretFromFileContentTest, TrimsTheEndAndRefusesWhitespaceInside) {
  EXPECT_EQ(*SecretFromFileContent("abc\n"), "abc");
  EXPECT_EQ(*SecretFromFileContent("abc \t\r\n\n"), "abc");
  EXPECT_FALSE(SecretFromFileContent("").ok());
  EXPECT_FALSE(SecretFromFileContent("\n").ok());
  absl::StatusOr<std::string> inner = SecretFromFileContent("key: abc");
  ASSERT_FALSE(inner.ok());
  EXPECT_EQ(std::string(inner.status().message()).find("abc"), std::string::npos);
}

}  // namespace
}  // namespace genauth::auth
