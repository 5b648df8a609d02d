// ConnectProxy driven by libcurl: tunnels to loopback targets only, with and without credentials.
#include "support/connect_proxy.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "support/curl_test_client.h"
#include "support/raw_http_server.h"

namespace genauth::testing {
namespace {

using std::chrono::milliseconds;

// Sends `url` through `proxy_url` inside a CONNECT tunnel, even for a plain http:// URL.
CurlResult ThroughTunnel(const std::string& url, const std::string& proxy_url) {
  return CurlPerform(url, [&](CURL* curl) {
    curl_easy_setopt(curl, CURLOPT_PROXY, proxy_url.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPPROXYTUNNEL, 1L);
  });
}

TEST(ConnectProxyTest, TunnelsToALoopbackServerAndRecordsTheTarget) {
  RawHttpServer server;
  server.Enqueue(FixedReply(200, "through the tunnel"));
  ConnectProxy proxy;
  CurlResult result = ThroughTunnel(server.base_url() + "/v1/x", proxy.url());

  ASSERT_EQ(result.code, CURLE_OK) << result.error;
  EXPECT_EQ(result.connect_status, 200);
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.body, "through the tunnel");
  const std::string target = "127.0.0.1:" + std::to_string(server.port());
  EXPECT_EQ(proxy.connect_targets(), std::vector<std::string>{target});
  EXPECT_EQ(proxy.tunnels(), 1);
  EXPECT_EQ(proxy.upstream_connects(), 1);
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].target, "/v1/x");  // origin-form: the proxy saw only CONNECT
}

TEST(ConnectProxyTest, LocalhostMeansTheIpv4Loopback) {
  RawHttpServer server;
  ConnectProxy proxy;
  CurlResult result =
      ThroughTunnel("http://localhost:" + std::to_string(server.port()) + "/", proxy.url());
  ASSERT_EQ(result.code, CURLE_OK) << result.error;
  EXPECT_EQ(proxy.connect_targets(),
            std::vector<std::string>{"localhost:" + std::to_string(server.port())});
}

TEST(ConnectProxyTest, RefusesNonLoopbackTargetsWithoutConnecting) {
  ConnectProxy proxy;
  const std::vector<std::string> refused = {
      "10.1.2.3:443",          "0.0.0.0:80",      "[2001:db8::1]:443",
      "[::ffff:127.0.0.1]:80", "example.com:443", "127.0.0.1.nip.io:80",
  };
  for (const std::string& target : refused) {
    SCOPED_TRACE(target);
    CurlResult result = ThroughTunnel("http://" + target + "/", proxy.url());
    EXPECT_NE(result.code, CURLE_OK);
    EXPECT_EQ(result.connect_status, 403) << result.error;
  }
  EXPECT_EQ(proxy.connect_targets().size(), refused.size());
  EXPECT_EQ(proxy.upstream_connects(), 0);
  EXPECT_EQ(proxy.tunnels(), 0);
}

TEST(ConnectProxyTest, Ipv6LoopbackIsAllowed) {
  ConnectProxy proxy;
  // Nothing listens there: the proxy tries (502), where a refused target would get 403.
  CurlResult result = ThroughTunnel("http://[::1]:9/", proxy.url());
  EXPECT_EQ(result.connect_status, 502) << result.error;
  EXPECT_EQ(proxy.upstream_connects(), 1);
  EXPECT_EQ(proxy.tunnels(), 0);
}

TEST(ConnectProxyTest, OtherMethodsAreNotAllowed) {
  RawHttpServer server;
  ConnectProxy proxy;
  // Without a tunnel libcurl sends a plain http:// request to the proxy in absolute form.
  CurlResult result = CurlPerform(server.base_url() + "/plain", [&](CURL* curl) {
    curl_easy_setopt(curl, CURLOPT_PROXY, proxy.url().c_str());
  });
  ASSERT_EQ(result.code, CURLE_OK) << result.error;
  EXPECT_EQ(result.status, 405);
  ASSERT_EQ(proxy.requests().size(), 1u);
  EXPECT_EQ(proxy.requests()[0].method, "GET");
  EXPECT_EQ(proxy.requests()[0].target, server.base_url() + "/plain");
  EXPECT_TRUE(proxy.connect_targets().empty());
  EXPECT_TRUE(server.requests().empty());
}

