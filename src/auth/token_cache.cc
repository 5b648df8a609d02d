// Management-token cache (see token_cache.h).
#include "auth/token_cache.h"

#include <algorithm>
#include <utility>

#include "auth/jwt_claims.h"
#include "common/backoff.h"
#include "common/duration.h"
#include "common/thread_name.h"
#include "nlohmann/json.hpp"
namespace genauth::auth {
namespace {

absl::Status TokenUnavailable(const absl::Status& cause) {
  if (cause.ok()) {
    return absl::UnavailableError(
        "could not obtain a GenAuth management token: the token GenAuth returned expires at once");
  }
  return absl::UnavailableError("could not obtain a GenAuth management token: " +
                                std::string(cause.message()));
}

}  // namespace

TokenCache::TokenCache(TokenCacheOptions options, TokenFetcher* fetcher, common::Clock* clock,
                       common::Random* random, observability::MetricsRegistry* metrics,
                       const observability::JsonLogger* logger)
    : options_(std::move(options)),
      fetcher_(fetcher),
      clock_(clock),
      random_(random),
      metrics_(metrics),
      logger_(logger),
      fetch_success_(metrics->GetCounter("genauth_token_fetches_total", {{"result", "success"}},
                                         "Management-token fetches by result")),
      fetch_failure_(metrics->GetCounter("genauth_token_fetches_total", {{"result", "failure"}})),
      invalidations_(metrics->GetCounter("genauth_token_invalidations_total", {},
                                         "Tokens dropped after GenAuth answered 401")),
      fast_failures_(
          metrics->GetCounter("genauth_token_fast_failures_total", {},
                              "Calls failed at once because the token endpoint is backing off")),
      pushbacks_(metrics->GetCounter(
          "genauth_token_endpoint_pushbacks_total", {},
          "Token fetches the token endpoint refused with 429 or 503 (the next waits longer)")) {
  metrics_->SetGaugeFunction(
      "genauth_token_age_seconds", {},
      "Seconds since the management token in use was obtained (no sample while there is none)",
      [this]() -> std::optional<double> {
        std::optional<common::TimePoint> obtained = token_obtained_at();
        if (!obtained) return std::nullopt;
        return std::chrono::duration<double>(clock_->Now() - *obtained).count();
      });
}

TokenCache::~TokenCache() {
  // Before anything the gauge reads goes away; waits for a scrape that is computing it.
  metrics_->SetGaugeFunction("genauth_token_age_seconds", {}, "", nullptr);
  Stop();
}

void TokenCache::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (refresher_.joinable()) return;
  if (options_.prefetch) fetch_wanted_ = true;
  refresher_ = std::thread([this] {
    common::NameThisThread("genauth-token");
    RefresherLoop();
  });
}

void TokenCache::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    NotifyAsyncWaitersLocked();
  }
  refresher_cv_.notify_all();
  callers_cv_.notify_all();
  if (refresher_.joinable()) refresher_.join();
}

absl::StatusOr<std::shared_ptr<const ManagementToken>> TokenCache::Get(common::TimePoint deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  const uint64_t seen_epoch = fetch_epoch_;
  bool asked = false;
  struct WaitCount {
    size_t* count = nullptr;
    ~WaitCount() {
      if (count != nullptr) --*count;
    }
  } wait_count;

  for (;;) {
    const common::TimePoint now = clock_->Now();
    if (current_ && now < current_->usable_until) return current_;
    if (stopping_) return absl::UnavailableError("the sidecar is shutting down");
    if (asked && fetch_epoch_ != seen_epoch && !fetch_in_flight_ && !fetch_wanted_) {
      // The fetch this call waited for has finished without giving a usable token.
      return TokenUnavailable(last_error_);
    }
    if (!asked) {
      if (!fetch_in_flight_ && !last_error_.ok() && now < retry_at_) {
        fast_failures_->Increment();
        return TokenUnavailable(last_error_);
      }
      // A fetch already under way serves this caller too: asking again would fetch twice.
      if (!fetch_in_flight_) fetch_wanted_ = true;
      asked = true;
      ++waiting_;
      wait_count.count = &waiting_;
      refresher_cv_.notify_one();
    }
    if (now >= deadline) {
      return absl::DeadlineExceededError(
          "the deadline passed while waiting for a GenAuth management token");
    }
    callers_cv_.wait_for(lock, deadline - now);
  }
}

