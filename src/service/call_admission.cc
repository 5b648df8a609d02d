// Call admission (see call_admission.h).
#include "service/call_admission.h"

namespace genauth::service {
namespace {

// What a call in flight holds whatever its size: its gRPC call, its libcurl transfer (16 KiB upload
// and 8 KiB download buffers) and HTTP/2 stream, its bookkeeping. Measured: 3000 calls in flight
// against a slow GenAuth took RSS from ~30 to ~104 MiB, about 25 KiB each.
constexpr size_t kPerCallOverhead = 24 * 1024;
// Parsing a google.protobuf.Struct and building its JSON tree and text: measured peaks are a few
// times the wire size (many small heap objects); 8 keeps a burst of large requests inside the
// budget while they are being transcoded.
constexpr size_t kTranscodingFactor = 8;

}  // namespace

size_t ChargeWhileTranscoding(size_t request_bytes) {
  return kPerCallOverhead + kTranscodingFactor * request_bytes;
}

size_t ChargeWhileInFlight(size_t body_bytes) { return kPerCallOverhead + body_bytes; }

CallAdmission::Verdict CallAdmission::TryAdmit(size_t bytes) {
  size_t calls = calls_.load(std::memory_order_relaxed);
  do {
    if (calls >= options_.max_calls) return Verdict::kTooManyCalls;
  } while (!calls_.compare_exchange_weak(calls, calls + 1, std::memory_order_relaxed));
  size_t held = bytes_.load(std::memory_order_relaxed);
  do {
    // A call larger than the whole budget is still taken when nothing else is held, so that a
    // configuration smaller than one large request cannot refuse it forever.
    if (held != 0 && held + bytes > options_.max_bytes) {
      calls_.fetch_sub(1, std::memory_order_relaxed);
      return Verdict::kTooManyBytes;
    }
  } while (!bytes_.compare_exchange_weak(held, held + bytes, std::memory_order_relaxed));
  return Verdict::kAdmitted;
}

void CallAdmission::Recharge(size_t from, size_t to) {
  if (to >= from) {
    bytes_.fetch_add(to - from, std::memory_order_relaxed);
  } else {
    bytes_.fetch_sub(from - to, std::memory_order_relaxed);
  }
}

void CallAdmission::Release(size_t bytes) {
  bytes_.fetch_sub(bytes, std::memory_order_relaxed);
  calls_.fetch_sub(1, std::memory_order_relaxed);
}

}  // namespace genauth::service
