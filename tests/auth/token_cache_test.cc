// The token cache on a fake clock: single flight, refresh ahead of expiry, backoff after failures,
// invalidation on 401, userpool claim. The refresher thread is not started: the test plays it by
// calling RunDueFetch(), so every step is deterministic.
#include "auth/token_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <deque>
#include <future>
#include <thread>
#include <vector>

#include "spdlog/sinks/null_sink.h"

namespace genauth::auth {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// A TokenFetcher that returns scripted results, counts calls and can hold a fetch open.
class ScriptedFetcher final : public TokenFetcher {
 public:
  absl::StatusOr<FetchedToken> Fetch(common::TimePoint /*deadline*/) override {
    ++calls;
    if (gate.valid()) gate.wait();
    std::lock_guard<std::mutex> lock(mu);
    if (results.empty()) return FetchedToken{"token-" + std::to_string(calls.load()), seconds(100)};
    auto r = results.front();
    results.pop_front();
    return r;
  }
  std::atomic<int> calls{0};
  std::mutex mu;
  std::deque<absl::StatusOr<FetchedToken>> results;
  std::shared_future<void> gate;  // when valid, each fetch waits for it
};

class TokenCacheTest : public ::testing::Test {
 protected:
  TokenCacheTest()
      : logger_(std::make_shared<spdlog::logger>("null",
                                                 std::make_shared<spdlog::sinks::null_sink_mt>()),
                &clock_) {}

  std::unique_ptr<TokenCache> MakeCache(TokenCacheOptions options = {}) {
    if (options.fallback_userpool_id.empty()) options.fallback_userpool_id = "key-id";
    return std::make_unique<TokenCache>(options, &fetcher_, &clock_, &random_, &metrics_, &logger_);
  }

  // Blocks (bounded) until `n` callers wait inside Get: then a RunDueFetch serves them all.
  static void AwaitWaiters(const TokenCache& cache, size_t n) {
    for (int i = 0; i < 5000 && cache.waiting_callers() < n; ++i) {
      std::this_thread::sleep_for(milliseconds(1));
    }
    ASSERT_EQ(cache.waiting_callers(), n);
  }

  common::TimePoint Later() { return clock_.Now() + seconds(30); }

