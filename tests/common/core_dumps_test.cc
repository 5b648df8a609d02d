// DisableCoreDumps in a child process (it changes the whole process for good), run as an
// unprivileged user: afterwards the process is not dumpable, RLIMIT_CORE is 0 and cannot be raised
// again, and the process can still read its world-readable /proc/self files and list its fds, but
// no longer its owner-only ones (environ): the documented cost.
#include "common/core_dumps.h"

#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <string>

namespace genauth::common {
namespace {

// Runs in the child: 0 when every check passes, otherwise the number of the first that failed.
int ChildChecks() {
  // As an unprivileged user, as the sidecar runs in its image (65532): root would pass the /proc
  // and setrlimit checks below whatever the process's state.
  if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) return 6;
  // Changing the user made the process not dumpable already: start from a dumpable one.
  if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) != 0 || prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 1) return 7;
  if (!DisableCoreDumps().ok()) return 1;
  if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0) return 2;
  rlimit core{};
  if (getrlimit(RLIMIT_CORE, &core) != 0 || core.rlim_cur != 0 || core.rlim_max != 0) return 3;
  // The hard limit is 0 too: raising it again needs CAP_SYS_RESOURCE, so only root gets past it.
  const rlimit raise{RLIM_INFINITY, RLIM_INFINITY};
  if (setrlimit(RLIMIT_CORE, &raise) == 0) return 4;
  for (const char* file : {"/proc/self/stat", "/proc/self/status", "/proc/self/limits"}) {
    std::ifstream in(file);
    std::string line;
    if (!in || !std::getline(in, line) || line.empty()) return 5;
  }
  if (access("/proc/self/fd", R_OK | X_OK) != 0) return 8;
  // The intended effect on other processes of this user reaches the process itself: its
  // owner-only /proc files now belong to root (see core_dumps.h).
  if (std::ifstream("/proc/self/environ")) return 9;
  return 0;
}

TEST(CoreDumpsTest, OffInTheProcessThatAsks) {
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) _exit(ChildChecks());
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "check " << WEXITSTATUS(status) << " failed";
  // This process is untouched.
  EXPECT_EQ(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 1);
}

}  // namespace
}  // namespace genauth::common
