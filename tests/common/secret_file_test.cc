// ReadSecretFile on real files in a temporary directory: content and mode, the 64 KiB bound (one
// byte over is refused, exactly at it is not), symlinks followed, and everything that is not a
// regular file refused without blocking (a FIFO with no writer included). SecretFileWarning:
// only access by every user warns.
#include "common/secret_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace genauth::common {
namespace {

namespace fs = std::filesystem;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

class SecretFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("secret-file-test-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  std::string Write(const std::string& name, const std::string& content, mode_t mode) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << content;
    EXPECT_EQ(chmod(path.c_str(), mode), 0);
    return path;
  }

  fs::path dir_;
};

TEST_F(SecretFileTest, ReadsTheContentAndTheMode) {
  const std::string path = Write("secret", "s3cr3t\n", 0440);
  absl::StatusOr<SecretFileContent> file = ReadSecretFile(path);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->content, "s3cr3t\n");
  EXPECT_EQ(file->mode, 0440u);
}

TEST_F(SecretFileTest, FollowsSymlinksAsAMountedSecretNeeds) {
  // The kubelet's layout: secret -> ..data/secret, ..data -> ..2024_01_01_00_00_00.1.
  fs::create_directories(dir_ / "..2024_01_01_00_00_00.1");
  Write("..2024_01_01_00_00_00.1/secret", "rotated", 0400);
  fs::create_directory_symlink("..2024_01_01_00_00_00.1", dir_ / "..data");
  fs::create_symlink("..data/secret", dir_ / "secret");
  absl::StatusOr<SecretFileContent> file = ReadSecretFile((dir_ / "secret").string());
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->content, "rotated");
  EXPECT_EQ(file->mode, 0400u);
}

TEST_F(SecretFileTest, AFileAtTheBoundIsReadAndOneByteMoreIsRefused) {
  const std::string at_bound = Write("at", std::string(kMaxSecretFileBytes, 'a'), 0400);
  absl::StatusOr<SecretFileContent> file = ReadSecretFile(at_bound);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->content.size(), kMaxSecretFileBytes);

  const std::string over = Write("over", std::string(kMaxSecretFileBytes + 1, 'b'), 0400);
  absl::StatusOr<SecretFileContent> refused = ReadSecretFile(over);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(refused.status().message()),
              AllOf(HasSubstr("more than 64 KiB"), Not(HasSubstr("bbbb"))));
}

TEST_F(SecretFileTest, ASmallerBoundIsHonoured) {
  const std::string path = Write("secret", "0123456789", 0400);
  EXPECT_TRUE(ReadSecretFile(path, 10).ok());
  absl::StatusOr<SecretFileContent> refused = ReadSecretFile(path, 9);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("more than 9 bytes"));
}

TEST_F(SecretFileTest, WhatIsNotARegularFileIsRefused) {
  absl::StatusOr<SecretFileContent> directory = ReadSecretFile(dir_.string());
  ASSERT_FALSE(directory.ok());
  EXPECT_THAT(
      std::string(directory.status().message()),
      HasSubstr("expected a regular file holding the access key secret, found a directory"));

  // No writer ever opens it: a blocking open would hang here (the test's timeout would tell).
  const std::string fifo = (dir_ / "fifo").string();
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  absl::StatusOr<SecretFileContent> pipe = ReadSecretFile(fifo);
  ASSERT_FALSE(pipe.ok());
  EXPECT_THAT(std::string(pipe.status().message()), HasSubstr("found a FIFO"));

  absl::StatusOr<SecretFileContent> device = ReadSecretFile("/dev/zero");
  ASSERT_FALSE(device.ok());
  EXPECT_THAT(std::string(device.status().message()), HasSubstr("found a device"));
}

TEST_F(SecretFileTest, AMissingFileSaysWhy) {
  absl::StatusOr<SecretFileContent> missing = ReadSecretFile((dir_ / "missing").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(), "cannot open the file: No such file or directory");
}

TEST(SecretFileWarningTest, OnlyAccessByEveryUserWarns) {
  for (mode_t mode : {0400u, 0440u, 0600u, 0640u, 0660u, 0000u}) {
    EXPECT_EQ(SecretFileWarning("F", mode), std::nullopt) << mode;
  }
  for (mode_t mode : {0644u, 0444u, 0604u, 0602u, 0666u}) {
    std::optional<std::string> warning = SecretFileWarning("GENAUTH_ACCESS_KEY_SECRET_FILE", mode);
    ASSERT_TRUE(warning.has_value()) << mode;
    EXPECT_THAT(*warning, AllOf(HasSubstr("GENAUTH_ACCESS_KEY_SECRET_FILE has mode 0"),
                                HasSubstr("defaultMode: 0400"), HasSubstr("chmod o-rwx")));
  }
  EXPECT_THAT(*SecretFileWarning("F", 0644), HasSubstr("has mode 0644"));
}

}  // namespace
}  // namespace genauth::common
