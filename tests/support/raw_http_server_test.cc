// RawHttpServer's scripted replies as libcurl (the sidecar's future HTTP client) receives them.
#include "support/raw_http_server.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "support/curl_test_client.h"

namespace genauth::testing {
namespace {

using std::chrono::milliseconds;

TEST(RawHttpServerTest, RecordsTheRequestAndPlaysAFixedReply) {
  RawHttpServer server;
  server.Enqueue(FixedReply(201, R"({"id":"1"})", {"Content-Type: application/json"}));
  curl_slist* headers = curl_slist_append(nullptr, "X-Request-Id: abc");
  CurlResult result = CurlPerform(server.base_url() + "/v1/things?x=1", [&](CURL* curl) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "hello body");
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  });
  curl_slist_free_all(headers);

  ASSERT_EQ(result.code, CURLE_OK) << result.error;
  EXPECT_EQ(result.status, 201);
  EXPECT_EQ(result.body, R"({"id":"1"})");
  ASSERT_EQ(server.requests().size(), 1u);
  const RecordedRequest request = server.requests()[0];
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.target, "/v1/things?x=1");
  EXPECT_EQ(request.headers.at("x-request-id"), "abc");
  EXPECT_EQ(request.headers.at("host"), "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(request.body, "hello body");
  EXPECT_EQ(server.connections(), 1);
}

TEST(RawHttpServerTest, ScriptsAreTakenInOrderThenTheDefault) {
  RawHttpServer server(FixedReply(503, "default"));
  server.Enqueue(FixedReply(200, "first"));
  server.Enqueue(FixedReply(202, "second"));
  EXPECT_EQ(CurlPerform(server.base_url()).body, "first");
  EXPECT_EQ(CurlPerform(server.base_url()).body, "second");
  CurlResult third = CurlPerform(server.base_url());
  EXPECT_EQ(third.status, 503);
  EXPECT_EQ(third.body, "default");
  server.SetDefaultScript(FixedReply(204, ""));
  EXPECT_EQ(CurlPerform(server.base_url()).status, 204);
  EXPECT_EQ(server.requests().size(), 4u);
}

TEST(RawHttpServerTest, ChunkedFiveMegabytesArriveWhole) {
  constexpr size_t kBytes = 5 * 1024 * 1024;
  RawHttpServer server;
  server.Enqueue(ChunkedReply(kBytes, 64 * 1024 + 7));  // odd size: chunks cross buffer borders
  CurlResult result = CurlPerform(server.base_url());
  ASSERT_EQ(result.code, CURLE_OK) << result.error;
  EXPECT_EQ(result.body.size(), kBytes);
  EXPECT_TRUE(result.body == PatternBytes(kBytes));  // not EXPECT_EQ: no 5 MB diff on failure
}

TEST(RawHttpServerTest, ChunkGapsDelayTheBody) {
  RawHttpServer server;
  server.Enqueue(ChunkedReply(30, 10, milliseconds(60)));  // three chunks, two gaps
  CurlResult result = CurlPerform(server.base_url());
  ASSERT_EQ(result.code, CURLE_OK) << result.error;
  EXPECT_EQ(result.body, PatternBytes(30));
  EXPECT_GE(result.elapsed, milliseconds(120));
}

TEST(RawHttpServerTest, CloseDelimitedBodyEndsAtCloseAndLibcurlAcceptsIt) {
  RawHttpServer server;
  server.Enqueue(CloseDelimitedReply(300 * 1024));
  CurlResult result = CurlPerform(server.base_url());
  // RFC 9112 allows a body delimited by close; libcurl cannot tell it from a cut-off one.
  ASSERT_EQ(result.code, CURLE_OK) << result.error;
  EXPECT_EQ(result.status, 200);
  EXPECT_TRUE(result.body == PatternBytes(300 * 1024));
}

TEST(RawHttpServerTest, BodyShorterThanContentLengthIsAPartialFile) {
  RawHttpServer server;
  server.Enqueue(TruncatedReply(1000, 10));
  CurlResult result = CurlPerform(server.base_url());
  EXPECT_EQ(result.code, CURLE_PARTIAL_FILE) << result.error;
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.body, PatternBytes(10));  // what arrived was delivered before the error
}

TEST(RawHttpServerTest, ChunkedBodyCutBeforeTheLastChunkIsAPartialFile) {
  RawHttpServer server;
  ReplyScript script = ChunkedReply(100, 50);
  script.steps.pop_back();  // no last-chunk: the server closes in the middle of the body
  server.Enqueue(script);
  CurlResult result = CurlPerform(server.base_url());
  EXPECT_EQ(result.code, CURLE_PARTIAL_FILE) << result.error;
  EXPECT_EQ(result.body, PatternBytes(100));
}

