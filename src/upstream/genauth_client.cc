// The call executor on the event loop (see genauth_client.h). Every decision is made by the pure
// functions of call_decision.h; this file reads the clock, the shared guards and the token cache,
// and turns their answers into transfers and timers.
#include "upstream/genauth_client.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "errors/error_details.h"
#include "retry/backoff.h"
#include "upstream/call_decision.h"
#include "upstream/genauth_headers.h"
#include "upstream/url.h"

namespace genauth::upstream {

// One call between Start and its answer. Touched only on the loop thread after Start.
struct GenAuthClient::PendingCall {
  UpstreamCall call;
  const UpstreamRpcMetrics* metrics = nullptr;
  common::TimePoint deadline;
  Done done;
  CallReport report;
  HttpRequest request;               // method, target and body; headers are set per attempt
  auth::ParamList signature_params;  // what a signature covers (signature auth only)
  int retries_done = 0;
  absl::Status last_error;
  bool finished = false;
  // The step in progress, at most one of them.
  HttpTransport::TransferId transfer = 0;
  common::EventLoop::TimerId timer = 0;  // a retry wait, or the deadline of a token wait
  bool waiting_for_token = false;
  std::optional<uint64_t> token_epoch;  // set once the call has waited for a fetch
  // The attempt in flight.
  std::shared_ptr<const auth::ManagementToken> token;
  CircuitBreaker::Admission admission;
  common::TimePoint attempt_started;
  common::Duration attempt_timeout{0};
};

absl::Status GenAuthClientOptions::Validate() const {
  if (absl::Status s = retry.Validate(); !s.ok()) return s;
  if (absl::Status s = retry_budget.Validate(); !s.ok()) return s;
  if (absl::Status s = circuit_breaker.Validate(); !s.ok()) return s;
  if (absl::Status s = token_renewal.Validate(); !s.ok()) return s;
  if (attempt_timeout <= common::Duration::zero()) {
    return absl::InvalidArgumentError("attempt timeout must be over 0");
  }
  return absl::OkStatus();
}

GenAuthClient::GenAuthClient(GenAuthClientOptions options, HttpTransport* transport,
                             common::EventLoop* loop, auth::TokenCache* tokens,
                             const auth::RequestSigner* signer, common::Clock* clock,
                             common::Random* random, observability::MetricsRegistry* metrics)
    : options_(std::move(options)),
      transport_(transport),
      loop_(loop),
      tokens_(tokens),
      signer_(signer),
      clock_(clock),
      random_(random),
      metrics_(metrics),
      retries_(metrics->GetCounter("genauth_upstream_retries_total", {},
                                   "Upstream attempts repeated after a retryable failure")),
      token_renewals_(metrics->GetCounter("genauth_upstream_token_renewals_total", {},
                                          "Calls repeated with a new token after a 401")),
      token_renewals_refused_(metrics->GetCounter(
          "genauth_upstream_token_renewals_refused_total", {},
          "401s answered without renewing the token, because GenAuth refused fresh tokens and "
          "renewals are backing off")),
      token_renewal_backoffs_(metrics->GetCounter(
          "genauth_upstream_token_renewal_backoffs_total", {},
          "Fresh management tokens GenAuth refused, each starting or extending the renewal "
          "back-off")),
      retries_refused_deadline_(metrics->GetCounter("genauth_upstream_retries_refused_total",
                                                    {{"why", "deadline"}},
                                                    "Retryable failures not retried, by why")),
      retries_refused_budget_(metrics->GetCounter("genauth_upstream_retries_refused_total",
                                                  {{"why", "budget"}},
                                                  "Retryable failures not retried, by why")),
      rejected_circuit_open_(metrics->GetCounter(
          "genauth_upstream_calls_rejected_total", {{"why", "circuit_open"}},
          "Attempts not made because GenAuth was failing or rate limiting, by why")),
      rejected_rate_limited_(metrics->GetCounter(
          "genauth_upstream_calls_rejected_total", {{"why", "rate_limited"}},
          "Attempts not made because GenAuth was failing or rate limiting, by why")),
      rate_limit_pauses_(metrics->GetCounter("genauth_upstream_rate_limit_pauses_total", {},
                                             "429 replies that paused calls to GenAuth")),
      cancelled_(metrics->GetCounter("genauth_upstream_calls_cancelled_total", {},
                                     "Calls whose caller went away; an attempt in flight was "
                                     "aborted")),
      budget_(options_.retry_budget, clock),
      breaker_(options_.circuit_breaker, clock,
               [this](CircuitState from, CircuitState to, int failures) {
                 circuit_transitions_.at(static_cast<size_t>(to))->Increment();
                 if (options_.on_circuit_change) options_.on_circuit_change(from, to, failures);
               }),
      pause_(clock),
      renewal_backoff_(options_.token_renewal) {
  for (CircuitState state : {CircuitState::kClosed, CircuitState::kOpen, CircuitState::kHalfOpen}) {
    circuit_transitions_.at(static_cast<size_t>(state)) = metrics->GetCounter(
        "genauth_upstream_circuit_transitions_total", {{"to", CircuitStateName(state)}},
        "Circuit breaker state changes, by the state entered");
  }
  metrics->SetGaugeFunction(
      "genauth_upstream_circuit_state", {},
      "The GenAuth circuit breaker: 0 closed, 1 open, 2 half-open (a probe may go)",
      [this]() -> std::optional<double> { return static_cast<double>(breaker_.state()); });
  const std::string& p = options_.header_prefix;
  fixed_headers_ = FixedGenAuthHeaders(p, options_.sdk_version, options_.lang, options_.tenant_id);
  userpool_header_ = p + "-userpool-id";
}

GenAuthClient::~GenAuthClient() {
  metrics_->SetGaugeFunction("genauth_upstream_circuit_state", {}, "", nullptr);
}

const UpstreamRpcMetrics* GenAuthClient::MetricsFor(const std::string& rpc) {
  std::lock_guard<std::mutex> lock(rpc_metrics_mu_);
  auto& slot = rpc_metrics_[rpc];
  if (!slot) {
    slot = std::make_unique<UpstreamRpcMetrics>();
    slot->attempt_duration = metrics_->GetHistogram(
        "genauth_upstream_attempt_duration_seconds", {{"rpc", rpc}},
        "Duration of one upstream attempt (one HTTP request to GenAuth, the webhook delivery "
        "included for TriggerWebhook), by RPC",
        observability::LatencySecondsBuckets());
  }
  return slot.get();
}

observability::Counter* GenAuthClient::AttemptCounter(const UpstreamCall& call,
                                                      const UpstreamRpcMetrics& metrics,
                                                      retry::AttemptFailure outcome) {
  std::atomic<observability::Counter*>& slot = metrics.attempts.at(static_cast<size_t>(outcome));
  observability::Counter* counter = slot.load(std::memory_order_acquire);
  if (counter == nullptr) {
    // Racing first uses get the same counter from the registry; storing it twice is harmless.
    counter = metrics_->GetCounter("genauth_upstream_attempts_total",
                                   {{"rpc", call.rpc}, {"outcome", AttemptOutcomeLabel(outcome)}},
                                   "Upstream attempts by RPC and outcome");
    slot.store(counter, std::memory_order_release);
  }
  return counter;
}

GenAuthClient::CallHandle GenAuthClient::Start(UpstreamCall call, common::TimePoint deadline,
                                               Done done) {
  auto pending = std::make_shared<PendingCall>();
  pending->metrics = MetricsFor(call.rpc);
  pending->deadline = deadline;
  pending->done = std::move(done);
  pending->request.method = call.method;
  pending->request.target = Target(call.path, call.query);
  if (call.method != "GET") {
    if (signer_ != nullptr) pending->signature_params = auth::ParamsFromJsonBody(call.body);
    pending->request.body = std::make_shared<const std::string>(std::move(call.body));
    call.body.clear();
  } else if (signer_ != nullptr) {
    pending->signature_params = call.query;
  }
  pending->call = std::move(call);
  if (!loop_->Post([this, pending] {
        budget_.RecordCall();
        Begin(pending);
      })) {
    pending->finished = true;
    pending->done(ShuttingDownRefusal(), pending->report);
  }
  return pending;
}

void GenAuthClient::Cancel(const CallHandle& call) {
  loop_->Post([this, call] { CancelOnLoop(call); });
}

void GenAuthClient::CancelOnLoop(const CallHandle& call) {
  if (call->finished) return;
  cancelled_->Increment();
  if (call->transfer != 0) {
    transport_->Cancel(call->transfer);
    call->transfer = 0;
    call->report.may_have_acted = true;  // the request may have reached GenAuth
    // The caller, not GenAuth, ended the attempt: no verdict on GenAuth (and a probe's slot frees).
    breaker_.RecordNeutral(call->admission);
  }
  call->report.stopped_by = "cancelled";
  Finish(call, CancelledByCaller(call->report.attempts));
}

void GenAuthClient::Finish(const CallHandle& call, absl::StatusOr<nlohmann::json> result) {
  if (call->finished) return;
  call->finished = true;
  if (call->timer != 0) loop_->CancelTimer(call->timer);
  call->timer = 0;
  call->waiting_for_token = false;
  call->token.reset();
  Done done = std::move(call->done);
  done(std::move(result), call->report);
}

void GenAuthClient::Begin(const CallHandle& call) {
  if (call->finished) return;
  call->timer = 0;
  if (clock_->Now() >= call->deadline) {
    call->report.stopped_by = "deadline";
    Finish(call, DeadlineRefusal(call->last_error));
    return;
  }
  std::shared_ptr<const auth::ManagementToken> token;
  if (signer_ == nullptr) {
    // Each attempt is authenticated anew; with a token, the cached one (renewed after a 401).
    auth::TokenCache::Acquisition got = tokens_->TryAcquire(call->token_epoch, [this, call] {
      loop_->Post([this, call] {
        if (!call->waiting_for_token) return;
        call->waiting_for_token = false;
        if (call->timer != 0) loop_->CancelTimer(call->timer);
        Begin(call);
      });
    });
    if (got.wait) {
      call->token_epoch = got.epoch;
      WaitForToken(call);
      return;
    }
    if (!got.token) {
      Finish(call, got.shutting_down ? ShuttingDownRefusal()
                                     : TokenUnavailableRefusal(got.error, got.retry_after));
      return;
    }
    token = std::move(got.token);
  }
  // Checked after authenticating, right before sending, so that a breaker probe admitted here is
  // always followed by its attempt's verdict.
  if (std::optional<common::Duration> paused = pause_.Remaining()) {
    rejected_rate_limited_->Increment();
    call->report.stopped_by = "rate_limited";
    Finish(call, RateLimitRefusal(*paused, call->last_error));
    return;
  }
  call->admission = breaker_.Admit();
  if (!call->admission.allowed) {
    rejected_circuit_open_->Increment();
    call->report.stopped_by = "circuit_open";
    Finish(call, CircuitOpenRefusal(call->admission.retry_after, call->last_error));
    return;
  }
  SendAttempt(call, token);
}

void GenAuthClient::WaitForToken(const CallHandle& call) {
  // The token fetch has its own timeout; this call waits no longer than its deadline.
  call->waiting_for_token = true;
  call->timer = loop_->AddTimer(call->deadline, [this, call] {
    call->timer = 0;
    if (!call->waiting_for_token) return;
    call->waiting_for_token = false;
    absl::Status status = absl::DeadlineExceededError(
        "the deadline passed while waiting for a GenAuth management token");
    errors::SetErrorInfo(status, errors::reason::kUpstreamTimeout);
    Finish(call, status);
  });
}

void GenAuthClient::SendAttempt(const CallHandle& call,
                                const std::shared_ptr<const auth::ManagementToken>& token) {
  HttpRequest request = call->request;  // the body is shared, not copied
  request.headers = fixed_headers_;
  if (signer_ != nullptr) {
    // A signature's date and nonce must be fresh for every attempt.
    signer_->Sign(call->request.method, call->call.path, call->signature_params, &request.headers);
  } else {
    request.headers.emplace_back("Authorization", "Bearer " + token->access_token);
    request.headers.emplace_back(userpool_header_, token->userpool_id);
  }
  for (const auto& header : call->call.trace_headers) request.headers.push_back(header);
  call->token = token;
  const common::TimePoint now = clock_->Now();
  ++call->report.attempts;
  call->attempt_started = now;
  call->attempt_timeout =
      std::min<common::Duration>(options_.attempt_timeout, call->deadline - now);
  call->transfer =
      transport_->Send(std::move(request), call->attempt_timeout,
                       [this, call](HttpResult result) { OnAttemptDone(call, std::move(result)); });
}

void GenAuthClient::OnAttemptDone(const CallHandle& call, HttpResult result) {
  call->transfer = 0;
  if (call->finished) return;
  const common::TimePoint now = clock_->Now();
  call->metrics->attempt_duration->ObserveDuration(now - call->attempt_started);
  ClassifiedAttempt attempt = ClassifyAttempt(result, clock_->WallNow(), &call->report);
  AttemptCounter(call->call, *call->metrics, attempt.outcome.failure)->Increment();
  if (!retry::ProvablyNotProcessed(attempt.outcome)) call->report.may_have_acted = true;
  RecordHealth(call->admission, attempt.outcome, call->attempt_timeout < options_.attempt_timeout);
  if (attempt.status.ok()) {
    if (call->token) renewal_backoff_.RecordAccepted(call->token->serial);
    Finish(call, std::move(attempt.data));
    return;
  }

  RetryContext context;
  if (attempt.outcome.failure == retry::AttemptFailure::kStatus && attempt.outcome.status == 429) {
    context.pause = pause_.Pause(attempt.retry_after);
    rate_limit_pauses_->Increment();
  }
  context.idempotency = call->call.idempotency;
  context.max_attempts = options_.retry.max_attempts;
  context.retries_done = call->retries_done;
  context.can_renew_token = call->token != nullptr && !call->report.token_renewed;
  if (call->token != nullptr && attempt.outcome.failure == retry::AttemptFailure::kStatus &&
      attempt.outcome.status == 401) {
    // Only the repeat after this call's own renewal is evidence: the token it got by renewing was
    // refused too, so renewing did not help. (A first attempt's token may simply have been
    // revoked since it was fetched; renewing is the fix for that.) Recorded before deciding, so
    // that this very 401 already carries the wait it started.
    if (call->report.token_renewed) {
      if (std::optional<common::Duration> wait = renewal_backoff_.RecordRefused(
              call->token->serial, call->token->obtained_at, now, random_->NextUnit())) {
        token_renewal_backoffs_->Increment();
        if (options_.on_token_renewal_backoff) {
          options_.on_token_renewal_backoff(renewal_backoff_.fresh_refusals(), *wait);
        }
      }
    }
    context.renewal_wait = renewal_backoff_.Remaining(now);
  }
  context.now = now;
  context.deadline = call->deadline;
  context.backoff = retry::FullJitterBackoff(options_.retry, call->retries_done + 1, *random_);
  NextStep step = DecideAfterFailure(attempt, context);

  switch (step.kind) {
    case NextStep::Kind::kAnswer:
      if (step.stopped_by == "deadline") retries_refused_deadline_->Increment();
      if (step.stopped_by == "token_renewal_backoff") token_renewals_refused_->Increment();
      if (!step.stopped_by.empty()) call->report.stopped_by = step.stopped_by;
      Finish(call, std::move(step.status));
      return;
    case NextStep::Kind::kRenewTokenAndRepeat:
      tokens_->Invalidate(call->token->access_token);
      call->report.token_renewed = true;
      token_renewals_->Increment();
      call->last_error = attempt.status;
      call->token.reset();
      call->token_epoch.reset();
      Begin(call);
      return;
    case NextStep::Kind::kRetryAfter:
      if (!budget_.TrySpendRetry()) {
        // GenAuth is failing for many calls at once: retrying them all would multiply its load.
        retries_refused_budget_->Increment();
        call->report.stopped_by = "retry_budget";
        Finish(call, BudgetRefusal(attempt, context.pause, step.wait));
        return;
      }
      ++call->retries_done;
      retries_->Increment();
      call->last_error = attempt.status;
      call->token.reset();
      call->token_epoch.reset();
      call->timer = loop_->AddTimer(now + step.wait, [this, call] { Begin(call); });
      return;
  }
}

void GenAuthClient::RecordHealth(const CircuitBreaker::Admission& admission,
                                 const retry::AttemptOutcome& outcome,
                                 bool cut_by_caller_deadline) {
  if (!ShowsUpstreamUnwell(outcome)) {
    breaker_.RecordSuccess(admission);
  } else if (outcome.failure == retry::AttemptFailure::kSentNoReply && cut_by_caller_deadline) {
    // The caller's deadline, not GenAuth, may have been too short: no verdict on GenAuth.
    breaker_.RecordNeutral(admission);
  } else {
    breaker_.RecordFailure(admission);
  }
}

}  // namespace genauth::upstream
