// The admin endpoint over real loopback sockets (port 0): /metrics renders the registry, /healthz
// always answers, /readyz follows the readiness check, binding problems are start-up errors — and
// it holds when attacked: other methods 405, a huge body refused unread, a trickled head cut off at
// its deadline, slow clients and slow scrapes never delaying a probe, the port never shared.
#include "admin/admin_server.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "httplib.h"
#include "support/raw_http_client.h"

namespace genauth::admin {
namespace {

using genauth::testing::AwaitClose;
using genauth::testing::BodyOf;
using genauth::testing::ConnectLoopback;
using genauth::testing::ErrnoOfSharedBind;
using genauth::testing::Exchange;
using genauth::testing::HeaderOf;
using genauth::testing::HeadTricklers;
using genauth::testing::SendUntilRefused;
using genauth::testing::StatusOf;
using genauth::testing::UniqueFd;
using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

constexpr char kHealthz[] = "GET /healthz HTTP/1.1\r\nHost: probe\r\n\r\n";

class AdminServerTest : public ::testing::Test {
 protected:
  void StartServer(AdminServerOptions options = {}) {
    options.listen_address = "127.0.0.1:0";
    auto started = AdminServer::Start(options, &metrics_, [this] { return ready_.load(); });
    ASSERT_TRUE(started.ok()) << started.status();
    server_ = *std::move(started);
    ASSERT_GT(server_->port(), 0);
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client_->set_read_timeout(std::chrono::seconds(5));
  }
  void SetUp() override { StartServer(); }

  uint64_t Dropped(const std::string& reason) const {
    return metrics_.CounterValue("genauth_admin_connections_dropped_total", {{"reason", reason}});
  }
  uint64_t Answered(const std::string& route) const {
    return metrics_.CounterValue("genauth_admin_requests_total", {{"route", route}});
  }

  // /healthz on a fresh connection: its status, and how long the answer took in *took.
  int TimedHealthz(milliseconds* took) {
    const auto start = SteadyClock::now();
    std::optional<std::string> response = Exchange(server_->port(), kHealthz);
    *took = std::chrono::duration_cast<milliseconds>(SteadyClock::now() - start);
    return response ? StatusOf(*response) : -1;
  }

