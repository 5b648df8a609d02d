// When to stop renewing the management token after 401s. A 401 normally means the token was
// revoked or expired early, and one renewal fixes it (call_decision.h: renew and repeat once). But
// when GenAuth refuses the tokens it has just issued — the access key was revoked or lost its
// rights, or the clocks disagree about the token's times — renewing does not help, and every call
// would become a call, a token fetch and a repeat: the token endpoint would take the whole load.
//
// The sign is a 401 for the token a call has just obtained by renewing (the GenAuth client reports
// only those) when that token is *fresh*: younger than `fresh_token_age` and never accepted (no
// call has succeeded with it); each token counts once. A token that calls have used and that is
// then refused was revoked, and renewing it is right, however young it is. After a fresh token is
// refused, renewals wait an exponentially growing, capped, jittered interval; a 401 meanwhile is
// answered at once, its token kept, with the time left as the caller's RetryInfo. A call that
// succeeds with a token ends the back-off.
//
// Plain state with pure transitions: the time and the jitter draw come in as arguments, so tests
// drive it with values. Not thread-safe: the GenAuth client keeps one, on its event loop thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "absl/status/status.h"
#include "common/clock.h"

namespace genauth::upstream {

struct TokenRenewalBackoffOptions {
  // A refused token younger than this that no call has succeeded with says renewing does not
  // help. Seconds: a storm refuses tokens within milliseconds of their fetch, while a token fetched
  // ahead and first used much later may have been revoked meanwhile, which a renewal does fix.
  common::Duration fresh_token_age = std::chrono::seconds(10);
  // The wait after the first fresh token refused; it doubles with each further one, up to max.
  common::Duration base_delay = std::chrono::seconds(1);
  common::Duration max_delay = std::chrono::seconds(30);

  absl::Status Validate() const;
};

class TokenRenewalBackoff {
 public:
  explicit TokenRenewalBackoff(TokenRenewalBackoffOptions options) : options_(options) {}

  // A call succeeded with token `serial` (auth::ManagementToken::serial): GenAuth accepts tokens.
  void RecordAccepted(uint64_t serial);

  // GenAuth answered 401 at `now` to token `serial`, obtained at `obtained_at`. `unit` is a
  // uniform draw in [0, 1) for the jitter. When this refusal starts or extends the back-off,
  // returns the wait it set; nullopt otherwise (the token was not fresh, or already counted).
  std::optional<common::Duration> RecordRefused(uint64_t serial, common::TimePoint obtained_at,
                                                common::TimePoint now, double unit);

  // How long renewals must still wait at `now`; nullopt when a renewal may go.
  std::optional<common::Duration> Remaining(common::TimePoint now) const;

  // Fresh tokens refused since a call last succeeded with a token.
  int fresh_refusals() const { return fresh_refusals_; }

 private:
  const TokenRenewalBackoffOptions options_;
  int fresh_refusals_ = 0;
  common::TimePoint renew_not_before_{};
  uint64_t accepted_serial_ = 0;  // the token a call last succeeded with; 0 = none
  uint64_t counted_serial_ = 0;   // the token whose refusal was counted last; 0 = none
};

}  // namespace genauth::upstream
