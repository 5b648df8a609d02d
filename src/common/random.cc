// Real and scripted randomness (see random.h).
#include "common/random.h"

#include <algorithm>
#include <utility>

namespace genauth::common {

SystemRandom::SystemRandom() : engine_(std::random_device{}()) {}

SystemRandom::SystemRandom(uint64_t seed) : engine_(seed) {}

double SystemRandom::NextUnit() {
  std::lock_guard<std::mutex> lock(mu_);
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine_);
}

FixedRandom::FixedRandom(std::vector<double> values) : values_(std::move(values)) {
  if (values_.empty()) values_.push_back(0.5);
}

double FixedRandom::NextUnit() {
  std::lock_guard<std::mutex> lock(mu_);
  double v = values_[std::min(next_, values_.size() - 1)];
  if (next_ < values_.size()) ++next_;
  return std::clamp(v, 0.0, 0.999999);
}

}  // namespace genauth::common
