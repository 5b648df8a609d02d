// Secret wiping (see secret_memory.h).
#include "common/secret_memory.h"

#include <string.h>  // explicit_bzero (glibc 2.25+): a memset the optimiser must keep

#include <utility>

namespace genauth::common {

void WipeString(std::string& s) {
  // capacity() bytes are always writable from data(): the heap buffer holds capacity() + 1, the
  // in-object (short string) buffer 16 with capacity() 15. Callers pass moved-from strings on
  // purpose (what a move leaves of a short string is its bytes), hence the NOLINT.
  explicit_bzero(s.data(), s.capacity());  // NOLINT(clang-analyzer-cplusplus.Move)
  s.clear();
}

std::shared_ptr<const std::string> MakeWipedOnRelease(std::string&& secret) {
  auto* owned = new std::string(std::move(secret));
  WipeString(secret);
  return std::shared_ptr<const std::string>(owned, [](const std::string* s) {
    // The string was created non-const above, so writing through it here is well defined.
    WipeString(*const_cast<std::string*>(s));
    delete s;
  });
}

SecretString::SecretString(std::string&& value) : value_(std::move(value)) { WipeString(value); }

SecretString::~SecretString() { WipeString(value_); }

SecretString::SecretString(SecretString&& other) noexcept : value_(std::move(other.value_)) {
  WipeString(other.value_);
}

SecretString& SecretString::operator=(SecretString&& other) noexcept {
  if (this != &other) {
    WipeString(value_);
    value_ = std::move(other.value_);
    WipeString(other.value_);
  }
  return *this;
}

void SecretString::Replace(std::string&& value) {
  WipeString(value_);
  value_ = std::move(value);
  WipeString(value);
}

}  // namespace genauth::common
