// Tests of HttpTransport's process-wide setup. (Its exchanges are tested end to end against the
// emulator in tests/e2e.)
#include "upstream/http_transport.h"

#include <gtest/gtest.h>

#include <csignal>

#include "common/clock.h"

namespace genauth::upstream {
namespace {

TEST(HttpTransportTest, AWriteToAClosedConnectionCannotKillTheProcess) {
  HttpTransportOptions options;
  options.base_url = "https://127.0.0.1:9";
  HttpTransport transport(options, common::SystemClock::Get());
  // OpenSSL's writes raise SIGPIPE when the peer has closed; it must be ignored process-wide.
  struct sigaction action {};
  ASSERT_EQ(sigaction(SIGPIPE, nullptr, &action), 0);
  EXPECT_EQ(action.sa_handler, SIG_IGN);
  EXPECT_EQ(std::raise(SIGPIPE), 0);  // still here
}

}  // namespace
}  // namespace genauth::upstream
