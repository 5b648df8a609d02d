// Tests of HttpTransport against real servers on loopback (cpp-httplib, port 0): exchanges, the
// failure classes the retry policy relies on, the reply bound, cancellation, many exchanges in
// flight on the one loop thread. (TLS, proxies and odd framings: tests/e2e.)
#include "upstream/http_transport.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/event_loop.h"

namespace genauth::upstream {
namespace {

using std::chrono::milliseconds;

// An httplib server on 127.0.0.1, port 0, run on its own thread.
class LocalServer {
 public:
  explicit LocalServer(size_t threads = 8) {
    // Each kept-alive connection holds a thread: enough of them for the exchanges a test runs.
    server_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    port_ = server_.bind_to_any_port("127.0.0.1");
  }
  // Starts serving, once the test has registered its handlers (not before: the serving threads
  // read them); returns the base URL.
  std::string Listen() {
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 500 && !server_.is_running(); ++i) {
      std::this_thread::sleep_for(milliseconds(2));
    }
    return url();
  }
  ~LocalServer() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  httplib::Server& server() { return server_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

class HttpTransportTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(loop_.Start().ok()); }
  void TearDown() override { CloseClient(); }

  // Closes the client's kept-alive connections: httplib's Stop waits for idle ones to time out.
  void CloseClient() {
    loop_.Stop();
    transport_.reset();
  }

  void Init(const std::string& base_url, size_t max_reply_bytes = 4096,
            milliseconds connect_timeout = milliseconds(500), int max_connections = 256) {
    HttpTransportOptions options;
    options.max_connections = max_connections;
    options.base_url = base_url;
    options.max_reply_bytes = max_reply_bytes;
    options.connect_timeout = connect_timeout;
    transport_ = std::make_unique<HttpTransport>(options, &loop_, common::SystemClock::Get());
    ASSERT_TRUE(transport_->Init().ok());
  }

  static HttpRequest Post(std::string body) {
    HttpRequest request;
    request.method = "POST";
    request.target = "/api/v3/trigger-webhook";
    request.headers = {{"x-authing-lang", "en-US"}};
    request.body = std::make_shared<const std::string>(std::move(body));
    return request;
  }

  common::EventLoop loop_{common::SystemClock::Get()};
  std::unique_ptr<HttpTransport> transport_;
};

TEST_F(HttpTransportTest, PostsTheBodyAndHeadersAndReadsTheReply) {
  LocalServer server;
  // Written on the server's thread; the reply reaching the client orders it only through the
  // kernel, which ThreadSanitizer cannot see, hence the mutex.
  std::mutex seen_mu;
  std::string seen_body, seen_type, seen_lang, seen_expect = "unset";
  server.server().Post("/api/v3/trigger-webhook",
                       [&](const httplib::Request& req, httplib::Response& res) {
                         std::lock_guard<std::mutex> lock(seen_mu);
                         seen_body = req.body;
                         seen_type = req.get_header_value("Content-Type");
                         seen_lang = req.get_header_value("x-authing-lang");
                         seen_expect = req.get_header_value("Expect");
                         res.set_header("Retry-After", "7");
                         res.set_content(R"({"statusCode":200})", "application/json");
                       });
  Init(server.Listen());
  HttpResult result = transport_->SendAndWait(Post(R"({"webhookId":"w1"})"), milliseconds(2000));
  ASSERT_EQ(result.failure, TransportFailure::kNone) << result.detail;
  EXPECT_EQ(result.response.status, 200);
  EXPECT_EQ(result.response.body, R"({"statusCode":200})");
  EXPECT_EQ(result.response.content_type, "application/json");
  EXPECT_EQ(result.response.retry_after, "7");
  EXPECT_EQ(result.http_version, "1.1");
  std::lock_guard<std::mutex> lock(seen_mu);
  EXPECT_EQ(seen_body, R"({"webhookId":"w1"})");
  EXPECT_EQ(seen_type, "application/json");
  EXPECT_EQ(seen_lang, "en-US");
  EXPECT_EQ(seen_expect, "");  // no 100-continue round trip
  CloseClient();
}

TEST_F(HttpTransportTest, AReplyOverTheBoundIsRefused) {
  LocalServer server;
  server.server().Post("/api/v3/trigger-webhook",
                       [](const httplib::Request&, httplib::Response& res) {
                         res.set_content(std::string(10000, 'x'), "application/json");
                       });
  Init(server.Listen(), 4096);
  HttpResult result = transport_->SendAndWait(Post("{}"), milliseconds(2000));
  EXPECT_EQ(result.failure, TransportFailure::kTooLarge);
  EXPECT_NE(result.detail.find("larger than 4096 bytes"), std::string::npos) << result.detail;
  CloseClient();
}

TEST_F(HttpTransportTest, ARefusedConnectionIsNotSent) {
  // A port that was just free: nothing listens there.
  std::string url;
  { url = LocalServer().Listen(); }
  Init(url);
  HttpResult result = transport_->SendAndWait(Post("{}"), milliseconds(2000));
  EXPECT_EQ(result.failure, TransportFailure::kNotSent);
  EXPECT_NE(result.detail.find("could not connect"), std::string::npos) << result.detail;
}

TEST_F(HttpTransportTest, ASlowReplyTimesOutAsSentWithoutReply) {
  LocalServer server;
  server.server().Post("/api/v3/trigger-webhook",
                       [](const httplib::Request&, httplib::Response& res) {
                         std::this_thread::sleep_for(milliseconds(600));
                         res.set_content("{}", "application/json");
                       });
  Init(server.Listen());
  const auto start = std::chrono::steady_clock::now();
  HttpResult result = transport_->SendAndWait(Post("{}"), milliseconds(150));
  EXPECT_EQ(result.failure, TransportFailure::kTimedOut) << result.detail;
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(550));
  CloseClient();
}

