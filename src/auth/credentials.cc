// The shared, rotatable access key (see credentials.h).
#include "auth/credentials.h"

#include <utility>

#include "common/secret_memory.h"

namespace genauth::auth {

Credentials::Credentials(std::string access_key_id, std::string access_key_secret)
    : access_key_id_(std::move(access_key_id)),
      secret_(common::MakeWipedOnRelease(std::move(access_key_secret))) {}

std::shared_ptr<const std::string> Credentials::secret() const {
  std::lock_guard<std::mutex> lock(mu_);
  return secret_;
}

void Credentials::SetSecret(std::string access_key_secret) {
  auto replacement = common::MakeWipedOnRelease(std::move(access_key_secret));
  std::lock_guard<std::mutex> lock(mu_);
  // The old secret is wiped when the last fetch or signature still using it lets go of it — here,
  // when none does.
  secret_.swap(replacement);
}

}  // namespace genauth::auth
