// Names the calling thread as `top -H`, `ps -L`, perf and gdb show it, so that an operator can see
// which of the sidecar's few threads uses the CPU (the event loop, the log writer, gRPC's own).
#pragma once

namespace genauth::common {

// `name` is cut to the 15 characters Linux keeps.
void NameThisThread(const char* name);

}  // namespace genauth::common
