// Token renewal back-off after GenAuth refuses fresh tokens (see token_renewal_backoff.h).
#include "upstream/token_renewal_backoff.h"

#include "common/backoff.h"

namespace genauth::upstream {

absl::Status TokenRenewalBackoffOptions::Validate() const {
  if (fresh_token_age < common::Duration::zero()) {
    return absl::InvalidArgumentError("token renewal fresh-token age must not be negative");
  }
  if (base_delay <= common::Duration::zero()) {
    return absl::InvalidArgumentError("token renewal base delay must be over 0");
  }
  if (max_delay < base_delay) {
    return absl::InvalidArgumentError("token renewal max delay must be at least its base delay");
  }
  return absl::OkStatus();
}

void TokenRenewalBackoff::RecordAccepted(uint64_t serial) {
  accepted_serial_ = serial;
  fresh_refusals_ = 0;
  renew_not_before_ = common::TimePoint{};
}

std::optional<common::Duration> TokenRenewalBackoff::RecordRefused(uint64_t serial,
                                                                   common::TimePoint obtained_at,
                                                                   common::TimePoint now,
                                                                   double unit) {
  // Accepted before: revoked since, and a renewal is the fix. Counted already: the calls that
  // shared it are one piece of evidence, not many (they would jump the back-off to its cap).
  if (serial == accepted_serial_ || serial == counted_serial_) return std::nullopt;
  if (now - obtained_at >= options_.fresh_token_age) return std::nullopt;
  counted_serial_ = serial;
  ++fresh_refusals_;
  // Equal jitter: sidecars that met the same refusal spread out, and the wait never shrinks
  // towards zero, which would make the back-off no back-off.
  const common::Duration wait = common::EqualJitter(
      common::ExponentialCeiling(options_.base_delay, options_.max_delay, fresh_refusals_), unit);
  renew_not_before_ = now + wait;
  return wait;
}

std::optional<common::Duration> TokenRenewalBackoff::Remaining(common::TimePoint now) const {
  if (now >= renew_not_before_) return std::nullopt;
  return renew_not_before_ - now;
}

}  // namespace genauth::upstream
