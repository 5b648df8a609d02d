// Helpers shared by the fuzz targets: an invariant check that stays on in release builds (assert
// is compiled out under NDEBUG, and the replay tests run RelWithDebInfo), and a reader that splits
// one fuzz input into the pieces a target needs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

// Aborts with the failed condition: libFuzzer saves the input as a crash, the replay test fails.
#define FUZZ_CHECK(condition)                                                                \
  do {                                                                                       \
    if (!(condition)) {                                                                      \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                          \
    }                                                                                        \
  } while (false)

namespace genauth::fuzz {

// Consumes a fuzz input front to back. Pieces are separated by a NUL byte so that hand-written
// seed files stay readable (`printf 'a\0b'`); running out of input gives empty pieces and zeros.
class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size) : rest_(reinterpret_cast<const char*>(data), size) {}

  bool empty() const { return rest_.empty(); }

  uint8_t Byte() {
    if (rest_.empty()) return 0;
    auto b = static_cast<uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return b;
  }

  // Up to the next NUL (which is consumed), or everything left.
  std::string_view Piece() {
    size_t nul = rest_.find('\0');
    std::string_view piece = rest_.substr(0, nul);
    rest_.remove_prefix(nul == std::string_view::npos ? rest_.size() : nul + 1);
    return piece;
  }

  // Everything not consumed yet.
  std::string_view Rest() {
    std::string_view all = rest_;
    rest_ = {};
    return all;
  }

 private:
  std::string_view rest_;
};

}  // namespace genauth::fuzz