  observability::MetricsRegistry metrics_;
  std::atomic<bool> ready_{true};
  std::unique_ptr<AdminServer> server_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(AdminServerTest, MetricsAreTheRegistryInPrometheusTextFormat) {
  metrics_.GetCounter("genauth_test_total", {{"rpc", "A"}}, "A test counter")->Increment(3);
  httplib::Result result = client_->Get("/metrics");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(result->body, metrics_.RenderPrometheus());
  EXPECT_NE(result->body.find("genauth_test_total{rpc=\"A\"} 3\n"), std::string::npos);
  // The endpoint's own series exist from the start.
  EXPECT_NE(result->body.find("genauth_admin_connections_dropped_total{reason=\"head_timeout\"} 0"),
            std::string::npos);

  // Rendered per scrape, not cached.
  metrics_.GetCounter("genauth_test_total", {{"rpc", "A"}})->Increment();
  result = client_->Get("/metrics");
  ASSERT_TRUE(result);
  EXPECT_NE(result->body.find("genauth_test_total{rpc=\"A\"} 4\n"), std::string::npos);
  EXPECT_EQ(Answered("metrics"), 2u);
}

TEST_F(AdminServerTest, HealthzAnswersWhateverTheReadiness) {
  for (bool ready : {true, false}) {
    ready_ = ready;
    httplib::Result result = client_->Get("/healthz");
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 200);
    EXPECT_EQ(result->body, "ok\n");
  }
}

TEST_F(AdminServerTest, ReadyzFollowsTheReadinessCheck) {
  httplib::Result result = client_->Get("/readyz");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  ready_ = false;
  result = client_->Get("/readyz");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 503);
  ready_ = true;
  result = client_->Get("/readyz");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
}

TEST_F(AdminServerTest, HeadGetsTheFieldsWithoutTheBody) {
  for (const char* path : {"/healthz", "/metrics"}) {
    std::optional<std::string> response =
        Exchange(server_->port(), std::string("HEAD ") + path + " HTTP/1.1\r\n\r\n");
    ASSERT_TRUE(response) << path;
    EXPECT_EQ(StatusOf(*response), 200) << *response;
    EXPECT_NE(HeaderOf(*response, "Content-Length"), "0") << *response;
    EXPECT_EQ(BodyOf(*response), "") << *response;
  }
}

TEST_F(AdminServerTest, OtherPathsAre404AndOtherMethods405WithAllow) {
  httplib::Result result = client_->Get("/");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 404);
  for (const char* method : {"POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT"}) {
    std::optional<std::string> response =
        Exchange(server_->port(), std::string(method) + " /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_TRUE(response) << method;
    EXPECT_EQ(StatusOf(*response), 405) << method << ": " << *response;
    EXPECT_EQ(HeaderOf(*response, "Allow"), "GET, HEAD") << method;
    EXPECT_EQ(HeaderOf(*response, "Connection"), "close") << method;
  }
  EXPECT_EQ(Answered("method_not_allowed"), 7u);
}

// The head, with a 256 MB body announced, is followed at once by as much of the body as the
// kernel takes. The server answers from the head and closes: the client is refused after a few
// MB of socket buffers at most, and the process's peak RSS does not move.
TEST_F(AdminServerTest, AHugeBodyIsRefusedBeforeItIsRead) {
  constexpr size_t kBody = 256u << 20;
  for (const char* method : {"POST", "GET"}) {
    const long hwm_before = testing::ProcStatusKib(getpid(), "VmHWM");
    UniqueFd fd = ConnectLoopback(server_->port());
    ASSERT_TRUE(fd.valid());
    const std::string head = std::string(method) +
                             " /metrics HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
                             "Content-Length: " +
                             std::to_string(kBody) + "\r\n\r\n";
    ASSERT_EQ(send(fd.get(), head.data(), head.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(head.size()));
    bool refused = false;
    const size_t sent = SendUntilRefused(fd.get(), kBody, milliseconds(3000), &refused);
    EXPECT_TRUE(refused) << method << ": sent " << sent;
    EXPECT_LT(sent, 32u << 20) << method;
    std::string response;
    AwaitClose(fd.get(), milliseconds(1000), &response);
    // The answer sent before the reset is still readable on Linux.
    EXPECT_EQ(StatusOf(response), std::string(method) == "POST" ? 405 : 413) << response;
    EXPECT_LT(testing::ProcStatusKib(getpid(), "VmHWM") - hwm_before, 16 * 1024) << method;
  }
  EXPECT_EQ(Answered("method_not_allowed"), 1u);
  EXPECT_EQ(Answered("body_not_accepted"), 1u);
}

TEST_F(AdminServerTest, AHeadLargerThan8KiBIs431) {
  const std::string head =
      "GET /healthz HTTP/1.1\r\nX-Filler: " + std::string(9000, 'a') + "\r\n\r\n";
  std::optional<std::string> response = Exchange(server_->port(), head);
  ASSERT_TRUE(response);
  EXPECT_EQ(StatusOf(*response), 431) << *response;
}

// One byte of the head every 100 ms: cut off when the whole head's deadline passes, not when one
// byte is late.
TEST_F(AdminServerTest, ATrickledHeadIsCutOffAtTheDeadline) {
  server_.reset();
  AdminServerOptions options;
  options.head_timeout = milliseconds(600);
  StartServer(options);
  const auto start = SteadyClock::now();
  UniqueFd fd = ConnectLoopback(server_->port());
  ASSERT_TRUE(fd.valid());
  const std::string head = "GET /healthz HTTP/1.1\r\nX-Slow: " + std::string(100, 'a');
  bool closed = false;
  for (size_t i = 0; i < head.size() && !closed; ++i) {  // at most 100 * 100 ms
    if (send(fd.get(), &head[i], 1, MSG_NOSIGNAL) != 1) break;
    closed = AwaitClose(fd.get(), milliseconds(100));
  }
  const auto took = SteadyClock::now() - start;
  EXPECT_TRUE(closed || AwaitClose(fd.get(), milliseconds(100)));
  EXPECT_GE(took, milliseconds(550));
  EXPECT_LT(took, milliseconds(1500));
  EXPECT_EQ(Dropped("head_timeout"), 1u);
}

// 40 clients each send part of a head, then a byte every 100 ms (the default 3 s deadline is not
// reached): every probe meanwhile is answered at once.
TEST_F(AdminServerTest, FortySlowClientsDoNotDelayProbes) {
  HeadTricklers slow(server_->port(), 40, "GET /metrics HTTP/1.1\r\n", 30);  // at most 3 s
  ASSERT_TRUE(slow.connected());
  milliseconds slowest{0};
  for (int i = 0; i < 15; ++i) {
    milliseconds took{0};
    EXPECT_EQ(TimedHealthz(&took), 200);
    slowest = std::max(slowest, took);
    std::this_thread::sleep_for(milliseconds(50));
  }
  slow.Stop();
  EXPECT_LT(slowest, milliseconds(300));
  EXPECT_EQ(Dropped("evicted"), 0u);  // 41 connections are within the limit
  EXPECT_EQ(Dropped("head_timeout"), 0u);
}

// Past max_connections a new connection evicts the oldest one still sending its head, so even
// more idle connections than the limit cannot lock a probe out.
TEST_F(AdminServerTest, BeyondTheLimitTheOldestIdleConnectionIsEvicted) {
  server_.reset();
  AdminServerOptions options;
  options.max_connections = 8;
  StartServer(options);
  std::vector<UniqueFd> idle;
  for (int i = 0; i < 20; ++i) {
    idle.push_back(ConnectLoopback(server_->port()));
    ASSERT_TRUE(idle.back().valid());
  }
  for (int i = 0; i < 3; ++i) {
    milliseconds took{0};
    EXPECT_EQ(TimedHealthz(&took), 200);
    EXPECT_LT(took, milliseconds(300));
  }
  // 12 idle ones made room for the later ones and one for the first probe. A probe's slot is
  // free again once the server has seen its close; a later probe that comes before that evicts
  // one more idle connection (never the lingering probe: idle ones go first).
  EXPECT_GE(Dropped("evicted"), 13u);
  EXPECT_LE(Dropped("evicted"), 15u);
  // The oldest idle connection was closed by the server.
  EXPECT_TRUE(AwaitClose(idle.front().get(), milliseconds(500)));
}

// A render that takes 1 s (a gauge function stands in for a big registry) runs off the loop:
// probes are answered meanwhile, and scrapes arriving during it share the next render.
TEST_F(AdminServerTest, ASlowScrapeDelaysNoProbeAndScrapesShareRenders) {
  std::atomic<int> renders{0};
  std::atomic<bool> rendering{false};
  metrics_.SetGaugeFunction("genauth_test_slow", {}, "Sleeps", [&]() -> std::optional<double> {
    rendering = true;
    renders.fetch_add(1);
    std::this_thread::sleep_for(milliseconds(1000));
    return 1.0;
  });
  std::vector<std::future<std::optional<std::string>>> scrapes;
  scrapes.push_back(std::async(std::launch::async, [this] {
    return Exchange(server_->port(), "GET /metrics HTTP/1.1\r\n\r\n", milliseconds(4000));
  }));
  for (int i = 0; i < 200 && !rendering; ++i) std::this_thread::sleep_for(milliseconds(5));
  ASSERT_TRUE(rendering);
  for (int i = 0; i < 4; ++i) {
    scrapes.push_back(std::async(std::launch::async, [this] {
      return Exchange(server_->port(), "GET /metrics HTTP/1.1\r\n\r\n", milliseconds(4000));
    }));
  }
  for (const char* probe : {kHealthz, "GET /readyz HTTP/1.1\r\n\r\n"}) {
    const auto start = SteadyClock::now();
    std::optional<std::string> response = Exchange(server_->port(), probe);
    ASSERT_TRUE(response);
    EXPECT_EQ(StatusOf(*response), 200);
    EXPECT_LT(SteadyClock::now() - start, milliseconds(300));
  }
  for (auto& scrape : scrapes) {
    std::optional<std::string> response = scrape.get();
    ASSERT_TRUE(response);
    EXPECT_EQ(StatusOf(*response), 200);
    EXPECT_NE(response->find("genauth_test_slow 1"), std::string::npos);
  }
  EXPECT_EQ(renders.load(), 2);  // the first scrape's, and one for the four that came during it
  metrics_.SetGaugeFunction("genauth_test_slow", {}, "", nullptr);
}

// Another socket asking for SO_REUSEPORT cannot bind the admin port: with the option on, the
// kernel would have split the endpoint's connections between the two.
TEST_F(AdminServerTest, ThePortCannotBeSharedWithSoReuseport) {
  EXPECT_EQ(ErrnoOfSharedBind(server_->port()), EADDRINUSE);
  milliseconds took{0};
  EXPECT_EQ(TimedHealthz(&took), 200);
}

TEST_F(AdminServerTest, StopIsPromptAndIdempotent) {
  ASSERT_TRUE(client_->Get("/healthz"));
  UniqueFd idle = ConnectLoopback(server_->port());  // an open connection does not hold Stop
  const auto start = SteadyClock::now();
  server_->Stop();
  server_->Stop();
  EXPECT_LT(SteadyClock::now() - start, std::chrono::seconds(2));
  EXPECT_FALSE(client_->Get("/healthz"));
  EXPECT_TRUE(AwaitClose(idle.get(), milliseconds(500)));
}

TEST_F(AdminServerTest, APortInUseIsAStartUpError) {
  auto second = AdminServer::Start({"127.0.0.1:" + std::to_string(server_->port())}, &metrics_,
                                   [] { return true; });
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(second.status().message().find("could not listen on 127.0.0.1:" +
                                           std::to_string(server_->port())),
            std::string::npos)
      << second.status();
}

TEST(AdminServerStartTest, AnAddressThatIsNotHostPortIsRefused) {
  observability::MetricsRegistry metrics;
  for (const char* address : {"9464", "127.0.0.1", "127.0.0.1:port", "127.0.0.1:70000"}) {
    auto started = AdminServer::Start({address}, &metrics, [] { return true; });
    EXPECT_EQ(started.status().code(), absl::StatusCode::kInvalidArgument) << address;
  }
}

TEST(AdminServerStartTest, TheDefaultDeadlinesAndLimitsAreTheDocumentedOnes) {
  const AdminServerOptions options;
  EXPECT_EQ(options.max_connections, 64u);
  EXPECT_EQ(options.head_timeout, std::chrono::seconds(3));
  EXPECT_EQ(options.write_timeout, std::chrono::seconds(5));
}

}  // namespace
}  // namespace genauth::admin
