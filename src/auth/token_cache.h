// The management-token cache: one token per (host, key id), shared by every call.
//
// - Callers only read: Get (blocking) and TryAcquire (never blocking: the event-loop path) return
//   the cached token at once while it is usable.
// - All fetching happens on one background refresher thread, so fetches are single-flight by
//   construction: 50 cold-start callers wait for the same fetch.
// - The refresher renews the token ahead of expiry, at a moment picked at random inside a window of
//   its lifetime (70 % to 90 % by default), so no call waits for a refresh while the old token is
//   still valid, and a fleet of sidecars started together does not refresh in lock-step.
// - After a failed fetch the refresher retries with jittered exponential backoff; during that
//   backoff, callers with no usable token fail fast with the last error instead of piling on.
// - When the token endpoint pushes back (429 or 503, see WithPushback), the next fetch waits at
//   least its Retry-After (capped), spread by a random half again; the current token stays in use.
// - Invalidate drops a token GenAuth rejected (401); the next Get waits for a fresh one.
// - FetchReplacement swaps in a token obtained another way (with a rotated secret) only once that
//   fetch has succeeded, so calls keep the old token until then.
// - The age of the current token is exported as the gauge genauth_token_age_seconds, computed when
//   metrics are scraped.
// Time and randomness are injected; tests drive RunDueFetch() on a FakeClock without the thread.
// Thread-safe.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "auth/token_fetcher.h"
#include "common/clock.h"
#include "common/random.h"
#include "observability/json_logger.h"
#include "observability/metrics.h"

namespace genauth::auth {

struct TokenCacheOptions {
  // Sent as the userpool header when the token has no `scoped_userpool_id` claim (the key id).
  std::string fallback_userpool_id;
  // Renew in the background at a random moment between these fractions of the token's lifetime.
  // Both at most 0.9, so the moment is always before the expiry margin (at most a tenth).
  double refresh_window_start = 0.7;
  double refresh_window_end = 0.9;
  // Stop handing out a token this long before it expires (capped at a tenth of its lifetime), so a
  // call does not reach GenAuth with a token that expires on the way.
  common::Duration expiry_margin = std::chrono::seconds(60);
  common::Duration fetch_timeout = std::chrono::seconds(10);
  common::Duration retry_base_delay = std::chrono::milliseconds(500);
  common::Duration retry_max_delay = std::chrono::seconds(30);
  // Fetch when Start() runs instead of at the first call (warms the sidecar up).
  bool prefetch = false;
};

struct ManagementToken {
  std::string access_token;
  std::string userpool_id;
  common::TimePoint obtained_at;
  common::TimePoint refresh_at;    // the refresher renews it from here on
  common::TimePoint usable_until;  // Get stops returning it from here on
  // Counts the tokens this cache has installed, from 1: tells two tokens apart without comparing
  // the secret strings (e.g. whether a 401 is for a token already known to be refused).
  uint64_t serial = 0;
};

class TokenCache {
 public:
  // A longer pushback is capped here (as the webhook endpoints' 429 pause is): one odd Retry-After
  // must not stop the sidecar's token renewal for hours.
  static constexpr common::Duration kMaxPushback = std::chrono::seconds(60);

  // `fetcher`, `clock`, `random`, `metrics` and `logger` must outlive the cache.
  TokenCache(TokenCacheOptions options, TokenFetcher* fetcher, common::Clock* clock,
             common::Random* random, observability::MetricsRegistry* metrics,
             const observability::JsonLogger* logger);
  ~TokenCache();

  TokenCache(const TokenCache&) = delete;
  TokenCache& operator=(const TokenCache&) = delete;

  // Starts the background refresher thread. Without it, tests call RunDueFetch() themselves.
  void Start();
  // Stops the refresher (waits for a fetch in progress). Idempotent.
  void Stop();

  // A usable token, waiting until `deadline` for a fetch if there is none. Errors: UNAVAILABLE
  // (the token endpoint failed; the message says why) or DEADLINE_EXCEEDED.
  absl::StatusOr<std::shared_ptr<const ManagementToken>> Get(common::TimePoint deadline);

