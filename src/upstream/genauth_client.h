// One authenticated GenAuth Management API call, with retries, all within the caller's deadline.
//
// Per attempt: authenticate (the cached management token, or a fresh AK/SK signature when a signer
// is given), send, read the envelope, classify the outcome. With a token, a 401 drops the token and
// repeats the call once with a fresh one (GenAuth did not process a call it refused to
// authenticate). Other failures go through retry::IsRetryable; waits use full-jitter backoff or
// the reply's Retry-After, and a wait that would pass the deadline ends the call at once.
//
// Protecting GenAuth (and callers) when it is unwell, all per client, i.e. per upstream:
// - a retry budget caps retries at a fraction of recent calls (retry/retry_budget.h);
// - a circuit breaker refuses attempts at once after consecutive failures (circuit_breaker.h);
// - a 429 pauses every call until its Retry-After has passed (rate_limit_pause.h).
// Thread-safe; one client serves every call.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
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
#include "common/random.h"
#include "nlohmann/json.hpp"
#include "observability/metrics.h"
#include "retry/retry_budget.h"
#include "retry/retry_policy.h"
#include "upstream/circuit_breaker.h"
#include "upstream/http_transport.h"
#include "upstream/rate_limit_pause.h"

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
  common::Duration attempt_timeout = std::chrono::seconds(10);  // one attempt, at most

  // Retry, budget and breaker settings, checked once before a client is built.
  absl::Status Validate() const;
};

// The metric series of one RPC's upstream attempts, resolved once (GenAuthClient::MetricsFor) so
// that an attempt only touches atomics.
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
  // From MetricsFor(rpc); null to have Call look it up (a mutex and a map lookup).
  const UpstreamRpcMetrics* metrics = nullptr;
};

// What happened, for the per-RPC log line. Filled whatever the result.
struct CallReport {
  int attempts = 0;  // upstream requests sent or tried (the token fetch not included)
  // Why the call stopped without (another) attempt, when it did: "circuit_open", "rate_limited",
  // "retry_budget" or "deadline"; empty otherwise.
  std::string stopped_by;
  int http_status = 0;     // of the last reply, 0 when none
  int genauth_status = 0;  // the last envelope's statusCode, 0 when none
  std::string api_code;
  std::string request_id;
  bool token_renewed = false;  // a 401 made the call fetch a new token
};

class GenAuthClient {
 public:
  // Every pointer must outlive the client. With a `signer`, requests are signed and `tokens` is
  // not used (it may be null).
  GenAuthClient(GenAuthClientOptions options, HttpTransport* transport, auth::TokenCache* tokens,
                const auth::RequestSigner* signer, common::Clock* clock, common::Random* random,
                observability::MetricsRegistry* metrics);

  // GenAuth's `data` (null when the reply had none), or the error with its ErrorInfo attached.
  absl::StatusOr<nlohmann::json> Call(const UpstreamCall& call, common::TimePoint deadline,
                                      CallReport* report);

  // The metric series of `rpc`'s attempts, created on first use; valid for the client's lifetime.
  const UpstreamRpcMetrics* MetricsFor(const std::string& rpc);

  CircuitState circuit_state() const { return breaker_.state(); }

 private:
  // The breaker's verdict on one attempt's outcome.
  void RecordHealth(const CircuitBreaker::Admission& admission,
                    const retry::AttemptOutcome& outcome, bool cut_by_caller_deadline);

  observability::Counter* AttemptCounter(const UpstreamCall& call,
                                         const UpstreamRpcMetrics& metrics,
                                         retry::AttemptFailure outcome);

  const GenAuthClientOptions options_;
  HttpTransport* const transport_;
  auth::TokenCache* const tokens_;
  const auth::RequestSigner* const signer_;
  common::Clock* const clock_;
  common::Random* const random_;
  observability::MetricsRegistry* const metrics_;
  observability::Counter* const retries_;
  observability::Counter* const token_renewals_;
  observability::Counter* const retries_refused_deadline_;
  observability::Counter* const retries_refused_budget_;
  observability::Counter* const rejected_circuit_open_;
  observability::Counter* const rejected_rate_limited_;
  observability::Counter* const rate_limit_pauses_;
  // By CircuitState; filled before breaker_ can call its listener.
  std::array<observability::Counter*, 3> circuit_transitions_{};
  retry::RetryBudget budget_;
  CircuitBreaker breaker_;
  RateLimitPause pause_;
  std::vector<std::pair<std::string, std::string>> fixed_headers_;  // built once
  std::string userpool_header_;
  std::mutex rpc_metrics_mu_;
  std::map<std::string, std::unique_ptr<UpstreamRpcMetrics>> rpc_metrics_;  // by rpc; guarded
};

}  // namespace genauth::upstream
