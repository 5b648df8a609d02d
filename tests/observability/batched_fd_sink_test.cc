// BatchedFdSink: lines reach the descriptor whole and in order, in batches; a buffer that would
// overflow drops whole lines and counts them; a reader that never reads cannot hold up the
// logging thread or the sink's destruction for longer than its final timeout.
#include "observability/batched_fd_sink.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "spdlog/logger.h"

namespace genauth::observability {
namespace {

using std::chrono::milliseconds;
using ::testing::ElementsAre;

class Pipe {
 public:
  Pipe() {
    int fds[2];
    EXPECT_EQ(pipe2(fds, O_CLOEXEC), 0);
    read_fd_ = fds[0];
    write_fd_ = fds[1];
  }
  ~Pipe() {
    close(read_fd_);
    close(write_fd_);
  }
  int write_fd() const { return write_fd_; }

  // Reads until `lines` newline-terminated lines have arrived or `timeout` has passed.
  std::vector<std::string> ReadLines(size_t lines, milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::vector<std::string> out;
    while (out.size() < lines && std::chrono::steady_clock::now() < deadline) {
      pollfd p{read_fd_, POLLIN, 0};
      if (poll(&p, 1, 20) <= 0) continue;
      char buffer[4096];
      const ssize_t n = read(read_fd_, buffer, sizeof(buffer));
      if (n <= 0) break;
      partial_.append(buffer, static_cast<size_t>(n));
      size_t end;
      while ((end = partial_.find('\n')) != std::string::npos) {
        out.push_back(partial_.substr(0, end));
        partial_.erase(0, end + 1);
      }
    }
    return out;
  }

 private:
  int read_fd_ = -1;
  int write_fd_ = -1;
  std::string partial_;
};

// Options writing to `pipe` whose timed flush never comes within a test: only a flush, a wait or
// destruction writes.
BatchedFdSinkOptions WithoutTimedFlush(const Pipe& pipe) {
  BatchedFdSinkOptions options;
  options.fd = pipe.write_fd();
  options.flush_interval = milliseconds(60 * 1000);
  return options;
}

std::shared_ptr<spdlog::logger> LoggerOn(const std::shared_ptr<BatchedFdSink>& sink) {
  auto logger = std::make_shared<spdlog::logger>("test", sink);
  logger->set_pattern("%v");
  return logger;
}

TEST(BatchedFdSinkTest, WritesWholeLinesInOrderWithinTheFlushInterval) {
  Pipe pipe;
  BatchedFdSinkOptions options;
  options.fd = pipe.write_fd();
  options.flush_interval = milliseconds(20);
  auto sink = std::make_shared<BatchedFdSink>(options);
  auto logger = LoggerOn(sink);
  logger->info("one");
  logger->info("two");
  logger->info("three");
  EXPECT_THAT(pipe.ReadLines(3, milliseconds(5000)), ElementsAre("one", "two", "three"));
  EXPECT_EQ(sink->dropped_lines(), 0u);
}

TEST(BatchedFdSinkTest, AFlushWritesAtOnceWithoutWaitingForTheInterval) {
  Pipe pipe;
  const BatchedFdSinkOptions options = WithoutTimedFlush(pipe);
  auto sink = std::make_shared<BatchedFdSink>(options);
  auto logger = LoggerOn(sink);
  logger->flush_on(spdlog::level::err);
  logger->info("queued");
  logger->error("urgent");
  EXPECT_THAT(pipe.ReadLines(2, milliseconds(5000)), ElementsAre("queued", "urgent"));
}

TEST(BatchedFdSinkTest, WaitUntilWrittenReturnsOnceTheLinesAreOut) {
  Pipe pipe;
  const BatchedFdSinkOptions options = WithoutTimedFlush(pipe);
  auto sink = std::make_shared<BatchedFdSink>(options);
  auto logger = LoggerOn(sink);
  logger->info("before exit");
  sink->WaitUntilWritten(milliseconds(5000));
  // Already in the pipe: readable at once.
  EXPECT_THAT(pipe.ReadLines(1, milliseconds(1)), ElementsAre("before exit"));
}

TEST(BatchedFdSinkTest, DestructionWritesWhatIsBuffered) {
  Pipe pipe;
  const BatchedFdSinkOptions options = WithoutTimedFlush(pipe);
  {
    auto sink = std::make_shared<BatchedFdSink>(options);
    auto logger = LoggerOn(sink);
    logger->info("last words");
  }
  EXPECT_THAT(pipe.ReadLines(1, milliseconds(1000)), ElementsAre("last words"));
}

// Nobody reads: the pipe (64 KiB) fills, the writer blocks, the buffer fills, and from then on the
// logging thread drops lines instead of waiting. Destruction gives up after its final timeout.
TEST(BatchedFdSinkTest, AStalledReaderCostsDroppedLinesNeverABlockedLogger) {
  Pipe pipe;
  BatchedFdSinkOptions options;
  options.fd = pipe.write_fd();
  options.max_bytes = 16 * 1024;
  options.wake_bytes = 4 * 1024;
  options.flush_interval = milliseconds(5);
  options.final_flush_timeout = milliseconds(100);
  const std::string line(1000, 'x');
  const auto start = std::chrono::steady_clock::now();
  uint64_t dropped = 0;
  {
    auto sink = std::make_shared<BatchedFdSink>(options);
    auto logger = LoggerOn(sink);
    // 4 MB offered: far past the pipe plus the buffer. Bounded: 4000 lines.
    for (int i = 0; i < 4000; ++i) logger->info(line);
    dropped = sink->dropped_lines();
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GT(dropped, 3000u);
  // The loop itself never waited for the reader; only destruction's bounded final flush did.
  EXPECT_LT(elapsed, std::chrono::seconds(3));
  // What did arrive is whole lines.
  Pipe* p = &pipe;
  for (const std::string& got : p->ReadLines(20, milliseconds(200))) EXPECT_EQ(got, line);
}

}  // namespace
}  // namespace genauth::observability
