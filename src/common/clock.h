// Injectable time source. Token expiry, refresh scheduling, backoff and Retry-After all read time
// through a Clock so that tests drive them with FakeClock instead of sleeping.
#pragma once

#include <chrono>
#include <mutex>

namespace genauth::common {

using Duration = std::chrono::nanoseconds;
// Monotonic time: deadlines, expiry, backoff.
using TimePoint = std::chrono::steady_clock::time_point;
// Calendar time: only for values that come as dates (HTTP-date Retry-After, log timestamps).
using WallTime = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
  virtual WallTime WallNow() const = 0;
  // Blocks the calling thread until `until` (returns at once if it has passed).
  virtual void SleepUntil(TimePoint until) = 0;
};

// The real clocks. Stateless and thread-safe; one shared instance is enough.
class SystemClock final : public Clock {
 public:
  static SystemClock* Get();
  TimePoint Now() const override;
  WallTime WallNow() const override;
  void SleepUntil(TimePoint until) override;
};

// A clock that only moves when told to. SleepUntil advances it instead of blocking, so code under
// test that "sleeps" runs instantly and the test can read how long it would have slept.
// Thread-safe.
class FakeClock final : public Clock {
 public:
  FakeClock();
  TimePoint Now() const override;
  WallTime WallNow() const override;
  void SleepUntil(TimePoint until) override;
  void Advance(Duration d);
  // Total time spent in SleepUntil since construction.
  Duration Slept() const;

 private:
  mutable std::mutex mu_;
  TimePoint now_;
  WallTime wall_now_;
  Duration slept_{0};
};

}  // namespace genauth::common
