// `--version` on every binary the project builds: each prints "NAME VERSION" (the version of
// project(VERSION) in CMakeLists.txt, through the generated sidecar_version.h) and exits 0.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "sidecar_version.h"

namespace genauth::testing {
namespace {

struct VersionRun {
  int status = -1;
  std::string out;
};

// Runs `binary --version` from the build directory, with stdout captured through a pipe.
VersionRun RunVersion(const std::string& name) {
  const char* dir = std::getenv("SIDECAR_BUILD_DIR");
  const std::string binary = std::string(dir != nullptr ? dir : ".") + "/" + name;
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) return {};
  const pid_t child = fork();
  if (child == 0) {
    dup2(out[1], 1);
    execl(binary.c_str(), binary.c_str(), "--version", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  VersionRun run;
  char buffer[256];
  for (ssize_t n; (n = read(out[0], buffer, sizeof(buffer))) > 0;) {
    run.out.append(buffer, static_cast<size_t>(n));
  }
  close(out[0]);
  int status = 0;
  waitpid(child, &status, 0);
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

class VersionTest : public ::testing::TestWithParam<std::string> {};

TEST_P(VersionTest, PrintsNameAndVersionAndExitsZero) {
  const VersionRun run = RunVersion(GetParam());
  EXPECT_EQ(run.status, 0);
  EXPECT_EQ(run.out, GetParam() + " " + kVersion + "\n");
}

std::vector<std::string> Binaries() {
  std::vector<std::string> names = {"genauth-sidecar",  "genauth-cli",     "genauth-emulator",
                                    "webhook-receiver", "genauth-loadgen", "genauth-grpc-floor"};
#ifdef SIDECAR_HAVE_FAR_UPSTREAM
  names.emplace_back("genauth-far-upstream");
#endif
  return names;
}

INSTANTIATE_TEST_SUITE_P(EveryBinary, VersionTest, ::testing::ValuesIn(Binaries()),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           std::string name = param.param;
                           for (char& c : name) c = c == '-' ? '_' : c;
                           return name;
                         });

}  // namespace
}  // namespace genauth::testing
