// The unix socket path's lock, stale-socket removal and creation mode, on real sockets in a
// temporary directory: a stale socket is removed; a socket someone serves on — even one whose
// backlog is full — is left alone and keeps serving, and the check never blocks; a regular file is
// never removed; the lock admits one holder at a time and is free again once released; a socket
// bound under SocketCreationMask has exactly the mode asked for, whatever the umask.
#include "server/unix_socket.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace genauth::server {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

sockaddr_un Address(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return addr;
}

// A bound unix stream socket (listening when `backlog` is set); closed on destruction.
class TestSocket {
 public:
  TestSocket(const std::string& path, std::optional<int> backlog) {
    fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr = Address(path);
    bound_ = bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    if (bound_ && backlog) bound_ = listen(fd_, *backlog) == 0;
  }
  ~TestSocket() { close(fd_); }
  TestSocket(const TestSocket&) = delete;
  TestSocket& operator=(const TestSocket&) = delete;
  bool bound() const { return bound_; }

 private:
  int fd_ = -1;
  bool bound_ = false;
};

// A non-blocking connection attempt: 0 on success, otherwise errno.
int ConnectTo(const std::string& path, std::vector<int>* keep_open = nullptr) {
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  sockaddr_un addr = Address(path);
  const int result = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 ? 0 : errno;
  if (result == 0 && keep_open != nullptr) {
    keep_open->push_back(fd);
  } else {
    close(fd);
  }
  return result;
}

ino_t InodeOf(const std::string& path) {
  struct stat info {};
  EXPECT_EQ(lstat(path.c_str(), &info), 0) << path;
  return info.st_ino;
}

class UnixSocketTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("unix-socket-test-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    path_ = (dir_ / "grpc.sock").string();
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  fs::path dir_;
  std::string path_;
};

TEST_F(UnixSocketTest, NothingAtThePathIsFree) { EXPECT_TRUE(PrepareUnixSocketPath(path_).ok()); }

TEST_F(UnixSocketTest, AStaleSocketIsRemoved) {
  { TestSocket crashed(path_, 16); }  // closed: the file stays, nobody listens
  ASSERT_TRUE(fs::is_socket(path_));
  EXPECT_TRUE(PrepareUnixSocketPath(path_).ok());
  EXPECT_FALSE(fs::exists(path_));
}

TEST_F(UnixSocketTest, ASocketSomeoneServesOnIsLeftAlone) {
  TestSocket serving(path_, 16);
  ASSERT_TRUE(serving.bound());
  const ino_t inode = InodeOf(path_);
  absl::Status status = PrepareUnixSocketPath(path_);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(status.message()), HasSubstr("another process is listening on " + path_));
  EXPECT_EQ(InodeOf(path_), inode);
  EXPECT_EQ(ConnectTo(path_), 0);  // and it still serves
}

TEST_F(UnixSocketTest, ASocketWhoseBacklogIsFullCountsAsServedOnWithoutBlocking) {
  TestSocket busy(path_, 0);  // never accepts: a backlog of 0 fills after a connection or two
  ASSERT_TRUE(busy.bound());
  std::vector<int> pending;
  int result = 0;
  for (int i = 0; i < 64 && result == 0; ++i) result = ConnectTo(path_, &pending);
  ASSERT_EQ(result, EAGAIN) << "the backlog never filled";
  const auto start = std::chrono::steady_clock::now();
  absl::Status status = PrepareUnixSocketPath(path_);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  EXPECT_THAT(std::string(status.message()), HasSubstr("another process is listening"));
  EXPECT_TRUE(fs::is_socket(path_));
  for (int fd : pending) close(fd);
}

TEST_F(UnixSocketTest, ABoundSocketThatDoesNotListenIsStale) {
  // What a process that died between bind and listen leaves: connecting is refused.
  TestSocket bound_only(path_, std::nullopt);
  ASSERT_TRUE(bound_only.bound());
  EXPECT_TRUE(PrepareUnixSocketPath(path_).ok());
  EXPECT_FALSE(fs::exists(path_));
}

TEST_F(UnixSocketTest, ARegularFileIsNeverRemoved) {
  std::ofstream(path_) << "keep me\n";
  absl::Status status = PrepareUnixSocketPath(path_);
  EXPECT_THAT(std::string(status.message()), HasSubstr("exists and is not a socket"));
  std::ifstream in(path_);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "keep me");
}

TEST_F(UnixSocketTest, TheLockAdmitsOneHolderAtATime) {
  auto first = LockUnixSocketPath(path_);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(fs::exists(path_ + ".lock"));
  // flock conflicts between two open files even in one process: this is what a second sidecar
  // started with the same path meets.
  auto second = LockUnixSocketPath(path_);
  ASSERT_FALSE(second.ok());
  EXPECT_THAT(std::string(second.status().message()),
              HasSubstr("another process (a sidecar started with the same socket path) holds " +
                        path_ + ".lock"));
  first->reset();  // released: as when the holder exits, however it exits
  EXPECT_TRUE(LockUnixSocketPath(path_).ok());
}

TEST_F(UnixSocketTest, TheLockNeverFollowsASymlink) {
  const std::string elsewhere = (dir_ / "elsewhere").string();
  fs::create_symlink(elsewhere, path_ + ".lock");
  auto lock = LockUnixSocketPath(path_);
  ASSERT_FALSE(lock.ok());
  EXPECT_THAT(std::string(lock.status().message()), HasSubstr("cannot create the lock file"));
  EXPECT_FALSE(fs::exists(elsewhere));
}

TEST_F(UnixSocketTest, ASocketBoundUnderTheMaskHasExactlyTheMode) {
  const mode_t previous = umask(0);  // the most permissive umask: the mask alone decides
  for (mode_t mode : {0600u, 0660u, 0666u, 0700u, 0000u}) {
    {
      SocketCreationMask mask(mode);
      TestSocket created(path_, 16);
      ASSERT_TRUE(created.bound());
    }
    struct stat info {};
    ASSERT_EQ(stat(path_.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 07777, mode) << FormatFileMode(mode);
    ASSERT_EQ(unlink(path_.c_str()), 0);
  }
  EXPECT_EQ(umask(previous), 0u);  // each mask restored the umask it found
}

}  // namespace
}  // namespace genauth::server
