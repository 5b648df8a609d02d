// Random ids from OpenSSL's CSPRNG, with a std::random_device fallback should it ever fail.
#include "emulator/random_id.h"

#include <openssl/rand.h>

#include <random>
#include <string>
#include <vector>

namespace genauth::emulator {

std::string RandomHex(size_t bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::vector<unsigned char> raw(bytes);
  if (bytes > 0 && RAND_bytes(raw.data(), static_cast<int>(bytes)) != 1) {
    std::random_device device;
    for (auto& b : raw) b = static_cast<unsigned char>(device() & 0xffu);
  }
  std::string out;
  out.reserve(bytes * 2);
  for (unsigned char b : raw) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0x0f]);
  }
  return out;
}

}  // namespace genauth::emulator