TEST_F(HttpTransportTest, CancelAbortsTheExchangeWithoutCallingBack) {
  LocalServer server;
  std::promise<void> arrived;
  std::atomic<bool> arrived_once{false};
  server.server().Post("/api/v3/trigger-webhook",
                       [&](const httplib::Request&, httplib::Response& res) {
                         if (!arrived_once.exchange(true)) arrived.set_value();
                         std::this_thread::sleep_for(milliseconds(300));
                         res.set_content("{}", "application/json");
                       });
  Init(server.Listen());
  std::atomic<bool> called{false};
  HttpTransport::TransferId id = 0;
  std::promise<void> started;
  loop_.Post([&] {
    id = transport_->Send(Post("{}"), milliseconds(5000), [&](HttpResult) { called = true; });
    started.set_value();
  });
  started.get_future().wait();
  ASSERT_EQ(arrived.get_future().wait_for(std::chrono::seconds(5)), std::future_status::ready);
  std::promise<size_t> after_cancel;
  loop_.Post([&] {
    transport_->Cancel(id);
    transport_->Cancel(id);  // twice: harmless
    after_cancel.set_value(transport_->in_flight());
  });
  EXPECT_EQ(after_cancel.get_future().get(), 0u);
  std::this_thread::sleep_for(milliseconds(400));  // past the server's answer
  EXPECT_FALSE(called.load());
  CloseClient();
}

TEST_F(HttpTransportTest, ManyExchangesRunAtOnceOnTheOneLoopThread) {
  LocalServer server(64);
  server.server().Post("/api/v3/trigger-webhook",
                       [](const httplib::Request& req, httplib::Response& res) {
                         std::this_thread::sleep_for(milliseconds(200));
                         res.set_content(req.body, "application/json");
                       });
  // httplib listens with a backlog of 5: a burst of more connects than that is dropped or reset
  // by the kernel. Eight connections, each kept alive for five exchanges, do all 40 (and show
  // that exchanges beyond the connection bound wait inside libcurl instead of failing).
  Init(server.Listen(), 4096, milliseconds(3000), 8);
  constexpr int kCalls = 40;
  std::atomic<int> ok{0};
  std::promise<void> all_done;
  std::atomic<int> remaining{kCalls};
  const auto start = std::chrono::steady_clock::now();
  loop_.Post([&] {
    for (int i = 0; i < kCalls; ++i) {
      transport_->Send(Post(std::to_string(i)), milliseconds(5000), [&, i](HttpResult result) {
        if (result.failure == TransportFailure::kNone &&
            result.response.body == std::to_string(i)) {
          ++ok;
        } else {
          ADD_FAILURE() << i << ": " << result.detail << " " << result.response.status;
        }
        if (--remaining == 0) all_done.set_value();
      });
    }
  });
  ASSERT_EQ(all_done.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(ok.load(), kCalls);
  // 40 exchanges of 200 ms each over 8 connections at once: about 1 s, far less than 8 s.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(4));
  CloseClient();
}

// Beyond the connections, exchanges wait in the transport's own line: within their timeout (then
// "not sent"), token fetches (priority) first.
TEST_F(HttpTransportTest, ExchangesBeyondTheConnectionsWaitInLineWithinTheirTimeout) {
  LocalServer server;
  std::mutex mu;
  std::vector<std::string> order;
  server.server().Post("/api/v3/trigger-webhook",
                       [&](const httplib::Request& req, httplib::Response& res) {
                         {
                           std::lock_guard<std::mutex> lock(mu);
                           order.push_back(req.body);
                         }
                         std::this_thread::sleep_for(milliseconds(300));
                         res.set_content("{}", "application/json");
                       });
  Init(server.Listen(), 4096, milliseconds(500), /*max_connections=*/1);
  std::promise<HttpResult> expired, normal, first;
  loop_.Post([&] {
    transport_->Send(Post("first"), milliseconds(3000),
                     [&](HttpResult r) { first.set_value(std::move(r)); });
    // Waits behind "first" (300 ms) but may only wait 100 ms.
    transport_->Send(Post("impatient"), milliseconds(100),
                     [&](HttpResult r) { expired.set_value(std::move(r)); });
    transport_->Send(Post("normal"), milliseconds(3000),
                     [&](HttpResult r) { normal.set_value(std::move(r)); });
    // A token fetch queued last goes before "normal".
    transport_->Send(
        Post("priority"), milliseconds(3000), [](HttpResult) {}, /*priority=*/true);
  });
  HttpResult impatient = expired.get_future().get();
  EXPECT_EQ(impatient.failure, TransportFailure::kNotSent);
  EXPECT_NE(impatient.detail.find("no connection to"), std::string::npos) << impatient.detail;
  EXPECT_EQ(first.get_future().get().failure, TransportFailure::kNone);
  EXPECT_EQ(normal.get_future().get().failure, TransportFailure::kNone);
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(order, (std::vector<std::string>{"first", "priority", "normal"}));
  CloseClient();
}

TEST_F(HttpTransportTest, AnUnreadableCaFileIsAnErrorThatNamesIt) {
  HttpTransportOptions options;
  options.base_url = "https://127.0.0.1:9";
  options.ca_file = "/nonexistent/ca.pem";
  HttpTransport transport(options, &loop_, common::SystemClock::Get());
  absl::Status status = transport.Init();
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("/nonexistent/ca.pem"), std::string::npos) << status;
}

}  // namespace
}  // namespace genauth::upstream