  common::FakeClock clock_;
  common::FixedRandom random_{{0.0}};  // equal jitter at its minimum: half the ceiling
  observability::MetricsRegistry metrics_;
  observability::JsonLogger logger_;
  ScriptedFetcher fetcher_;
};

TEST_F(TokenCacheTest, ColdCallerWaitsForOneFetch) {
  auto cache = MakeCache();
  auto caller = std::async(std::launch::async, [&] { return cache->Get(Later()); });
  AwaitWaiters(*cache, 1);
  cache->RunDueFetch();
  auto token = caller.get();
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ((*token)->access_token, "token-1");
  EXPECT_EQ(fetcher_.calls, 1);
}

TEST_F(TokenCacheTest, FiftyConcurrentColdCallersShareOneFetch) {
  auto cache = MakeCache();
  std::vector<std::future<absl::StatusOr<std::shared_ptr<const ManagementToken>>>> callers;
  for (int i = 0; i < 50; ++i) {
    callers.push_back(std::async(std::launch::async, [&] { return cache->Get(Later()); }));
  }
  AwaitWaiters(*cache, 50);
  cache->RunDueFetch();
  for (auto& caller : callers) {
    auto token = caller.get();
    ASSERT_TRUE(token.ok()) << token.status();
    EXPECT_EQ((*token)->access_token, "token-1");
  }
  EXPECT_EQ(fetcher_.calls, 1);
  EXPECT_EQ(metrics_.CounterValue("genauth_token_fetches_total", {{"result", "success"}}), 1u);
}

TEST_F(TokenCacheTest, CallerArrivingDuringAFetchDoesNotCauseAnother) {
  auto cache = MakeCache();
  std::promise<void> release;
  fetcher_.gate = release.get_future().share();
  auto first = std::async(std::launch::async, [&] { return cache->Get(Later()); });
  AwaitWaiters(*cache, 1);
  auto refresher = std::async(std::launch::async, [&] { return cache->RunDueFetch(); });
  for (int i = 0; i < 5000 && fetcher_.calls < 1; ++i) std::this_thread::sleep_for(milliseconds(1));
  auto second = std::async(std::launch::async, [&] { return cache->Get(Later()); });
  AwaitWaiters(*cache, 2);
  release.set_value();
  auto next_due = refresher.get();
  ASSERT_TRUE(first.get().ok());
  ASSERT_TRUE(second.get().ok());
  // Nothing is due now: the next fetch is the refresh at 70 s (the window's start, drawn 0).
  ASSERT_TRUE(next_due.has_value());
  EXPECT_EQ(*next_due - clock_.Now(), seconds(70));
  EXPECT_EQ(fetcher_.calls, 1);
}

TEST_F(TokenCacheTest, ManyCallsReuseTheCachedToken) {
  auto cache = MakeCache();
  cache->Invalidate("nothing");  // harmless with no token
  auto first = std::async(std::launch::async, [&] { return cache->Get(Later()); });
  AwaitWaiters(*cache, 1);
  cache->RunDueFetch();
  ASSERT_TRUE(first.get().ok());
  for (int i = 0; i < 100; ++i) {
    auto token = cache->Get(clock_.Now());  // no time to wait: must be served from the cache
    ASSERT_TRUE(token.ok());
    EXPECT_EQ((*token)->access_token, "token-1");
  }
  EXPECT_EQ(fetcher_.calls, 1);
}

TEST_F(TokenCacheTest, RefreshesAheadOfExpiryWithoutBlockingCallers) {
  // Refresh at 70 % of 100 s (the window's start: this random draws 0); usable until 90 s.
  auto cache = MakeCache();
  auto first = std::async(std::launch::async, [&] { return cache->Get(Later()); });
  AwaitWaiters(*cache, 1);
  auto next_due = cache->RunDueFetch();
  ASSERT_TRUE(first.get().ok());
  ASSERT_TRUE(next_due.has_value());
  EXPECT_EQ(*next_due - clock_.Now(), seconds(70));

  clock_.Advance(seconds(69));
  cache->RunDueFetch();
  EXPECT_EQ(fetcher_.calls, 1) << "refreshed too early";

  clock_.Advance(seconds(1));
  // Hold the refresh open: callers must still be served the old, valid token at once.
  std::promise<void> release;
  fetcher_.gate = release.get_future().share();
  auto refresher = std::async(std::launch::async, [&] { return cache->RunDueFetch(); });
  for (int i = 0; i < 5000 && fetcher_.calls < 2; ++i) std::this_thread::sleep_for(milliseconds(1));
  ASSERT_EQ(fetcher_.calls, 2);
  auto during = cache->Get(clock_.Now());
  ASSERT_TRUE(during.ok());
  EXPECT_EQ((*during)->access_token, "token-1");
  release.set_value();
  refresher.get();
  auto after = cache->Get(clock_.Now());
  ASSERT_TRUE(after.ok());
  EXPECT_EQ((*after)->access_token, "token-2");
}

TEST_F(TokenCacheTest, TokenIsNotUsedWithinTheExpiryMargin) {
  auto cache = MakeCache();
  auto first = std::async(std::launch::async, [&] { return cache->Get(Later()); });
  AwaitWaiters(*cache, 1);
  cache->RunDueFetch();
  ASSERT_TRUE(first.get().ok());
  clock_.Advance(seconds(89));
  EXPECT_TRUE(cache->Get(clock_.Now()).ok());
  clock_.Advance(seconds(1));  // 90 s: inside the last tenth of the lifetime
  auto expired = cache->Get(clock_.Now());
  EXPECT_EQ(expired.status().code(), absl::StatusCode::kDeadlineExceeded);
}

TEST_F(TokenCacheTest, FailedFetchReachesWaitersThenFailsFastDuringBackoff) {
  auto cache = MakeCache();
  fetcher_.results.push_back(absl::UnavailableError("token endpoint: connection refused"));
  auto caller = std::async(std::launch::async, [&] { return cache->Get(Later()); });
  AwaitWaiters(*cache, 1);
  auto next_due = cache->RunDueFetch();
  auto result = caller.get();
  ASSERT_EQ(result.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(result.status().message().find("connection refused"), std::string::npos);
  // Backoff: base 500 ms, equal jitter at its minimum -> 250 ms.
  ASSERT_TRUE(next_due.has_value());
  EXPECT_EQ(*next_due - clock_.Now(), milliseconds(250));

  // Within the backoff, a caller gets the error at once instead of waiting.
  auto fast = cache->Get(Later());
  EXPECT_EQ(fast.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(metrics_.CounterValue("genauth_token_fast_failures_total"), 1u);
  EXPECT_EQ(fetcher_.calls, 1);

  // The refresher retries in the background once the backoff has passed.
  clock_.Advance(milliseconds(250));
  cache->RunDueFetch();
  EXPECT_EQ(fetcher_.calls, 2);
  auto recovered = cache->Get(clock_.Now());
  ASSERT_TRUE(recovered.ok()) << recovered.status();
  EXPECT_EQ(metrics_.CounterValue("genauth_token_fetches_total", {{"result", "failure"}}), 1u);
}

TEST_F(TokenCacheTest, BackoffDoublesAndIsCapped) {
  TokenCacheOptions options;
  options.retry_base_delay = milliseconds(100);
  options.retry_max_delay = milliseconds(350);
  auto cache = MakeCache(options);
  for (int i = 0; i < 4; ++i) fetcher_.results.push_back(absl::UnavailableError("down"));
  auto caller = std::async(std::launch::async, [&] { return cache->Get(Later()); });
  AwaitWaiters(*cache, 1);
  std::vector<common::Duration> waits;
  for (int i = 0; i < 4; ++i) {
    auto next = cache->RunDueFetch();
    ASSERT_TRUE(next.has_value());
    waits.push_back(*next - clock_.Now());
    clock_.Advance(*next - clock_.Now());
  }
  EXPECT_FALSE(caller.get().ok());
  // Half of 100, 200, 350 (capped), 350.
  EXPECT_EQ(waits, (std::vector<common::Duration>{milliseconds(50), milliseconds(100),
                                                  milliseconds(175), milliseconds(175)}));
}

TEST_F(TokenCacheTest, InvalidateDropsOnlyTheRejectedToken) {
  auto cache = MakeCache();
  auto first = std::async(std::launch::async, [&] { return cache->Get(Later()); });
  AwaitWaiters(*cache, 1);
  cache->RunDueFetch();
  ASSERT_TRUE(first.get().ok());

  cache->Invalidate("some-older-token");  // a late 401 for a token already replaced
  EXPECT_TRUE(cache->Get(clock_.Now()).ok());
  EXPECT_EQ(metrics_.CounterValue("genauth_token_invalidations_total"), 0u);

  cache->Invalidate("token-1");
  cache->Invalidate("token-1");  // a second concurrent 401 changes nothing more
  EXPECT_EQ(metrics_.CounterValue("genauth_token_invalidations_total"), 1u);
  auto second = std::async(std::launch::async, [&] { return cache->Get(Later()); });
  AwaitWaiters(*cache, 1);
  cache->RunDueFetch();
  auto renewed = second.get();
  ASSERT_TRUE(renewed.ok());
  EXPECT_EQ((*renewed)->access_token, "token-2");
  EXPECT_EQ(fetcher_.calls, 2);
}

TEST_F(TokenCacheTest, UserpoolComesFromTheClaimElseTheKeyId) {
  // {"alg":"none"} . {"scoped_userpool_id":"pool-1","n":1} . sig
  fetcher_.results.push_back(FetchedToken{
      "eyJhbGciOiJub25lIn0.eyJzY29wZWRfdXNlcnBvb2xfaWQiOiJwb29sLTEiLCJuIjoxfQ.c2ln", seconds(100)});
  fetcher_.results.push_back(FetchedToken{"opaque", seconds(100)});
  auto cache = MakeCache();
  auto first = std::async(std::launch::async, [&] { return cache->Get(Later()); });
  AwaitWaiters(*cache, 1);
  cache->RunDueFetch();
  auto jwt = first.get();
  ASSERT_TRUE(jwt.ok());
  EXPECT_EQ((*jwt)->userpool_id, "pool-1");

  cache->Invalidate((*jwt)->access_token);
  auto second = std::async(std::launch::async, [&] { return cache->Get(Later()); });
  AwaitWaiters(*cache, 1);
  cache->RunDueFetch();
  auto opaque = second.get();
  ASSERT_TRUE(opaque.ok());
  EXPECT_EQ((*opaque)->userpool_id, "key-id");
}

TEST_F(TokenCacheTest, EmptyTokenOrNonPositiveLifetimeIsAFailure) {
  fetcher_.results.push_back(FetchedToken{"", seconds(100)});
  auto cache = MakeCache();
  auto caller = std::async(std::launch::async, [&] { return cache->Get(Later()); });
  AwaitWaiters(*cache, 1);
  cache->RunDueFetch();
  auto empty = caller.get();
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.status().message().find("empty access token"), std::string::npos);

  clock_.Advance(seconds(1));
  fetcher_.results.push_back(FetchedToken{"t", seconds(0)});
  auto again = std::async(std::launch::async, [&] { return cache->Get(Later()); });
  AwaitWaiters(*cache, 1);
  cache->RunDueFetch();
  auto zero = again.get();
  ASSERT_FALSE(zero.ok());
  EXPECT_NE(zero.status().message().find("expires_in"), std::string::npos);
}

TEST_F(TokenCacheTest, NoDeadlineLeftGivesDeadlineExceeded) {
  auto cache = MakeCache();
  auto token = cache->Get(clock_.Now());
  EXPECT_EQ(token.status().code(), absl::StatusCode::kDeadlineExceeded);
}

// --- replacement (secret rotation) and the token age gauge ---------------------------------------

TEST_F(TokenCacheTest, FailedReplacementKeepsTheTokenAndTheSchedule) {
  auto cache = MakeCache();
  auto first = std::async(std::launch::async, [&] { return cache->Get(Later()); });
  AwaitWaiters(*cache, 1);
  const auto refresh_due = cache->RunDueFetch();
  ASSERT_TRUE(first.get().ok());

  bool switched = false;
  absl::Status status = cache->FetchReplacement(
      [](common::TimePoint) -> absl::StatusOr<FetchedToken> {
        return absl::UnavailableError("token endpoint refused the access key: statusCode 401");
      },
      [&switched] { switched = true; });
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_FALSE(switched);
  auto token = cache->Get(Later());  // at once: the old token is still usable
  ASSERT_TRUE(token.ok());
  EXPECT_EQ((*token)->access_token, "token-1");
  EXPECT_EQ(cache->RunDueFetch(), refresh_due);  // no backoff: the cache itself is healthy
  EXPECT_EQ(fetcher_.calls, 1);
  EXPECT_EQ(metrics_.CounterValue("genauth_token_fetches_total", {{"result", "failure"}}), 1u);
}

TEST_F(TokenCacheTest, SuccessfulReplacementSwapsTheTokenAndReschedules) {
  auto cache = MakeCache();
  auto first = std::async(std::launch::async, [&] { return cache->Get(Later()); });
  AwaitWaiters(*cache, 1);
  cache->RunDueFetch();
  ASSERT_TRUE(first.get().ok());

  clock_.Advance(seconds(30));
  bool switched = false;
  common::TimePoint deadline_seen{};
  absl::Status status = cache->FetchReplacement(
      [&deadline_seen](common::TimePoint deadline) -> absl::StatusOr<FetchedToken> {
        deadline_seen = deadline;
        return FetchedToken{"rotated-token", seconds(100)};
      },
      [&switched] { switched = true; });
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_TRUE(switched);
  EXPECT_EQ(deadline_seen, clock_.Now() + TokenCacheOptions{}.fetch_timeout);
  auto token = cache->Get(Later());
  ASSERT_TRUE(token.ok());
  EXPECT_EQ((*token)->access_token, "rotated-token");
  EXPECT_EQ(cache->token_obtained_at(), clock_.Now());
  EXPECT_EQ(cache->RunDueFetch(), clock_.Now() + seconds(70));  // the new token's refresh time
  EXPECT_EQ(fetcher_.calls, 1);
  EXPECT_EQ(metrics_.CounterValue("genauth_token_fetches_total", {{"result", "success"}}), 2u);
}

TEST_F(TokenCacheTest, ReplacementWaitsForAFetchInFlight) {
  auto cache = MakeCache();
  std::promise<void> release;
  fetcher_.gate = release.get_future().share();
  auto caller = std::async(std::launch::async, [&] { return cache->Get(Later()); });
  AwaitWaiters(*cache, 1);
  auto refresher = std::async(std::launch::async, [&] { return cache->RunDueFetch(); });
  for (int i = 0; i < 5000 && fetcher_.calls < 1; ++i) std::this_thread::sleep_for(milliseconds(1));
  ASSERT_EQ(fetcher_.calls, 1);  // the refresher's fetch is held open

  std::atomic<bool> first_fetch_done_before{false};
  auto replacement = std::async(std::launch::async, [&] {
    return cache->FetchReplacement(
        [&](common::TimePoint) -> absl::StatusOr<FetchedToken> {
          first_fetch_done_before = cache->token_obtained_at().has_value();
          return FetchedToken{"rotated-token", seconds(100)};
        },
        [] {});
  });
  release.set_value();
  refresher.get();
  ASSERT_TRUE(replacement.get().ok());
  EXPECT_TRUE(first_fetch_done_before);  // never two fetches at once
  ASSERT_TRUE(caller.get().ok());
  EXPECT_EQ((*cache->Get(Later()))->access_token, "rotated-token");
}

TEST_F(TokenCacheTest, CallerWaitingOnAFailedReplacementGetsItsOwnFetch) {
  auto cache = MakeCache();  // cold: no token
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  std::atomic<bool> replacement_started{false};
  auto replacement = std::async(std::launch::async, [&] {
    return cache->FetchReplacement(
        [&](common::TimePoint) -> absl::StatusOr<FetchedToken> {
          replacement_started = true;
          gate.wait();
          return absl::UnavailableError("refused");
        },
        [] {});
  });
  for (int i = 0; i < 5000 && !replacement_started; ++i) {
    std::this_thread::sleep_for(milliseconds(1));
  }
  ASSERT_TRUE(replacement_started);
  auto caller = std::async(std::launch::async, [&] { return cache->Get(Later()); });
  AwaitWaiters(*cache, 1);
  release.set_value();
  EXPECT_FALSE(replacement.get().ok());
  cache->RunDueFetch();  // the fetch the caller now needs
  auto token = caller.get();
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ((*token)->access_token, "token-1");
}

TEST_F(TokenCacheTest, TokenAgeIsComputedWhenScraped) {
  auto cache = MakeCache();
  EXPECT_EQ(cache->token_obtained_at(), std::nullopt);
  EXPECT_EQ(metrics_.RenderPrometheus().find("\ngenauth_token_age_seconds "), std::string::npos);
  auto first = std::async(std::launch::async, [&] { return cache->Get(Later()); });
  AwaitWaiters(*cache, 1);
  cache->RunDueFetch();
  ASSERT_TRUE(first.get().ok());
  clock_.Advance(milliseconds(12500));
  EXPECT_NE(metrics_.RenderPrometheus().find("\ngenauth_token_age_seconds 12.5\n"),
            std::string::npos)
      << metrics_.RenderPrometheus();
  cache.reset();  // the gauge goes with the cache
  EXPECT_EQ(metrics_.RenderPrometheus().find("\ngenauth_token_age_seconds "), std::string::npos);
}

// The refresh moment is drawn inside the window, so sidecars started together spread out.
TEST_F(TokenCacheTest, TheRefreshMomentIsDrawnInsideTheWindow) {
  auto refresh_after = [this](double draw, TokenCacheOptions options) {
    common::FixedRandom random({draw});
    options.fallback_userpool_id = "key-id";
    TokenCache cache(options, &fetcher_, &clock_, &random, &metrics_, &logger_);
    auto first = std::async(std::launch::async, [&] { return cache.Get(Later()); });
    AwaitWaiters(cache, 1);
    const std::optional<common::TimePoint> due = cache.RunDueFetch();
    EXPECT_TRUE(first.get().ok());
    return due ? *due - clock_.Now() : common::Duration::zero();
  };
  const TokenCacheOptions defaults;  // 70 % to 90 % of the 100 s lifetime
  EXPECT_EQ(refresh_after(0.0, defaults), seconds(70));
  EXPECT_EQ(refresh_after(0.5, defaults), seconds(80));
  EXPECT_EQ(refresh_after(0.75, defaults), seconds(85));
  TokenCacheOptions narrow;
  narrow.refresh_window_start = 0.5;
  narrow.refresh_window_end = 0.6;
  EXPECT_EQ(refresh_after(0.5, narrow), seconds(55));
  // Whatever the window, never past the moment the token stops being handed out (90 s here).
  TokenCacheOptions late;
  late.refresh_window_start = 0.95;
  late.refresh_window_end = 0.99;
  EXPECT_EQ(refresh_after(0.0, late), seconds(90));
}

TEST_F(TokenCacheTest, APushbackWaitsItsRetryAfterSpreadByHalfAgainAndIsNotShownToCallers) {
  common::FixedRandom random({0.5});
  TokenCacheOptions options;
  options.fallback_userpool_id = "key-id";
  TokenCache cache(options, &fetcher_, &clock_, &random, &metrics_, &logger_);
  fetcher_.results.push_back(WithPushback(
      absl::UnavailableError("token endpoint pushed back: statusCode 429"), seconds(10)));
  auto caller = std::async(std::launch::async, [&] { return cache.Get(Later()); });
  AwaitWaiters(cache, 1);
  const std::optional<common::TimePoint> due = cache.RunDueFetch();
  ASSERT_TRUE(due.has_value());
  // 10 s x (1 + 0.5 x 0.5), far beyond the 375 ms back-off this draw gives.
  EXPECT_EQ(*due - clock_.Now(), milliseconds(12500));
  absl::Status error = caller.get().status();
  EXPECT_EQ(error.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(error.message().find("pushed back"), std::string::npos);
  int payloads = 0;
  error.ForEachPayload([&payloads](absl::string_view, const absl::Cord&) { ++payloads; });
  EXPECT_EQ(payloads, 0) << "the internal mark must not reach a caller as an error detail";
  EXPECT_EQ(metrics_.CounterValue("genauth_token_endpoint_pushbacks_total"), 1u);
  // Callers fail fast until then; the endpoint is asked again only once the wait has passed.
  clock_.Advance(milliseconds(12499));
  EXPECT_FALSE(cache.Get(Later()).ok());
  cache.RunDueFetch();
  EXPECT_EQ(fetcher_.calls, 1);
  clock_.Advance(milliseconds(1));
  cache.RunDueFetch();
  EXPECT_EQ(fetcher_.calls, 2);
  EXPECT_TRUE(cache.Get(clock_.Now()).ok());
}

TEST_F(TokenCacheTest, APushbackOnARefreshKeepsTheCurrentTokenInUse) {
  auto cache = MakeCache();
  auto first = std::async(std::launch::async, [&] { return cache->Get(Later()); });
  AwaitWaiters(*cache, 1);
  cache->RunDueFetch();
  ASSERT_TRUE(first.get().ok());
  clock_.Advance(seconds(70));  // the refresh is due
  fetcher_.results.push_back(WithPushback(absl::UnavailableError("pushed back"), seconds(15)));
  const std::optional<common::TimePoint> due = cache->RunDueFetch();
  EXPECT_EQ(fetcher_.calls, 2);
  ASSERT_TRUE(due.has_value());
  EXPECT_EQ(*due - clock_.Now(), seconds(15));
  auto token = cache->Get(clock_.Now());  // at once, the old token: still 20 s before its margin
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ((*token)->access_token, "token-1");
  clock_.Advance(seconds(15));
  cache->RunDueFetch();
  EXPECT_EQ((*cache->Get(clock_.Now()))->access_token, "token-3");
}

TEST_F(TokenCacheTest, ALongPushbackIsCappedAndAShortOneNeverShortensTheBackoff) {
  auto cache = MakeCache();
  fetcher_.results.push_back(
      WithPushback(absl::UnavailableError("pushed back"), std::chrono::hours(1)));
  auto caller = std::async(std::launch::async, [&] { return cache->Get(Later()); });
  AwaitWaiters(*cache, 1);
  std::optional<common::TimePoint> due = cache->RunDueFetch();
  EXPECT_FALSE(caller.get().ok());
  ASSERT_TRUE(due.has_value());
  EXPECT_EQ(*due - clock_.Now(), TokenCache::kMaxPushback);
  // A 503 without Retry-After asks for no more than the back-off (250 ms with this draw).
  clock_.Advance(*due - clock_.Now());
  fetcher_.results.push_back(WithPushback(absl::UnavailableError("pushed back"), seconds(0)));
  due = cache->RunDueFetch();
  ASSERT_TRUE(due.has_value());
  EXPECT_EQ(*due - clock_.Now(), milliseconds(500));  // the second failure: the back-off doubled
}

TEST_F(TokenCacheTest, PrefetchFetchesAtStartWithRealThread) {
  // The one test with the refresher thread: it must fetch without any caller asking.
  TokenCacheOptions options;
  options.prefetch = true;
  auto cache = MakeCache(options);
  cache->Start();
  for (int i = 0; i < 5000 && fetcher_.calls < 1; ++i) std::this_thread::sleep_for(milliseconds(1));
  EXPECT_EQ(fetcher_.calls, 1);
  auto token = cache->Get(Later());
  ASSERT_TRUE(token.ok());
  cache->Stop();
  EXPECT_EQ(fetcher_.calls, 1);
}

}  // namespace
}  // namespace genauth::auth

// --- TryAcquire: the event loop's non-blocking path ---

namespace genauth::auth {
namespace {

class TryAcquireTest : public TokenCacheTest {
 protected:
  // A waiter callback that counts its wake-ups.
  std::function<void()> Waker() {
    return [this] { ++wakeups_; };
  }
  int wakeups_ = 0;
};

TEST_F(TryAcquireTest, ColdCallersWaitForOneFetchAndAreWokenOnce) {
  auto cache = MakeCache();
  std::vector<TokenCache::Acquisition> firsts;
  for (int i = 0; i < 10; ++i) firsts.push_back(cache->TryAcquire(std::nullopt, Waker()));
  for (const auto& first : firsts) {
    EXPECT_TRUE(first.wait);
    EXPECT_EQ(first.token, nullptr);
  }
  EXPECT_EQ(cache->waiting_callers(), 10u);
  EXPECT_EQ(wakeups_, 0);
  cache->RunDueFetch();
  EXPECT_EQ(wakeups_, 10);
  EXPECT_EQ(cache->waiting_callers(), 0u);
  for (const auto& first : firsts) {
    auto again = cache->TryAcquire(first.epoch, Waker());
    ASSERT_NE(again.token, nullptr);
    EXPECT_EQ(again.token->access_token, "token-1");
  }
  EXPECT_EQ(fetcher_.calls, 1);  // single flight
}

TEST_F(TryAcquireTest, AFailedFetchIsTheWaitersAnswerThenFailsFastDuringBackoff) {
  auto cache = MakeCache();
  fetcher_.results.push_back(absl::UnavailableError("token endpoint: connection refused"));
  auto first = cache->TryAcquire(std::nullopt, Waker());
  ASSERT_TRUE(first.wait);
  cache->RunDueFetch();
  EXPECT_EQ(wakeups_, 1);
  auto after = cache->TryAcquire(first.epoch, Waker());
  EXPECT_FALSE(after.wait);
  EXPECT_EQ(after.error.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(after.error.message().find("connection refused"), std::string::npos);
  // A new caller within the back-off fails fast, without waiting or fetching.
  auto fast = cache->TryAcquire(std::nullopt, Waker());
  EXPECT_FALSE(fast.wait);
  EXPECT_EQ(fast.error.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(metrics_.CounterValue("genauth_token_fast_failures_total"), 1u);
  EXPECT_EQ(fetcher_.calls, 1);
  // Past the back-off (250 ms with this jitter) a caller asks for a fetch again.
  clock_.Advance(milliseconds(250));
  EXPECT_TRUE(cache->TryAcquire(std::nullopt, Waker()).wait);
  cache->RunDueFetch();
  EXPECT_EQ(fetcher_.calls, 2);
  EXPECT_NE(cache->TryAcquire(std::nullopt, Waker()).token, nullptr);
}

TEST_F(TryAcquireTest, AUsableTokenIsReturnedAtOnceAndAnInvalidatedOneIsNot) {
  auto cache = MakeCache();
  cache->TryAcquire(std::nullopt, Waker());
  cache->RunDueFetch();
  auto got = cache->TryAcquire(std::nullopt, Waker());
  ASSERT_NE(got.token, nullptr);
  EXPECT_FALSE(got.wait);
  cache->Invalidate(got.token->access_token);
  auto renewed = cache->TryAcquire(std::nullopt, Waker());
  EXPECT_TRUE(renewed.wait);  // a 401 made the next caller wait for a fresh token
  cache->RunDueFetch();
  auto fresh = cache->TryAcquire(renewed.epoch, Waker());
  ASSERT_NE(fresh.token, nullptr);
  EXPECT_EQ(fresh.token->access_token, "token-2");
  // Serials tell the tokens apart without comparing them.
  EXPECT_EQ(got.token->serial, 1u);
  EXPECT_EQ(fresh.token->serial, 2u);
}

TEST_F(TryAcquireTest, AnErrorSaysWhenTheTokenEndpointIsTriedAgain) {
  auto cache = MakeCache();
  fetcher_.results.push_back(absl::UnavailableError("token endpoint: connection refused"));
  auto first = cache->TryAcquire(std::nullopt, Waker());
  ASSERT_TRUE(first.wait);
  cache->RunDueFetch();  // fails: the back-off is 250 ms with this jitter
  // The caller that waited for the failed fetch: the whole back-off is ahead.
  auto waited = cache->TryAcquire(first.epoch, Waker());
  ASSERT_FALSE(waited.error.ok());
  EXPECT_FALSE(waited.shutting_down);
  EXPECT_EQ(waited.retry_after, milliseconds(250));
  // A caller failed fast within the back-off: what is left of it.
  clock_.Advance(milliseconds(100));
  auto fast = cache->TryAcquire(std::nullopt, Waker());
  ASSERT_FALSE(fast.error.ok());
  EXPECT_EQ(fast.retry_after, milliseconds(150));
  // Stopping is not the endpoint's failure: the caller is told the sidecar is going away.
  cache->Stop();
  auto stopped = cache->TryAcquire(std::nullopt, Waker());
  ASSERT_FALSE(stopped.error.ok());
  EXPECT_TRUE(stopped.shutting_down);
}

TEST_F(TryAcquireTest, StoppingWakesWaitersWhoThenGetAnError) {
  auto cache = MakeCache();
  auto first = cache->TryAcquire(std::nullopt, Waker());
  ASSERT_TRUE(first.wait);
  cache->Stop();
  EXPECT_EQ(wakeups_, 1);
  auto after = cache->TryAcquire(first.epoch, Waker());
  EXPECT_FALSE(after.wait);
  EXPECT_EQ(after.error.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(after.error.message().find("shutting down"), std::string::npos);
}

TEST_F(TryAcquireTest, AFailedReplacementStillGetsTheWaitersAFetchOfTheirOwn) {
  auto cache = MakeCache();
  std::promise<void> release, started;
  std::shared_future<void> gate = release.get_future().share();
  // A rotated secret is being tried while a caller arrives.
  auto replacement = std::async(std::launch::async, [&] {
    return cache->FetchReplacement(
        [&](common::TimePoint) -> absl::StatusOr<FetchedToken> {
          started.set_value();
          gate.wait();
          return absl::UnavailableError("rotated secret refused");
        },
        [] {});
  });
  started.get_future().wait();
  auto waiting = cache->TryAcquire(std::nullopt, Waker());
  ASSERT_TRUE(waiting.wait);
  release.set_value();
  EXPECT_FALSE(replacement.get().ok());
  EXPECT_GE(wakeups_, 1);
  // The caller asks again: a fetch is wanted for it, and the refresher performs it.
  EXPECT_TRUE(cache->TryAcquire(waiting.epoch, Waker()).wait);
  cache->RunDueFetch();
  auto got = cache->TryAcquire(waiting.epoch, Waker());
  ASSERT_NE(got.token, nullptr) << got.error;
}

}  // namespace
}  // namespace genauth::auth
