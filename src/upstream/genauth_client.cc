// Authenticated GenAuth calls with safe retries (see genauth_client.h).
#include "upstream/genauth_client.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <utility>

#include "common/duration.h"
#include "retry/backoff.h"
#include "retry/retry_after.h"
#include "upstream/envelope.h"
#include "upstream/error_details.h"
#include "upstream/url.h"

namespace genauth::upstream {
namespace {

// The outcome of one attempt, classified for the retry decision and the caller.
struct Attempt {
  absl::Status status;  // OK, or the error the caller gets if this is the last attempt
  retry::AttemptOutcome outcome;
  nlohmann::json data;
  std::optional<common::Duration> retry_after;
};

const char* OutcomeLabel(retry::AttemptFailure failure) {
  switch (failure) {
    case retry::AttemptFailure::kNone:
      return "success";
    case retry::AttemptFailure::kNotSent:
      return "not_sent";
    case retry::AttemptFailure::kSentNoReply:
      return "timeout";
    case retry::AttemptFailure::kBrokenReply:
      return "broken_reply";
    case retry::AttemptFailure::kStatus:
      return "genauth_error";
  }
  return "unknown";
}

// A reply is read as an envelope only when it says it is JSON, or says nothing: an HTML error page
// from a proxy must not be taken for GenAuth's answer, even if it happens to parse.
bool IsJsonContentType(const std::string& content_type) {
  if (content_type.empty()) return true;
  std::string media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && media.back() == ' ') media.pop_back();
  for (char& c : media) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return media == "application/json" ||
         (media.size() > 5 && media.compare(media.size() - 5, 5, "+json") == 0);
}

Attempt Classify(HttpResult& result, common::WallTime wall_now, CallReport* report) {
  Attempt attempt;
  switch (result.failure) {
    case TransportFailure::kNone:
      break;
    case TransportFailure::kNotSent:
      attempt.outcome.failure = retry::AttemptFailure::kNotSent;
      attempt.status = absl::UnavailableError(result.detail);
      SetErrorInfo(attempt.status, reason::kUpstreamUnreachable);
      return attempt;
    case TransportFailure::kTimedOut:
      attempt.outcome.failure = retry::AttemptFailure::kSentNoReply;
      attempt.status = absl::DeadlineExceededError(result.detail);
      SetErrorInfo(attempt.status, reason::kUpstreamTimeout);
      return attempt;
    case TransportFailure::kBrokenReply:
    case TransportFailure::kTooLarge:
      attempt.outcome.failure = retry::AttemptFailure::kBrokenReply;
      attempt.status = absl::UnavailableError(result.detail);
      SetErrorInfo(attempt.status, result.failure == TransportFailure::kTooLarge
                                       ? reason::kUpstreamMalformedReply
                                       : reason::kUpstreamBrokenReply);
      return attempt;
  }

  const HttpResponse& response = result.response;
  report->http_status = response.status;
  if (!response.retry_after.empty()) {
    attempt.retry_after = retry::ParseRetryAfter(response.retry_after, wall_now);
  }
  std::string why;
  std::optional<Envelope> envelope;
  if (IsJsonContentType(response.content_type)) {
    envelope = ParseEnvelope(response.body, &why);
  } else {
    why = "its Content-Type is " + response.content_type + ", not application/json";
  }
  if (envelope) {
    report->genauth_status = envelope->status_code;
    report->api_code = envelope->api_code;
    report->request_id = envelope->request_id;
    if (envelope->status_code == 200) {
      attempt.data = std::move(envelope->data);
      return attempt;
    }
    attempt.outcome = {retry::AttemptFailure::kStatus, envelope->status_code};
    std::string message = envelope->message.empty() ? "GenAuth answered statusCode " +
                                                          std::to_string(envelope->status_code)
                                                    : envelope->message;
    attempt.status = absl::Status(CodeForGenAuthStatus(envelope->status_code), message);
    SetErrorInfo(attempt.status, reason::kGenAuthError,
                 {{"statusCode", std::to_string(envelope->status_code)},
                  {"apiCode", envelope->api_code},
                  {"requestId", envelope->request_id},
                  {"httpStatus", std::to_string(response.status)}});
    return attempt;
  }
  if (response.status >= 200 && response.status < 300) {
    // GenAuth probably processed the call but its reply cannot be read: not provably unprocessed.
    attempt.outcome.failure = retry::AttemptFailure::kBrokenReply;
    attempt.status = absl::UnavailableError("GenAuth's reply could not be read: " + why +
                                            " (HTTP " + std::to_string(response.status) + ")");
    SetErrorInfo(attempt.status, reason::kUpstreamMalformedReply,
                 {{"httpStatus", std::to_string(response.status)}});
    return attempt;
  }
  // A gateway's error without an envelope: the HTTP status stands in for statusCode.
  attempt.outcome = {retry::AttemptFailure::kStatus, response.status};
  attempt.status = absl::Status(
      CodeForGenAuthStatus(response.status),
      "GenAuth answered HTTP " + std::to_string(response.status) + " without a JSON envelope");
  SetErrorInfo(attempt.status, reason::kGenAuthError,
               {{"httpStatus", std::to_string(response.status)}});
  return attempt;
}

// Whether an attempt's outcome says GenAuth itself is unwell (the circuit breaker's failures).
// A 4xx, 429 included, is a healthy GenAuth answering; so is any envelope below 500.
bool ShowsUpstreamUnwell(const retry::AttemptOutcome& outcome) {
  switch (outcome.failure) {
    case retry::AttemptFailure::kNone:
      return false;
    case retry::AttemptFailure::kNotSent:
    case retry::AttemptFailure::kSentNoReply:
    case retry::AttemptFailure::kBrokenReply:
      return true;
    case retry::AttemptFailure::kStatus:
      return outcome.status >= 500;
  }
  return false;
}

// An error that ends a call before its next attempt, keeping the last attempt's cause visible.
absl::Status Refusal(absl::StatusCode code, const std::string& why, const absl::Status& last_error,
                     const char* error_reason, common::Duration retry_after) {
  absl::Status status(
      code, last_error.ok() ? why : why + "; last error: " + std::string(last_error.message()));
  SetErrorInfo(status, error_reason);
  SetRetryInfo(status, retry_after);
  return status;
}

}  // namespace