TEST(RawHttpServerTest, TricklingHeadIsSlowButComplete) {
  RawHttpServer server;
  server.Enqueue(TricklingHeadReply(milliseconds(2), "slow"));
  CurlResult result = CurlPerform(server.base_url());
  ASSERT_EQ(result.code, CURLE_OK) << result.error;
  EXPECT_EQ(result.body, "slow");
  EXPECT_GE(result.elapsed, milliseconds(50 * 2));  // the head is over 50 bytes
}

TEST(RawHttpServerTest, TricklingHeadRunsIntoTheTotalTimeout) {
  RawHttpServer server;
  server.Enqueue(TricklingHeadReply(milliseconds(50)));  // about 3 s for the whole head
  CurlResult result = CurlPerform(
      server.base_url(), [](CURL* curl) { curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 300L); });
  EXPECT_EQ(result.code, CURLE_OPERATION_TIMEDOUT) << result.error;
  EXPECT_EQ(result.status, 0);  // a few bytes of the status line had arrived, no more
}

TEST(RawHttpServerTest, NoReplyHoldsTheConnectionUntilTheClientGivesUp) {
  RawHttpServer server;
  server.Enqueue(NoReply());
  CurlResult result = CurlPerform(
      server.base_url(), [](CURL* curl) { curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 200L); });
  EXPECT_EQ(result.code, CURLE_OPERATION_TIMEDOUT) << result.error;
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(RawHttpServerTest, ResetAfterAPartialHeadIsARecvError) {
  RawHttpServer server;
  server.Enqueue({{ReplyStep::Write("HTTP/1.1 200 OK\r\nContent-Le")}, AfterReply::kReset});
  CurlResult result = CurlPerform(server.base_url());
  EXPECT_EQ(result.code, CURLE_RECV_ERROR) << result.error;
}

TEST(RawHttpServerTest, ClosingWithoutAReplyIsGotNothing) {
  RawHttpServer server;
  server.Enqueue({{}, AfterReply::kClose});
  CurlResult result = CurlPerform(server.base_url());
  EXPECT_EQ(result.code, CURLE_GOT_NOTHING) << result.error;
}

TEST(RawHttpServerTest, AnswersExpectContinueSoTheBodyIsNotHeldBack) {
  RawHttpServer server;
  const std::string body = PatternBytes(2 * 1024 * 1024);
  curl_slist* headers = curl_slist_append(nullptr, "Expect: 100-continue");
  CurlResult result = CurlPerform(server.base_url() + "/upload", [&](CURL* curl) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    // Without the server's 100 the body would wait this long, past the 5 s total timeout.
    curl_easy_setopt(curl, CURLOPT_EXPECT_100_TIMEOUT_MS, 60000L);
  });
  curl_slist_free_all(headers);
  ASSERT_EQ(result.code, CURLE_OK) << result.error;
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].headers.at("expect"), "100-continue");
  EXPECT_TRUE(server.requests()[0].body == body);
}

TEST(RawHttpServerTest, CountsConnectionsThatSendNothing) {
  RawHttpServer server;
  CurlResult result = CurlPerform(
      server.base_url(), [](CURL* curl) { curl_easy_setopt(curl, CURLOPT_CONNECT_ONLY, 1L); });
  ASSERT_EQ(result.code, CURLE_OK) << result.error;
  // The handle's cleanup has closed the connection; the server may still be accepting it.
  for (int i = 0; i < 200 && server.connections() == 0; ++i) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  EXPECT_EQ(server.connections(), 1);
  EXPECT_TRUE(server.requests().empty());
}

TEST(RawHttpServerTest, StopsPromptlyWithConnectionsHeldOpen) {
  RawHttpServer server;
  server.Enqueue(NoReply());
  server.Enqueue(NoReply());
  CurlResult first;
  CurlResult second;
  std::thread client1([&] { first = CurlPerform(server.base_url()); });
  std::thread client2([&] { second = CurlPerform(server.base_url()); });
  const bool both_waiting = server.WaitForRequests(2, milliseconds(2000));

  const auto start = std::chrono::steady_clock::now();
  server.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(500));
  client1.join();
  client2.join();
  ASSERT_TRUE(both_waiting);
  // The clients saw the connections close well before their 5 s timeout.
  EXPECT_EQ(first.code, CURLE_GOT_NOTHING) << first.error;
  EXPECT_EQ(second.code, CURLE_GOT_NOTHING) << second.error;
  EXPECT_LT(first.elapsed, milliseconds(3000));
  server.Stop();  // idempotent
}

}  // namespace
}  // namespace genauth::testing
