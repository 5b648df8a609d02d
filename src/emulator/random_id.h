// Unpredictable identifiers for the emulator: request ids, token ids (jti), webhook ids.
#pragma once

#include <cstddef>
#include <string>

namespace genauth::emulator {

// `bytes` random bytes as lower-case hex (2 * bytes characters). Thread-safe.
std::string RandomHex(size_t bytes);

}  // namespace genauth::emulator