absl::Status GenAuthClientOptions::Validate() const {
  if (absl::Status s = retry.Validate(); !s.ok()) return s;
  if (absl::Status s = retry_budget.Validate(); !s.ok()) return s;
  if (absl::Status s = circuit_breaker.Validate(); !s.ok()) return s;
  if (attempt_timeout <= common::Duration::zero()) {
    return absl::InvalidArgumentError("attempt timeout must be over 0");
  }
  return absl::OkStatus();
}

GenAuthClient::GenAuthClient(GenAuthClientOptions options, HttpTransport* transport,
                             auth::TokenCache* tokens, const auth::RequestSigner* signer,
                             common::Clock* clock, common::Random* random,
                             observability::MetricsRegistry* metrics)
    : options_(std::move(options)),
      transport_(transport),
      tokens_(tokens),
      signer_(signer),
      clock_(clock),
      random_(random),
      metrics_(metrics),
      retries_(metrics->GetCounter("genauth_upstream_retries_total", {},
                                   "Upstream attempts repeated after a retryable failure")),
      token_renewals_(metrics->GetCounter("genauth_upstream_token_renewals_total", {},
                                          "Calls repeated with a new token after a 401")),
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
      budget_(options_.retry_budget, clock),
      breaker_(options_.circuit_breaker, clock,
               [this](CircuitState from, CircuitState to, int failures) {
                 circuit_transitions_.at(static_cast<size_t>(to))->Increment();
                 if (options_.on_circuit_change) options_.on_circuit_change(from, to, failures);
               }),
      pause_(clock) {
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
  fixed_headers_ = {{p + "-sdk-version", options_.sdk_version}, {p + "-lang", options_.lang}};
  if (!options_.tenant_id.empty())
    fixed_headers_.emplace_back(p + "-app-tenant-id", options_.tenant_id);
  userpool_header_ = p + "-userpool-id";
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
                                   {{"rpc", call.rpc}, {"outcome", OutcomeLabel(outcome)}},
                                   "Upstream attempts by RPC and outcome");
    slot.store(counter, std::memory_order_release);
  }
  return counter;
}

