// Wiping secrets (the access key secret, a secret file's content) from memory the sidecar owns, so
// that a copy does not outlive its use in freed heap where a later core dump, a swap-out or a
// memory-disclosure bug could find it. Core dumps are also turned off (common/core_dumps.h); wiping
// is the second line.
//
// Only bytes in our own std::string buffers can be wiped. Copies made by libraries — the JSON body
// of a token fetch inside libcurl and OpenSSL's TLS buffers, OpenSSL's HMAC key schedule (which
// OpenSSL cleanses itself when the context is freed), the process's initial environment block
// (wiped by main, see WipeEnvironmentValue) — are outside this file's reach.
#pragma once

#include <memory>
#include <string>

namespace genauth::common {

// Overwrites every byte of `s`'s buffer (its whole capacity, not only its size) in a way the
// compiler may not drop, then empties it.
void WipeString(std::string& s);

// The secret in a shared, immutable string that is wiped when its last holder lets go of it: the
// one in use by Credentials and every snapshot a token fetch or a signature took of it. `secret` is
// moved from and its leftover bytes are wiped too.
std::shared_ptr<const std::string> MakeWipedOnRelease(std::string&& secret);

// A secret string that is wiped when it is destroyed or replaced. Not copyable (each copy would be
// one more buffer to wipe); moving wipes the source's leftovers. Not thread-safe.
class SecretString {
 public:
  SecretString() = default;
  // Takes `value`'s content and wipes what std::string's move may leave in it (short strings are
  // copied, not stolen).
  explicit SecretString(std::string&& value);
  ~SecretString();

  SecretString(SecretString&& other) noexcept;
  SecretString& operator=(SecretString&& other) noexcept;
  SecretString(const SecretString&) = delete;
  SecretString& operator=(const SecretString&) = delete;

  // Wipes the current content, then takes `value`'s (wiping its leftovers).
  void Replace(std::string&& value);

  const std::string& value() const { return value_; }

 private:
  std::string value_;
};

}  // namespace genauth::common
