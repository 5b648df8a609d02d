// Every test binary ignores SIGPIPE, as every program of ours does in its main: tests host servers
// (the emulator, webhook receivers, the sidecar's layers) whose writes to a connection the peer has
// closed must fail with EPIPE rather than kill the test. A process-wide setting, so it is made
// here, once per binary, and not by the classes under test. Linked into every sidecar_test.
#include <gtest/gtest.h>

#include <csignal>

namespace {

class IgnoreSigpipe : public ::testing::Environment {
 public:
  void SetUp() override { std::signal(SIGPIPE, SIG_IGN); }
};

[[maybe_unused]] ::testing::Environment* const kIgnoreSigpipe =
    ::testing::AddGlobalTestEnvironment(new IgnoreSigpipe);

}  // namespace
