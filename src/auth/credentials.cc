// The shared, rotatable access key (see credentials.h).
#include "auth/credentials.h"

#include <utility>

namespace genauth::auth {

Credentials::Credentials(std::string access_key_id, std::string access_key_secret)
    : access_key_id_(std::move(access_key_id)),
      secret_(std::make_shared<const std::string>(std::move(access_key_secret))) {}

std::shared_ptr<const std::string> Credentials::secret() const {
  std::lock_guard<std::mutex> lock(mu_);
  return secret_;
}

void Credentials::SetSecret(std::string access_key_secret) {
  auto replacement = std::make_shared<const std::string>(std::move(access_key_secret));
  std::lock_guard<std::mutex> lock(mu_);
  secret_ = std::move(replacement);
}

}  // namespace genauth::auth