TEST(ConnectProxyTest, CredentialsInTheProxyUrlAreSentAndChecked) {
  RawHttpServer server;
  ConnectProxy proxy({"tunnel-user", "p@ss:word"});
  const std::string authority = "127.0.0.1:" + std::to_string(proxy.port());

  CurlResult missing = ThroughTunnel(server.base_url(), proxy.url());
  EXPECT_EQ(missing.connect_status, 407) << missing.error;
  CurlResult wrong = ThroughTunnel(server.base_url(), "http://tunnel-user:nope@" + authority);
  EXPECT_EQ(wrong.connect_status, 407) << wrong.error;
  // Reserved characters in the password are percent-encoded in the URL, decoded by the client.
  CurlResult right =
      ThroughTunnel(server.base_url(), "http://tunnel-user:p%40ss%3Aword@" + authority);
  ASSERT_EQ(right.code, CURLE_OK) << right.error;
  EXPECT_EQ(right.connect_status, 200);

  const std::vector<ProxyRequest> requests = proxy.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].headers.count("proxy-authorization"), 0u);
  EXPECT_EQ(requests[2].headers.at("proxy-authorization"),
            "Basic dHVubmVsLXVzZXI6cEBzczp3b3Jk");  // base64("tunnel-user:p@ss:word")
  EXPECT_EQ(proxy.tunnels(), 1);
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(ConnectProxyTest, RelaysLargeBodiesBothWays) {
  constexpr size_t kUp = 3 * 1024 * 1024;
  constexpr size_t kDown = 5 * 1024 * 1024;
  RawHttpServer server;
  server.Enqueue(ChunkedReply(kDown, 32 * 1024));
  ConnectProxy proxy;
  const std::string upload = PatternBytes(kUp);
  CurlResult result = CurlPerform(server.base_url() + "/upload", [&](CURL* curl) {
    curl_easy_setopt(curl, CURLOPT_PROXY, proxy.url().c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPPROXYTUNNEL, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, upload.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(kUp));
  });
  ASSERT_EQ(result.code, CURLE_OK) << result.error;
  EXPECT_TRUE(result.body == PatternBytes(kDown));
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_TRUE(server.requests()[0].body == upload);
}

TEST(ConnectProxyTest, CloseAndResetCrossTheTunnel) {
  RawHttpServer server;
  server.Enqueue(CloseDelimitedReply(100 * 1024));
  server.Enqueue({{ReplyStep::Write("HTTP/1.1 200 OK\r\n")}, AfterReply::kReset});
  ConnectProxy proxy;

  CurlResult closed = ThroughTunnel(server.base_url(), proxy.url());
  ASSERT_EQ(closed.code, CURLE_OK) << closed.error;  // the target's FIN ends the body
  EXPECT_TRUE(closed.body == PatternBytes(100 * 1024));
  CurlResult reset = ThroughTunnel(server.base_url(), proxy.url());
  EXPECT_EQ(reset.code, CURLE_RECV_ERROR) << reset.error;
}

TEST(ConnectProxyTest, StopsPromptlyWithTunnelsOpen) {
  RawHttpServer server(NoReply());
  ConnectProxy proxy;
  CurlResult first;
  CurlResult second;
  std::thread client1([&] { first = ThroughTunnel(server.base_url(), proxy.url()); });
  std::thread client2([&] { second = ThroughTunnel(server.base_url(), proxy.url()); });
  const bool both_waiting = server.WaitForRequests(2, milliseconds(2000));

  const auto start = std::chrono::steady_clock::now();
  proxy.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(500));
  client1.join();
  client2.join();
  ASSERT_TRUE(both_waiting);
  EXPECT_EQ(proxy.tunnels(), 2);
  EXPECT_EQ(proxy.open_tunnels(), 0);
  EXPECT_EQ(first.code, CURLE_GOT_NOTHING) << first.error;
  EXPECT_LT(first.elapsed, milliseconds(3000));
}

}  // namespace
}  // namespace genauth::testing
