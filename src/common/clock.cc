// Real and fake clocks (see clock.h).
#include "common/clock.h"

#include <thread>

namespace genauth::common {

SystemClock* SystemClock::Get() {
  static SystemClock clock;
  return &clock;
}

TimePoint SystemClock::Now() const { return std::chrono::steady_clock::now(); }

WallTime SystemClock::WallNow() const { return std::chrono::system_clock::now(); }

void SystemClock::SleepUntil(TimePoint until) { std::this_thread::sleep_until(until); }

// Starts at an arbitrary but fixed instant so tests are reproducible (2026-01-01T00:00:00Z).
FakeClock::FakeClock()
    : now_(TimePoint{} + std::chrono::hours(1000)),
      wall_now_(WallTime{} + std::chrono::seconds(1767225600)) {}

TimePoint FakeClock::Now() const {
  std::lock_guard<std::mutex> lock(mu_);
  return now_;
}

WallTime FakeClock::WallNow() const {
  std::lock_guard<std::mutex> lock(mu_);
  return wall_now_;
}

void FakeClock::SleepUntil(TimePoint until) {
  std::lock_guard<std::mutex> lock(mu_);
  if (until > now_) {
    Duration step = until - now_;
    now_ += step;
    wall_now_ += std::chrono::duration_cast<WallTime::duration>(step);
    slept_ += step;
  }
}

void FakeClock::Advance(Duration d) {
  std::lock_guard<std::mutex> lock(mu_);
  now_ += d;
  wall_now_ += std::chrono::duration_cast<WallTime::duration>(d);
}

Duration FakeClock::Slept() const {
  std::lock_guard<std::mutex> lock(mu_);
  return slept_;
}

}  // namespace genauth::common
