// The arithmetic of exponential back-off, shared by every wait that grows after failures: the
// retry layer's waits between attempts (full jitter), the token cache's fetch retries and the
// GenAuth client's token renewal back-off (equal jitter). Pure functions: the random draw comes in
// as `unit`, a uniform value in [0, 1), so tests pass values.
#pragma once

#include <chrono>

namespace genauth::common {

// base * 2^(step - 1), capped at `max`; `step` counts from 1 (the wait after the first failure).
// Never overflows, however large `step` is.
std::chrono::nanoseconds ExponentialCeiling(std::chrono::nanoseconds base,
                                            std::chrono::nanoseconds max, int step);

// Full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter"): uniform in
// [0, ceiling). Spreads retries most, but a wait may be near zero.
std::chrono::nanoseconds FullJitter(std::chrono::nanoseconds ceiling, double unit);

// Equal jitter: half fixed, half random, in [ceiling / 2, ceiling). The wait never shrinks towards
// zero, so a failing endpoint is never retried in a tight loop. `unit` is clamped to [0, 1].
std::chrono::nanoseconds EqualJitter(std::chrono::nanoseconds ceiling, double unit);

}  // namespace genauth::common
