// One authenticated GenAuth Management API call, with retries, all within the caller's deadline —
// carried out as events on the upstream event loop, so that no thread waits for any call.
//
// Per attempt: authenticate (the cached management token, or a fresh AK/SK signature when a signer
// is given), send, classify the outcome (attempt_classifier.h), then do what the pure decision
// says (call_decision.h): answer, renew the token and repeat once after a 401 (GenAuth did not
// process a call it refused to authenticate), or wait — a loop timer, full-jitter backoff or the
// reply's Retry-After — and try again. A wait that would pass the deadline ends the call at once.
//
// Protecting GenAuth (and callers) when it is unwell, all per client, i.e. per upstream:
// - a retry budget caps retries at a fraction of recent calls (retry/retry_budget.h);
// - a circuit breaker refuses attempts at once after consecutive failures (circuit_breaker.h);
// - a 429 pauses every call until its Retry-After has passed (rate_limit_pause.h);
// - when GenAuth refuses fresh tokens, 401s stop renewing the token for a while
//   (token_renewal_backoff.h), so the token endpoint is not hit once per call.
//
// Threading: Start and Cancel from any thread; everything else happens on the loop thread, which
// is also where `done` runs. One client serves every call.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "auth/request_signer.h"
#include "auth/token_cache.h"
#include "common/clock.h"
#include "common/event_loop.h"
#include "common/random.h"
#include "nlohmann/json.hpp"
#include "observability/metrics.h"
#include "retry/retry_budget.h"
#include "retry/retry_policy.h"
#include "upstream/attempt_classifier.h"
#include "upstream/circuit_breaker.h"
#include "upstream/http_transport.h"
#include "upstream/rate_limit_pause.h"
#include "upstream/token_renewal_backoff.h"

namespace genauth::upstream {

struct GenAuthClientOptions {
  std::string header_prefix = "x-authing";  // or "x-genauth"
  std::string lang = "zh-CN";
  std::string tenant_id;    // sent as <prefix>-app-tenant-id when non-empty
  std::string sdk_version;  // sent as <prefix>-sdk-version, e.g. "genauth-sidecar:0.1.0"
  retry::RetryPolicy retry;
  retry::RetryBudgetOptions retry_budget;
  CircuitBreakerOptions circuit_breaker;
  // Told of every circuit state change (for a log line); may be empty.
  CircuitBreaker::Listener on_circuit_change;
  // When GenAuth refuses fresh tokens, renewals after a 401 back off (token_renewal_backoff.h).
  TokenRenewalBackoffOptions token_renewal;
  // Told, on the loop thread, when a refused fresh token starts or extends that back-off: how many
  // fresh tokens were refused in a row and how long renewals now wait (for a log line); may be
  // empty.
  std::function<void(int fresh_refusals, common::Duration wait)> on_token_renewal_backoff;
  common::Duration attempt_timeout = std::chrono::seconds(10);  // one attempt, at most

  // Retry, budget and breaker settings, checked once before a client is built.
  absl::Status Validate() const;
};

// The metric series of one RPC's upstream attempts, resolved once per call so that its attempts
// only touch atomics.
struct UpstreamRpcMetrics {
  observability::Histogram* attempt_duration = nullptr;
  // genauth_upstream_attempts_total by outcome (index: retry::AttemptFailure), created on first use
  // so that /metrics shows only outcomes that happened. Mutable: a cache, filled through const.
  mutable std::array<std::atomic<observability::Counter*>, 5> attempts{};
};

struct UpstreamCall {
  std::string rpc;     // for metrics and logs, e.g. "TriggerWebhook"
  std::string method;  // "GET" or "POST"
  std::string path;    // e.g. "/api/v3/list-webhooks"
  // GET parameters, not encoded, in the order sent. The request signature needs them as values,
  // the URL needs them encoded: both are derived from here.
  std::vector<std::pair<std::string, std::string>> query;
  std::string body;  // JSON, for POST
  retry::Idempotency idempotency = retry::Idempotency::kSideEffects;
  // Sent on every attempt after the fixed headers: the W3C `traceparent` and `tracestate` of the
  // call, when it has a trace (observability/trace_context.h). Empty otherwise.
  std::vector<std::pair<std::string, std::string>> trace_headers;
};

class GenAuthClient {
 public:
  // Runs on the loop thread, exactly once per started call: GenAuth's `data` (null when the reply
  // had none) or the error with its ErrorInfo attached, and what happened on the way.
  using Done = std::function<void(absl::StatusOr<nlohmann::json>, const CallReport&)>;
  struct PendingCall;  // one call's state (genauth_client.cc); shared by the loop's events
  using CallHandle = std::shared_ptr<PendingCall>;