absl::StatusOr<nlohmann::json> GenAuthClient::Call(const UpstreamCall& call,
                                                   common::TimePoint deadline, CallReport* report) {
  const UpstreamRpcMetrics& metrics =
      call.metrics != nullptr ? *call.metrics : *MetricsFor(call.rpc);
  int retries_done = 0;
  absl::Status last_error;
  HttpRequest request;
  request.method = call.method;
  request.target = Target(call.path, call.query);
  request.body = call.body;
  // What a signature covers: a GET's query values, else the body's top-level keys.
  const auth::ParamList signature_params =
      signer_ == nullptr
          ? auth::ParamList{}
          : (call.method == "GET" ? call.query : auth::ParamsFromJsonBody(call.body));

  budget_.RecordCall();
  for (;;) {
    common::TimePoint now = clock_->Now();
    if (now >= deadline) {
      report->stopped_by = "deadline";
      absl::Status status = absl::DeadlineExceededError(
          last_error.ok()
              ? "the deadline passed before GenAuth was called"
              : "the deadline passed; last error: " + std::string(last_error.message()));
      SetErrorInfo(status, reason::kUpstreamTimeout);
      return status;
    }
    // Each attempt is authenticated anew: a signature's date and nonce must be fresh.
    std::shared_ptr<const auth::ManagementToken> token;
    request.headers = fixed_headers_;
    if (signer_ != nullptr) {
      signer_->Sign(call.method, call.path, signature_params, &request.headers);
    } else {
      auto got = tokens_->Get(deadline);
      if (!got.ok()) {
        absl::Status status = got.status();
        SetErrorInfo(status, status.code() == absl::StatusCode::kDeadlineExceeded
                                 ? reason::kUpstreamTimeout
                                 : reason::kTokenUnavailable);
        return status;
      }
      token = *std::move(got);
      request.headers.emplace_back("Authorization", "Bearer " + token->access_token);
      request.headers.emplace_back(userpool_header_, token->userpool_id);
    }

    // Checked after authenticating, right before sending, so that a breaker probe admitted here
    // is always followed by its attempt's verdict.
    if (std::optional<common::Duration> paused = pause_.Remaining()) {
      rejected_rate_limited_->Increment();
      report->stopped_by = "rate_limited";
      return Refusal(absl::StatusCode::kResourceExhausted,
                     "GenAuth is rate limiting; calls are paused until its Retry-After has passed",
                     last_error, reason::kRateLimited, *paused);
    }
    const CircuitBreaker::Admission admission = breaker_.Admit();
    if (!admission.allowed) {
      rejected_circuit_open_->Increment();
      report->stopped_by = "circuit_open";
      return Refusal(absl::StatusCode::kUnavailable,
                     "GenAuth failed repeatedly; the circuit breaker is open", last_error,
                     reason::kCircuitOpen, admission.retry_after);
    }

    now = clock_->Now();
    ++report->attempts;
    const common::Duration attempt_timeout =
        std::min<common::Duration>(options_.attempt_timeout, deadline - now);
    HttpResult result = transport_->Send(request, attempt_timeout);
    metrics.attempt_duration->ObserveDuration(clock_->Now() - now);
    Attempt attempt = Classify(result, clock_->WallNow(), report);
    AttemptCounter(call, metrics, attempt.outcome.failure)->Increment();
    RecordHealth(admission, attempt.outcome, attempt_timeout < options_.attempt_timeout);
    if (attempt.status.ok()) return std::move(attempt.data);

    std::optional<common::Duration> pause;
    if (attempt.outcome.failure == retry::AttemptFailure::kStatus &&
        attempt.outcome.status == 429) {
      pause = pause_.Pause(attempt.retry_after);
      rate_limit_pauses_->Increment();
    }

    if (token != nullptr && attempt.outcome.failure == retry::AttemptFailure::kStatus &&
        attempt.outcome.status == 401 && !report->token_renewed) {
      // GenAuth refused the token, so it did not process the call: renew and repeat once.
      tokens_->Invalidate(token->access_token);
      report->token_renewed = true;
      token_renewals_->Increment();
      last_error = attempt.status;
      continue;
    }
    if (!retry::IsRetryable(attempt.outcome, call.idempotency) ||
        retries_done + 1 >= options_.retry.max_attempts) {
      return attempt.status;
    }
    ++retries_done;
    // After a 429 the wait is the pause every call now observes (Retry-After, capped, or the
    // default); otherwise the reply's Retry-After or a full-jitter backoff.
    common::Duration wait = pause ? *pause
                            : attempt.retry_after
                                ? *attempt.retry_after
                                : retry::FullJitterBackoff(options_.retry, retries_done, *random_);
    now = clock_->Now();
    if (now + wait >= deadline) {
      retries_refused_deadline_->Increment();
      report->stopped_by = "deadline";
      absl::Status status = attempt.status;
      // GenAuth's own Retry-After when it sent one (our pause may be capped shorter).
      if (attempt.retry_after) {
        SetRetryInfo(status, *attempt.retry_after);
      } else if (pause) {
        SetRetryInfo(status, wait);
      }
      return status;
    }
    if (!budget_.TrySpendRetry()) {
      // GenAuth is failing for many calls at once: retrying them all would multiply its load.
      retries_refused_budget_->Increment();
      report->stopped_by = "retry_budget";
      absl::Status status = attempt.status;
      if (pause) SetRetryInfo(status, wait);
      return status;
    }
    retries_->Increment();
    last_error = attempt.status;
    clock_->SleepUntil(now + wait);
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