TokenCache::Acquisition TokenCache::TryAcquire(std::optional<uint64_t> waited_epoch,
                                               std::function<void()> on_fetch_done) {
  std::lock_guard<std::mutex> lock(mu_);
  Acquisition result;
  const common::TimePoint now = clock_->Now();
  if (current_ && now < current_->usable_until) {
    result.token = current_;
    return result;
  }
  if (stopping_) {
    result.error = absl::UnavailableError("the sidecar is shutting down");
    result.shutting_down = true;
    return result;
  }
  if (waited_epoch) {
    if (fetch_epoch_ != *waited_epoch && !fetch_in_flight_ && !fetch_wanted_) {
      // The fetch this caller waited for has finished without giving a usable token.
      result.error = TokenUnavailable(last_error_);
      result.retry_after = std::max<common::Duration>(retry_at_ - now, common::Duration::zero());
      return result;
    }
  } else {
    if (!fetch_in_flight_ && !last_error_.ok() && now < retry_at_) {
      fast_failures_->Increment();
      result.error = TokenUnavailable(last_error_);
      result.retry_after = retry_at_ - now;
      return result;
    }
    // A fetch already under way serves this caller too: asking again would fetch twice.
    if (!fetch_in_flight_ && !fetch_wanted_) {
      fetch_wanted_ = true;
      refresher_cv_.notify_one();
    }
  }
  result.wait = true;
  result.epoch = waited_epoch ? *waited_epoch : fetch_epoch_;
  async_waiters_.push_back(std::move(on_fetch_done));
  return result;
}

void TokenCache::NotifyAsyncWaitersLocked() {
  std::vector<std::function<void()>> waiters;
  waiters.swap(async_waiters_);
  for (auto& waiter : waiters) waiter();
}

void TokenCache::Invalidate(const std::string& access_token) {
  std::lock_guard<std::mutex> lock(mu_);
  if (current_ && current_->access_token == access_token) {
    current_.reset();
    invalidations_->Increment();
    if (logger_ != nullptr) {
      logger_->Warn("management token rejected by GenAuth; fetching a new one");
    }
  }
}

absl::Status TokenCache::FetchReplacement(const FetchFunction& fetch,
                                          const std::function<void()>& on_success) {
  std::unique_lock<std::mutex> lock(mu_);
  // callers_cv_ is notified whenever a fetch finishes, and on Stop.
  callers_cv_.wait(lock, [this] { return stopping_ || !fetch_in_flight_; });
  if (stopping_) return absl::UnavailableError("the sidecar is shutting down");
  fetch_in_flight_ = true;
  const common::TimePoint started = clock_->Now();
  const bool cold = !current_ || started >= current_->usable_until;
  lock.unlock();
  absl::StatusOr<FetchedToken> fetched = CheckedFetch(fetch, started);
  const common::TimePoint now = clock_->Now();
  lock.lock();

  fetch_in_flight_ = false;
  ++replacements_;
  absl::Status result = fetched.status();
  TakePushback(result);  // the rotation is retried by the secret watcher's own schedule
  if (fetched.ok()) {
    ++fetch_epoch_;
    InstallLocked(*std::move(fetched), started, now, cold);
    on_success();
  } else {
    fetch_failure_->Increment();
    // Callers that found this fetch in flight did not ask for one of their own; ask for them.
    if (waiting_ > 0 || !async_waiters_.empty()) fetch_wanted_ = true;
  }
  callers_cv_.notify_all();
  refresher_cv_.notify_all();
  NotifyAsyncWaitersLocked();
  return result;
}

std::optional<common::TimePoint> TokenCache::token_obtained_at() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!current_) return std::nullopt;
  return current_->obtained_at;
}

std::optional<common::TimePoint> TokenCache::RunDueFetch() {
  std::unique_lock<std::mutex> lock(mu_);
  auto due = NextDueLocked(clock_->Now());
  if (due && *due <= clock_->Now()) FetchLocked(lock);
  return NextDueLocked(clock_->Now());
}

size_t TokenCache::waiting_callers() const {
  std::lock_guard<std::mutex> lock(mu_);
  return waiting_ + async_waiters_.size();
}

std::optional<common::TimePoint> TokenCache::NextDueLocked(common::TimePoint now) const {
  if (fetch_in_flight_) return std::nullopt;
  if (fetch_wanted_) return now;
  if (!last_error_.ok()) return retry_at_;
  if (current_) return current_->refresh_at;
  return std::nullopt;
}

common::Duration TokenCache::BackoffLocked() {
  // Equal jitter: a failing endpoint is never retried in a tight loop.
  return common::EqualJitter(
      common::ExponentialCeiling(options_.retry_base_delay, options_.retry_max_delay,
                                 consecutive_failures_),
      random_->NextUnit());
}

common::Duration TokenCache::RetryDelayLocked(std::optional<common::Duration> pushback) {
  const common::Duration backoff = BackoffLocked();
  if (!pushback) return backoff;
  pushbacks_->Increment();
  const common::Duration asked = std::clamp(*pushback, common::Duration::zero(), kMaxPushback);
  // Never sooner than GenAuth asked, and spread over half as long again: a fleet told the same
  // Retry-After in the same second must not come back in the same second.
  const auto spread =
      std::chrono::duration_cast<common::Duration>(asked * (1.0 + 0.5 * random_->NextUnit()));
  return std::max(backoff, spread);
}

