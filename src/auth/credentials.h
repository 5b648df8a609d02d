// The access key the sidecar authenticates with: a fixed key id and a secret that may change
// while the sidecar runs (secret rotation, see secret_watcher.h). One instance is shared by the
// token fetcher and the request signer, which read the secret each time they use it, so a
// rotation takes effect at their next fetch or signature. Holds the secret; never logs it. Each
// secret lives in one buffer, wiped once nothing uses it any more: after a rotation, when the
// last fetch or signature that took it is done; at the end, when the Credentials go.
// Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <string>

namespace genauth::auth {

class Credentials {
 public:
  Credentials(std::string access_key_id, std::string access_key_secret);

  Credentials(const Credentials&) = delete;
  Credentials& operator=(const Credentials&) = delete;

  const std::string& access_key_id() const { return access_key_id_; }

  // The secret in use now. A snapshot: a rotation does not change a string already handed out,
  // so one fetch or signature uses one secret throughout.
  std::shared_ptr<const std::string> secret() const;

  // Switches to a new secret for every later use. `access_key_secret`'s bytes are moved into the
  // wiped buffer (its leftovers wiped too); pass a copy the caller has no further use for.
  void SetSecret(std::string access_key_secret);

 private:
  const std::string access_key_id_;
  mutable std::mutex mu_;
  std::shared_ptr<const std::string> secret_;  // guarded by mu_; never null
};

}  // namespace genauth::auth