  // Every pointer must outlive the client. With a `signer`, requests are signed and `tokens` is
  // not used (it may be null).
  GenAuthClient(GenAuthClientOptions options, HttpTransport* transport, common::EventLoop* loop,
                auth::TokenCache* tokens, const auth::RequestSigner* signer, common::Clock* clock,
                common::Random* random, observability::MetricsRegistry* metrics);
  ~GenAuthClient();

  // Starts a call that must end by `deadline`. When the loop is stopping, `done` runs at once on
  // this thread with UNAVAILABLE (SHUTTING_DOWN). Thread-safe.
  CallHandle Start(UpstreamCall call, common::TimePoint deadline, Done done);
  // The caller has gone: the attempt in flight is aborted and `done` gets CANCELLED (unless the
  // call finished first). Thread-safe.
  void Cancel(const CallHandle& call);

  // Creates `rpc`'s metric series now, so that /metrics lists them before its first call (a call
  // of an undeclared rpc creates them then). Thread-safe.
  void DeclareRpc(const std::string& rpc) { MetricsFor(rpc); }

  CircuitState circuit_state() const { return breaker_.state(); }

  // Runs `fn` on the loop thread at `when` — for a caller's own timeouts that need no thread
  // either (a call waiting for another one). Dropped, without running, when the loop stops.
  // Thread-safe.
  void RunAt(common::TimePoint when, std::function<void()> fn) {
    loop_->Post(
        [this, when, fn = std::move(fn)]() mutable { loop_->AddTimer(when, std::move(fn)); });
  }

 private:
  // The steps of a call, each an event on the loop thread.
  void Begin(const CallHandle& call);
  void SendAttempt(const CallHandle& call,
                   const std::shared_ptr<const auth::ManagementToken>& token);
  void OnAttemptDone(const CallHandle& call, HttpResult result);
  void WaitForToken(const CallHandle& call);
  void Finish(const CallHandle& call, absl::StatusOr<nlohmann::json> result);
  void CancelOnLoop(const CallHandle& call);

  // The breaker's verdict on one attempt's outcome.
  void RecordHealth(const CircuitBreaker::Admission& admission,
                    const retry::AttemptOutcome& outcome, bool cut_by_caller_deadline);

  // The metric series of `rpc`'s attempts, created on first use; valid for the client's lifetime.
  // A mutex and a map lookup, once per call (Start).
  const UpstreamRpcMetrics* MetricsFor(const std::string& rpc);

  observability::Counter* AttemptCounter(const UpstreamCall& call,
                                         const UpstreamRpcMetrics& metrics,
                                         retry::AttemptFailure outcome);

  const GenAuthClientOptions options_;
  HttpTransport* const transport_;
  common::EventLoop* const loop_;
  auth::TokenCache* const tokens_;
  const auth::RequestSigner* const signer_;
  common::Clock* const clock_;
  common::Random* const random_;
  observability::MetricsRegistry* const metrics_;
  observability::Counter* const retries_;
  observability::Counter* const token_renewals_;
  observability::Counter* const token_renewals_refused_;
  observability::Counter* const token_renewal_backoffs_;
  observability::Counter* const retries_refused_deadline_;
  observability::Counter* const retries_refused_budget_;
  observability::Counter* const rejected_circuit_open_;
  observability::Counter* const rejected_rate_limited_;
  observability::Counter* const rate_limit_pauses_;
  observability::Counter* const cancelled_;
  // By CircuitState; filled before breaker_ can call its listener.
  std::array<observability::Counter*, 3> circuit_transitions_{};
  retry::RetryBudget budget_;
  CircuitBreaker breaker_;
  RateLimitPause pause_;
  TokenRenewalBackoff renewal_backoff_;                             // loop thread only
  std::vector<std::pair<std::string, std::string>> fixed_headers_;  // built once
  std::string userpool_header_;
  std::mutex rpc_metrics_mu_;
  std::map<std::string, std::unique_ptr<UpstreamRpcMetrics>> rpc_metrics_;  // by rpc; guarded
};

}  // namespace genauth::upstream