absl::StatusOr<FetchedToken> TokenCache::CheckedFetch(const FetchFunction& fetch,
                                                      common::TimePoint started) {
  absl::StatusOr<FetchedToken> fetched = fetch(started + options_.fetch_timeout);
  if (fetched.ok() && fetched->access_token.empty()) {
    return absl::UnavailableError("GenAuth returned an empty access token");
  }
  if (fetched.ok() && fetched->expires_in <= std::chrono::seconds::zero()) {
    return absl::UnavailableError("GenAuth returned a token with a non-positive expires_in");
  }
  return fetched;
}

void TokenCache::InstallLocked(FetchedToken fetched, common::TimePoint started,
                               common::TimePoint now, bool cold) {
  auto token = std::make_shared<ManagementToken>();
  const common::Duration lifetime = fetched.expires_in;
  const common::Duration margin = std::min<common::Duration>(options_.expiry_margin, lifetime / 10);
  token->access_token = std::move(fetched.access_token);
  token->userpool_id = JwtStringClaim(token->access_token, "scoped_userpool_id")
                           .value_or(options_.fallback_userpool_id);
  token->obtained_at = now;
  token->usable_until = now + lifetime - margin;
  // A random moment in the window. Sidecars that fetched together (one rollout, one expiry, one
  // revocation) spread their first refresh over half the lifetime (15 s of a 30 s token: 40
  // sidecars, under 3 a second), and the spread widens with every cycle; later refreshes use the
  // narrower window, which bounds the fetches per lifetime. Never past usable_until, so a caller
  // never waits for a refresh.
  const double width = options_.refresh_window_end - options_.refresh_window_start;
  const double start = cold ? std::max(std::min(0.1, options_.refresh_window_start),
                                       options_.refresh_window_start - 1.5 * width)
                            : options_.refresh_window_start;
  const double fraction = start + (options_.refresh_window_end - start) * random_->NextUnit();
  // To the millisecond: the fraction's floating-point residue (0.7 - 1.5 x 0.2) means nothing.
  const auto after = std::chrono::round<std::chrono::milliseconds>(
      std::chrono::duration<double>(lifetime) * fraction);
  token->refresh_at = std::min<common::TimePoint>(now + after, token->usable_until);
  token->serial = ++installed_;
  current_ = std::move(token);
  last_error_ = absl::OkStatus();
  consecutive_failures_ = 0;
  fetch_success_->Increment();
  if (logger_ != nullptr) {
    logger_->Info("management token obtained",
                  {{"expiresInS", fetched.expires_in.count()},
                   {"fetchMs",
                    std::chrono::duration_cast<std::chrono::milliseconds>(now - started).count()}});
  }
}

void TokenCache::FetchLocked(std::unique_lock<std::mutex>& lock) {
  fetch_in_flight_ = true;
  fetch_wanted_ = false;
  const common::TimePoint started = clock_->Now();
  const bool cold = !current_ || started >= current_->usable_until;
  lock.unlock();
  absl::StatusOr<FetchedToken> fetched = CheckedFetch(
      [this](common::TimePoint deadline) { return fetcher_->Fetch(deadline); }, started);
  const common::TimePoint now = clock_->Now();
  lock.lock();

  fetch_in_flight_ = false;
  ++fetch_epoch_;
  if (fetched.ok()) {
    InstallLocked(*std::move(fetched), started, now, cold);
  } else {
    last_error_ = fetched.status();
    const std::optional<common::Duration> pushback = TakePushback(last_error_);
    ++consecutive_failures_;
    const common::Duration delay = RetryDelayLocked(pushback);
    retry_at_ = now + delay;
    fetch_failure_->Increment();
    if (logger_ != nullptr) {
      nlohmann::json fields = {{"error", std::string(last_error_.message())},
                               {"consecutiveFailures", consecutive_failures_},
                               {"retryIn", common::FormatDuration(delay)}};
      if (pushback) fields["pushback"] = true;
      logger_->Warn("management token fetch failed", std::move(fields));
    }
  }
  callers_cv_.notify_all();
  NotifyAsyncWaitersLocked();
}

void TokenCache::RefresherLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    const common::TimePoint now = clock_->Now();
    auto due = NextDueLocked(now);
    if (due && *due <= now) {
      FetchLocked(lock);
      continue;
    }
    const uint64_t replacements = replacements_;
    auto wake = [this, replacements] {
      return stopping_ || fetch_wanted_ || replacements_ != replacements;
    };
    if (due) {
      refresher_cv_.wait_for(lock, *due - now, wake);
    } else {
      refresher_cv_.wait(lock, wake);
    }
  }
}

}  // namespace genauth::auth
