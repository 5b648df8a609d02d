// W3C Trace Context parsing and ids (see trace_context.h).
#include "observability/trace_context.h"

#include <cmath>

namespace genauth::observability {
namespace {

bool IsLowerHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

bool AllLowerHex(std::string_view s) {
  for (char c : s) {
    if (!IsLowerHex(c)) return false;
  }
  return true;
}

bool AllZero(std::string_view s) { return s.find_first_not_of('0') == std::string_view::npos; }

int HexValue(char c) { return c <= '9' ? c - '0' : c - 'a' + 10; }

constexpr size_t kTraceParentLength = 55;  // 2 + 1 + 32 + 1 + 16 + 1 + 2

}  // namespace

std::optional<TraceParent> ParseTraceParent(std::string_view value) {
  if (value.size() < kTraceParentLength) return std::nullopt;
  const std::string_view version = value.substr(0, 2);
  if (!AllLowerHex(version) || version == "ff") return std::nullopt;
  // Version 00 is exactly 55 characters; a later version may append "-…" fields.
  if (value.size() > kTraceParentLength && (version == "00" || value[kTraceParentLength] != '-')) {
    return std::nullopt;
  }
  if (value[2] != '-' || value[35] != '-' || value[52] != '-') return std::nullopt;
  const std::string_view trace_id = value.substr(3, 32);
  const std::string_view parent_id = value.substr(36, 16);
  const std::string_view flags = value.substr(53, 2);
  if (!AllLowerHex(trace_id) || !AllLowerHex(parent_id) || !AllLowerHex(flags)) {
    return std::nullopt;
  }
  if (AllZero(trace_id) || AllZero(parent_id)) return std::nullopt;
  TraceParent parsed;
  parsed.trace_id = std::string(trace_id);
  parsed.parent_id = std::string(parent_id);
  parsed.flags = static_cast<uint8_t>(HexValue(flags[0]) * 16 + HexValue(flags[1]));
  return parsed;
}

std::string BoundedTraceState(std::string_view value) {
  for (char c : value) {
    if (c < 0x20 || c > 0x7e) return "";
  }
  // Trim optional white space around the whole list.
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.size() <= kMaxTraceStateLength) return std::string(value);
  // Keep whole members: cut at the last comma that leaves at most the bound.
  const size_t cut = value.rfind(',', kMaxTraceStateLength);
  if (cut == std::string_view::npos) return "";
  std::string_view kept = value.substr(0, cut);
  while (!kept.empty() && (kept.back() == ' ' || kept.back() == '\t')) kept.remove_suffix(1);
  return std::string(kept);
}

std::string RandomHexId(size_t bytes, common::Random& random) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string id;
  id.reserve(bytes * 2);
  for (size_t i = 0; i < bytes; ++i) {
    const double unit = random.NextUnit();
    auto byte = static_cast<unsigned>(std::floor(unit * 256.0));
    if (byte > 255) byte = 255;
    id.push_back(kDigits[byte >> 4]);
    id.push_back(kDigits[byte & 0xf]);
  }
  if (AllZero(id)) id.back() = '1';  // W3C: an all-zero id is invalid
  return id;
}

std::string CallTrace::TraceParentHeader() const {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string header = "00-" + trace_id + "-" + span_id + "-";
  header.push_back(kDigits[flags >> 4]);
  header.push_back(kDigits[flags & 0xf]);
  return header;
}

std::optional<CallTrace> TraceForCall(std::optional<std::string_view> traceparent,
                                      std::optional<std::string_view> tracestate, bool start_traces,
                                      common::Random& random) {
  std::optional<TraceParent> parent;
  if (traceparent) parent = ParseTraceParent(*traceparent);
  CallTrace trace;
  if (parent) {
    trace.trace_id = std::move(parent->trace_id);
    trace.flags = parent->flags;
    // tracestate belongs to the traceparent it came with; without a valid one it is dropped.
    if (tracestate) trace.trace_state = BoundedTraceState(*tracestate);
  } else if (start_traces) {
    trace.trace_id = RandomHexId(16, random);
    trace.flags = 0x01;  // sampled: the sidecar is the root and decides to record
    trace.started_here = true;
  } else {
    return std::nullopt;
  }
  trace.span_id = RandomHexId(8, random);
  return trace;
}

}  // namespace genauth::observability
