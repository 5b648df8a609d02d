// The admin endpoint of the genauth-sidecar binary, attacked as a hostile neighbour would (issue
// 11): a 256 MB POST to /metrics, methods other than GET/HEAD, 40 clients trickling their request
// heads, and a second socket binding the admin port with SO_REUSEPORT. The process keeps its peak
// RSS, keeps answering /healthz at once, and cuts each trickler off at the default 3 s deadline.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "emulator/emulator.h"
#include "support/prometheus_text.h"
#include "support/raw_http_client.h"
#include "support/sidecar_process.h"

namespace genauth::testing {
namespace {

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

constexpr char kSecret[] = "attack-SECRET-never-printed-55e1";
constexpr char kHealthz[] = "GET /healthz HTTP/1.1\r\nHost: probe\r\n\r\n";

class AdminAttackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    emulator::EmulatorOptions options;
    options.access_key_id = "attack-key";
    options.access_key_secret = kSecret;
    emulator_ = std::make_unique<emulator::Emulator>(options);
    ASSERT_TRUE(emulator_->Start());
    sidecar_ = std::make_unique<SidecarProcess>(std::vector<std::string>{
        "GENAUTH_HOST=" + emulator_->base_url(), "GENAUTH_ACCESS_KEY_ID=attack-key",
        std::string("GENAUTH_ACCESS_KEY_SECRET=") + kSecret, "SIDECAR_GRPC_LISTEN=127.0.0.1:0",
        "SIDECAR_ADMIN_LISTEN=127.0.0.1:0", "SIDECAR_LOG_LEVEL=info"});
    port_ = sidecar_->AwaitPort("admin", milliseconds(10000));
    ASSERT_GT(port_, 0) << sidecar_->Stdout() << sidecar_->Stderr();
  }
  // The process is killed by SidecarProcess (its drain is sidecar_process_test's subject).
  void TearDown() override { EXPECT_EQ(sidecar_->Stdout().find(kSecret), std::string::npos); }

  // The status of /healthz on a fresh connection (-1: no answer), and how long it took.
  int TimedHealthz(milliseconds* took) const {
    const auto start = SteadyClock::now();
    std::optional<std::string> response = Exchange(port_, kHealthz);
    *took = std::chrono::duration_cast<milliseconds>(SteadyClock::now() - start);
    return response ? StatusOf(*response) : -1;
  }

  PrometheusText Scrape() const {
    std::optional<std::string> response = Exchange(port_, "GET /metrics HTTP/1.1\r\n\r\n");
    EXPECT_TRUE(response);
    std::string error;
    std::optional<PrometheusText> parsed =
        ParsePrometheusText(BodyOf(response.value_or("")), &error);
    EXPECT_TRUE(parsed) << error;
    return parsed.value_or(PrometheusText{});
  }

  std::unique_ptr<emulator::Emulator> emulator_;
  std::unique_ptr<SidecarProcess> sidecar_;
  int port_ = 0;
};

// Without the fix the sidecar read the whole body: +256 MB of RSS, past the pod's 128 MiB limit.
TEST_F(AdminAttackTest, A256MegabytePostIsRefusedWithoutGrowingTheProcess) {
  constexpr size_t kBody = 256u << 20;
  const long hwm_before = ProcStatusKib(sidecar_->pid(), "VmHWM");
  ASSERT_GT(hwm_before, 0);
  UniqueFd fd = ConnectLoopback(port_);
  ASSERT_TRUE(fd.valid());
  const std::string head =
      "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(kBody) + "\r\n\r\n";
  ASSERT_EQ(send(fd.get(), head.data(), head.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(head.size()));
  bool refused = false;
  const size_t sent = SendUntilRefused(fd.get(), kBody, milliseconds(3000), &refused);
  EXPECT_TRUE(refused) << "sent " << sent;
  EXPECT_LT(sent, 32u << 20);
  std::string response;
  AwaitClose(fd.get(), milliseconds(1000), &response);
  EXPECT_EQ(StatusOf(response), 405) << response;
  EXPECT_EQ(HeaderOf(response, "Allow"), "GET, HEAD");
  const long hwm_after = ProcStatusKib(sidecar_->pid(), "VmHWM");
  EXPECT_LT(hwm_after - hwm_before, 8 * 1024) << hwm_before << " KiB -> " << hwm_after << " KiB";
  milliseconds took{0};
  EXPECT_EQ(TimedHealthz(&took), 200);
}

TEST_F(AdminAttackTest, OnlyGetAndHeadAreServed) {
  for (const char* method : {"POST", "PUT", "DELETE", "PATCH", "OPTIONS"}) {
    std::optional<std::string> response =
        Exchange(port_, std::string(method) + " /healthz HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
    ASSERT_TRUE(response) << method;
    EXPECT_EQ(StatusOf(*response), 405) << method;
    EXPECT_EQ(HeaderOf(*response, "Allow"), "GET, HEAD") << method;
  }
  std::optional<std::string> head = Exchange(port_, "HEAD /readyz HTTP/1.1\r\n\r\n");
  ASSERT_TRUE(head);
  EXPECT_EQ(StatusOf(*head), 200);
  EXPECT_EQ(BodyOf(*head), "");
  EXPECT_EQ(Scrape().Value("genauth_admin_requests_total", {{"route", "method_not_allowed"}}), 5.0);
}

// 40 clients send a partial head and then one byte every 100 ms, past the default 3 s deadline.
// /healthz answers at once throughout, and the sidecar closes every trickler at about 3 s.
TEST_F(AdminAttackTest, FortyTricklersNeverDelayHealthzAndAreCutOffAtTheDeadline) {
  constexpr int kTricklers = 40;
  const auto start = SteadyClock::now();
  HeadTricklers slow(port_, kTricklers, "GET /healthz HTTP/1.1\r\n", 45);  // at most 4.5 s
  ASSERT_TRUE(slow.connected());
  milliseconds slowest{0};
  int probes = 0;
  while (SteadyClock::now() - start < milliseconds(2500)) {
    milliseconds took{0};
    EXPECT_EQ(TimedHealthz(&took), 200);
    slowest = std::max(slowest, took);
    ++probes;
    std::this_thread::sleep_for(milliseconds(100));
  }
  EXPECT_GE(probes, 10);
  EXPECT_LT(slowest, milliseconds(300));

  // Each trickler is closed by the server between its 3 s deadline and a little after.
  int cut_off = 0;
  const auto give_up = start + milliseconds(4000);
  for (const UniqueFd& fd : slow.connections()) {
    const auto left = std::chrono::duration_cast<milliseconds>(give_up - SteadyClock::now());
    if (AwaitClose(fd.get(), std::max(left, milliseconds(0)))) ++cut_off;
  }
  const auto all_closed = SteadyClock::now() - start;
  slow.Stop();
  EXPECT_EQ(cut_off, kTricklers);
  EXPECT_GE(all_closed, milliseconds(2900));
  EXPECT_LT(all_closed, milliseconds(4000));
  EXPECT_EQ(Scrape().Value("genauth_admin_connections_dropped_total", {{"reason", "head_timeout"}}),
            static_cast<double>(kTricklers));
}

// gRPC and httplib both enable SO_REUSEPORT by default; the admin listener does not, so no other
// process (of the pod's user) can bind the port and take a share of the probes and scrapes.
TEST_F(AdminAttackTest, TheAdminPortCannotBeBoundAgainWithSoReuseport) {
  EXPECT_EQ(ErrnoOfSharedBind(port_), EADDRINUSE);
}

}  // namespace
}  // namespace genauth::testing
