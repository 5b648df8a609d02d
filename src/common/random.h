// Injectable randomness for backoff jitter, so tests can pin the jitter and assert exact delays.
#pragma once

#include <cstdint>
#include <mutex>
#include <random>
#include <vector>

namespace genauth::common {

class Random {
 public:
  virtual ~Random() = default;
  // A uniformly distributed value in [0, 1).
  virtual double NextUnit() = 0;
};

// A seeded Mersenne Twister behind a mutex. Thread-safe.
class SystemRandom final : public Random {
 public:
  SystemRandom();
  explicit SystemRandom(uint64_t seed);
  double NextUnit() override;

 private:
  std::mutex mu_;
  std::mt19937_64 engine_;
};

// Returns the given values in turn, repeating the last one. Thread-safe.
class FixedRandom final : public Random {
 public:
  explicit FixedRandom(std::vector<double> values);
  double NextUnit() override;

 private:
  std::mutex mu_;
  std::vector<double> values_;
  size_t next_ = 0;
};

}  // namespace genauth::common
