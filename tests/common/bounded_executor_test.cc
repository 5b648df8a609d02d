// Tests of BoundedExecutor. Workers are held on gates (condition variables) rather than timed
// waits, so every assertion about "busy" and "full" is deterministic.
#include "common/bounded_executor.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <limits>
#include <mutex>
#include <thread>
#include <vector>

namespace genauth::common {
namespace {

// A countdown latch (std::latch is C++20): Wait() returns once CountDown() ran `count` times.
class Latch {
 public:
  explicit Latch(int count) : count_(count) {}

  void CountDown() {
    std::lock_guard<std::mutex> lock(mu_);
    if (--count_ <= 0) cv_.notify_all();
  }

  void Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return count_ <= 0; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int count_;
};

TEST(BoundedExecutorTest, RunsEverySubmittedTask) {
  BoundedExecutor executor(2, 16);
  constexpr int kTasks = 10;
  Latch done(kTasks);
  std::atomic<int> ran{0};
  for (int i = 0; i < kTasks; ++i) {
    ASSERT_TRUE(executor.TrySubmit([&] {
      ran.fetch_add(1);
      done.CountDown();
    }));
  }
  done.Wait();
  EXPECT_EQ(ran.load(), kTasks);
}

TEST(BoundedExecutorTest, ZeroThreadsStillGetsOneWorker) {
  BoundedExecutor executor(0, 1);
  Latch done(1);
  ASSERT_TRUE(executor.TrySubmit([&] { done.CountDown(); }));
  done.Wait();
}

TEST(BoundedExecutorTest, RefusesWhenEveryWorkerIsBusyAndTheQueueIsFull) {
  BoundedExecutor executor(2, 1);
  Latch started(2);
  Latch gate(1);
  std::atomic<int> ran{0};
  auto blocking = [&] {
    started.CountDown();
    gate.Wait();
    ran.fetch_add(1);
  };
  ASSERT_TRUE(executor.TrySubmit(blocking));
  ASSERT_TRUE(executor.TrySubmit(blocking));
  started.Wait();  // both workers now hold a task
  EXPECT_EQ(executor.active(), 2u);
  EXPECT_EQ(executor.queued(), 0u);

  EXPECT_TRUE(executor.TrySubmit([&] { ran.fetch_add(1); }));  // the one queue slot
  EXPECT_EQ(executor.queued(), 1u);
  EXPECT_FALSE(executor.TrySubmit([&] { ran.fetch_add(100); }));
  EXPECT_FALSE(executor.TrySubmit([&] { ran.fetch_add(100); }));
  EXPECT_EQ(executor.queued(), 1u);

  gate.CountDown();
  executor.Shutdown();
  EXPECT_EQ(ran.load(), 3);  // the refused tasks never ran
  EXPECT_EQ(executor.active(), 0u);
  EXPECT_EQ(executor.queued(), 0u);
}

TEST(BoundedExecutorTest, NoQueueMeansOnlyFreeWorkersAcceptTasks) {
  BoundedExecutor executor(1, 0);
  Latch gate(1);
  // Whether or not the worker has taken the first task yet, there is no room for a second.
  ASSERT_TRUE(executor.TrySubmit([&] { gate.Wait(); }));
  EXPECT_FALSE(executor.TrySubmit([] {}));
  gate.CountDown();
}

TEST(BoundedExecutorTest, ShutdownRunsTasksStillQueued) {
  // An effectively unbounded queue: TrySubmit can then only fail because of Shutdown.
  BoundedExecutor executor(1, std::numeric_limits<size_t>::max() / 2);
  Latch started(1);
  Latch gate(1);
  std::atomic<int> ran{0};
  ASSERT_TRUE(executor.TrySubmit([&] {
    started.CountDown();
    gate.Wait();
  }));
  started.Wait();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(executor.TrySubmit([&] { ran.fetch_add(1); }));
  ASSERT_EQ(executor.queued(), 3u);

  std::thread stopper([&] { executor.Shutdown(); });
  // Probe until the executor refuses: from then on Shutdown is under way while the worker is
  // still held, so the queued tasks (and every accepted probe) can only run during Shutdown.
  int probes = 0;
  while (executor.TrySubmit([&] { ran.fetch_add(1); })) {
    ++probes;
    std::this_thread::yield();
  }
  gate.CountDown();
  stopper.join();
  EXPECT_EQ(ran.load(), 3 + probes);
  EXPECT_EQ(executor.queued(), 0u);
}

TEST(BoundedExecutorTest, DestructorRunsQueuedTasks) {
  std::atomic<int> ran{0};
  {
    BoundedExecutor executor(1, 8);
    Latch started(1);
    Latch gate(1);
    ASSERT_TRUE(executor.TrySubmit([&] {
      started.CountDown();
      gate.Wait();
    }));
    started.Wait();
    for (int i = 0; i < 4; ++i) ASSERT_TRUE(executor.TrySubmit([&] { ran.fetch_add(1); }));
    gate.CountDown();
  }
  EXPECT_EQ(ran.load(), 4);
}

TEST(BoundedExecutorTest, RefusesAfterShutdownAndShutdownIsIdempotent) {
  BoundedExecutor executor(2, 4);
  executor.Shutdown();
  std::atomic<int> ran{0};
  EXPECT_FALSE(executor.TrySubmit([&] { ran.fetch_add(1); }));
  executor.Shutdown();
  EXPECT_FALSE(executor.TrySubmit([&] { ran.fetch_add(1); }));
  EXPECT_EQ(ran.load(), 0);
  EXPECT_EQ(executor.queued(), 0u);
}

}  // namespace
}  // namespace genauth::common
