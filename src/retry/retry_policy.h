// The retry policy as plain data plus one pure decision, IsRetryable (linkerd2-proxy's shape).
//
// The rule that matters: a call with side effects (TriggerWebhook calls the customer's URL) is
// retried only when GenAuth provably did not process it — the connection never carried the request,
// or GenAuth said 429 (rate limited) or 503 (unavailable, maintenance). Idempotent calls may also
// be retried after 500/502/504, timeouts and resets, because doing them twice is harmless.
#pragma once

#include <chrono>

#include "absl/status/status.h"

namespace genauth::retry {

// What one upstream attempt ended with.
enum class AttemptFailure {
  kNone,         // a reply arrived and was a success
  kNotSent,      // connect refused/failed/timed out, or TLS handshake failed: nothing was sent
  kSentNoReply,  // sent (or partly), then timed out waiting for the reply
  kBrokenReply,  // sent, then the connection broke mid-reply, or the reply was unreadable
  kStatus,       // GenAuth answered with a failure status (body statusCode, else HTTP status)
};

enum class Idempotency {
  kSideEffects,  // may change the world each time: retried only when provably not processed
  kIdempotent,   // safe to repeat
};

struct AttemptOutcome {
  AttemptFailure failure = AttemptFailure::kNone;
  // With kStatus: the GenAuth status (the envelope's statusCode, or the HTTP status when the reply
  // had no envelope).
  int status = 0;
};

struct RetryPolicy {
  int max_attempts = 3;  // the first attempt included
  std::chrono::nanoseconds base_delay = std::chrono::milliseconds(100);
  std::chrono::nanoseconds max_delay = std::chrono::seconds(2);

  // Backoff parameters are checked once, at construction of whatever uses them.
  absl::Status Validate() const;
};

// Whether another attempt may follow this outcome. Pure: no state, no time, no budget.
bool IsRetryable(const AttemptOutcome& outcome, Idempotency idempotency);

// Whether GenAuth provably did not act on the attempt: nothing was sent, or GenAuth refused it
// before doing it (401 unauthenticated, 429 rate limited, 503 unavailable). Everything else —
// success, a failure status, no reply or a broken one — may have changed something. Idempotency
// keys remember only outcomes where GenAuth may have acted (service/idempotency_store.h).
bool ProvablyNotProcessed(const AttemptOutcome& outcome);

}  // namespace genauth::retry
