// Keeps the access key secret and management tokens out of core dumps: a crash must not write the
// process's memory to a file (or hand it to a core-dump collector such as systemd-coredump) where
// whoever can read dumps would find them.
#pragma once

#include "absl/status/status.h"

namespace genauth::common {

// For the calling process: RLIMIT_CORE set to 0 (soft and hard, so nothing in the process can raise
// it again), and the process marked not dumpable (prctl PR_SET_DUMPABLE 0). Both, because the
// kernel hands the dump of a process to a core_pattern pipe (`|/usr/lib/systemd/systemd-coredump`)
// whatever its RLIMIT_CORE, leaving the limit to the handler, while a process that is not dumpable
// is not dumped at all (with the default fs.suid_dumpable=0; with 2, only as a root-only file).
//
// Side effects of "not dumpable": the /proc/<pid> files of the process belong to root, so another
// process of the same non-root user can no longer read /proc/<pid>/environ or /proc/<pid>/mem nor
// ptrace it (root still can) — intended. The process's own owner-only files (/proc/self/environ,
// io, auxv, mem: mode 0400/0600) become unreadable to the process itself too, when it does not run
// as root: nothing in the sidecar reads them (getenv and getauxval read memory, not /proc). The
// world-readable ones (stat, status, limits, maps) and /proc/self/fd stay readable, by the process
// and by outside samplers (make bench, memory_bound_test.sh).
//
// Call before the secret is read into memory. Returns an error naming the call that failed; both
// are attempted either way.
absl::Status DisableCoreDumps();

}  // namespace genauth::common
