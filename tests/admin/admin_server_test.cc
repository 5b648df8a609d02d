// The admin endpoint over a real socket (port 0): /metrics renders the registry, /healthz always
// answers, /readyz follows the readiness check, and binding problems are start-up errors.
#include "admin/admin_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>

#include "httplib.h"

namespace genauth::admin {
namespace {

class AdminServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = AdminServer::Start({"127.0.0.1:0"}, &metrics_, [this] { return ready_.load(); });
    ASSERT_TRUE(started.ok()) << started.status();
    server_ = *std::move(started);
    ASSERT_GT(server_->port(), 0);
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client_->set_read_timeout(std::chrono::seconds(5));
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

  // Rendered per scrape, not cached.
  metrics_.GetCounter("genauth_test_total", {{"rpc", "A"}})->Increment();
  result = client_->Get("/metrics");
  ASSERT_TRUE(result);
  EXPECT_NE(result->body.find("genauth_test_total{rpc=\"A\"} 4\n"), std::string::npos);
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

TEST_F(AdminServerTest, OtherPathsAndMethodsAreNotServed) {
  httplib::Result result = client_->Get("/");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 404);
  result = client_->Post("/metrics", "x", "text/plain");
  ASSERT_TRUE(result);
  EXPECT_NE(result->status, 200);
}

TEST_F(AdminServerTest, StopIsPromptAndIdempotent) {
  ASSERT_TRUE(client_->Get("/healthz"));
  const auto start = std::chrono::steady_clock::now();
  server_->Stop();
  server_->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_FALSE(client_->Get("/healthz"));
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

}  // namespace
}  // namespace genauth::admin