  // The non-blocking Get, for callers on an event loop. Either a usable token, or an error (the
  // endpoint is backing off, or the fetch this caller waited for failed, or stopping), or `wait`:
  // then `on_fetch_done` has been registered and runs once — on the fetching thread, under the
  // cache's lock, so it must only hand work to its own thread and never call the cache — when the
  // next fetch finishes or the cache stops; the caller then asks again with the `epoch` it got
  // here. A caller gives up waiting by its own deadline.
  struct Acquisition {
    std::shared_ptr<const ManagementToken> token;
    absl::Status error;  // set when there is no token and no wait
    // With `error`: how long until the refresher tries the token endpoint again (the rest of its
    // back-off; zero when a fetch may start at once), so the caller can be told when to come back.
    common::Duration retry_after{0};
    bool shutting_down = false;  // with `error`: the cache is stopping, not the endpoint failing
    bool wait = false;
    uint64_t epoch = 0;  // pass back as `waited_epoch` after `on_fetch_done` ran
  };
  Acquisition TryAcquire(std::optional<uint64_t> waited_epoch, std::function<void()> on_fetch_done);

  // Drops `access_token` if it is still the current one (GenAuth answered 401 with it). Concurrent
  // 401s for the same token cause one refetch, not many.
  void Invalidate(const std::string& access_token);

  // Obtains a token with `fetch` instead of the cache's fetcher (e.g. with a rotated secret) and,
  // only when that succeeds, makes it the current token and runs `on_success`. Waits for a fetch
  // in progress first, so fetches never overlap. `on_success` runs under the cache's lock, before
  // any other fetch can start: it is where the new secret is put into use, so that no fetch with
  // the old secret can replace the new token afterwards; it must be quick and must not call the
  // cache. When the fetch fails, the current token (still valid for calls) and the refresher's
  // schedule are left as they were. Returns the fetch's error, or UNAVAILABLE when stopping.
  using FetchFunction = std::function<absl::StatusOr<FetchedToken>(common::TimePoint deadline)>;
  absl::Status FetchReplacement(const FetchFunction& fetch,
                                const std::function<void()>& on_success);

  // When the current token was obtained; nullopt when there is none.
  std::optional<common::TimePoint> token_obtained_at() const;

  // The refresher's step: performs the fetch that is due now, if any. Returns when the next fetch
  // is due, or nullopt when none is until a caller asks.
  std::optional<common::TimePoint> RunDueFetch();

  // Callers currently waiting in Get or TryAcquire (tests use it to know everyone is waiting).
  size_t waiting_callers() const;

 private:
  std::optional<common::TimePoint> NextDueLocked(common::TimePoint now) const;
  void FetchLocked(std::unique_lock<std::mutex>& lock);
  // Runs `fetch` (without the lock) and checks what it returned.
  absl::StatusOr<FetchedToken> CheckedFetch(const FetchFunction& fetch, common::TimePoint started);
  void InstallLocked(FetchedToken fetched, common::TimePoint started, common::TimePoint now);
  void RefresherLoop();
  // Wakes the TryAcquire waiters (a fetch finished, or stopping). Under the lock: the callbacks
  // only post work to their own threads.
  void NotifyAsyncWaitersLocked();
  common::Duration BackoffLocked();
  // How long to wait after a failed fetch: the backoff, or longer when the endpoint pushed back.
  common::Duration RetryDelayLocked(std::optional<common::Duration> pushback);

  const TokenCacheOptions options_;
  TokenFetcher* const fetcher_;
  common::Clock* const clock_;
  common::Random* const random_;
  observability::MetricsRegistry* const metrics_;
  const observability::JsonLogger* const logger_;
  observability::Counter* const fetch_success_;
  observability::Counter* const fetch_failure_;
  observability::Counter* const invalidations_;
  observability::Counter* const fast_failures_;
  observability::Counter* const pushbacks_;

  mutable std::mutex mu_;
  std::condition_variable callers_cv_;    // a fetch finished
  std::condition_variable refresher_cv_;  // a caller wants a token, or stop
  std::shared_ptr<const ManagementToken> current_;
  bool fetch_wanted_ = false;
  bool fetch_in_flight_ = false;
  uint64_t fetch_epoch_ = 0;  // counts finished fetches
  uint64_t installed_ = 0;    // counts installed tokens: the last one's ManagementToken::serial
  // Counts finished replacement fetches: wakes the refresher to recompute its schedule, which it
  // cannot know while a replacement is in flight.
  uint64_t replacements_ = 0;
  absl::Status last_error_;
  int consecutive_failures_ = 0;
  common::TimePoint retry_at_{};
  size_t waiting_ = 0;
  std::vector<std::function<void()>> async_waiters_;  // TryAcquire callers waiting for a fetch
  bool stopping_ = false;
  std::thread refresher_;
};

}  // namespace genauth::auth
