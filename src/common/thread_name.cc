// Thread names (see thread_name.h).
#include "common/thread_name.h"

#include <pthread.h>

#include <string>

namespace genauth::common {

void NameThisThread(const char* name) {
  constexpr size_t kMaxLength = 15;  // TASK_COMM_LEN - 1; longer names are refused, not cut
  const std::string cut = std::string(name).substr(0, kMaxLength);
  // Best effort: a name is a diagnostic aid, never worth failing for.
  (void)pthread_setname_np(pthread_self(), cut.c_str());
}

}  // namespace genauth::common
