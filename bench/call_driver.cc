// The clock every part of the load generator reads (see call_driver.h).
#include "call_driver.h"

#include <chrono>

namespace genauth::bench {

int64_t NowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace genauth::bench
