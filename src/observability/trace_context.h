// W3C Trace Context (level 1) for one call: reading the caller's `traceparent` and `tracestate`
// gRPC metadata, the sidecar's own span, and the `traceparent` it sends to GenAuth. Pure apart
// from the injected randomness that makes span (and, when starting a trace, trace) ids.
//
// https://www.w3.org/TR/trace-context/ — `traceparent` is `VV-TTTT…(32 hex)-PPPP…(16 hex)-FF`,
// lower-case hex; version ff is invalid, an all-zero trace or parent id is invalid. A later
// version is read by its first four fields when the value is longer only by `-…` (the spec's
// forward compatibility rule). An invalid value is ignored: the call is then treated as having no
// trace context.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/random.h"

namespace genauth::observability {

// The most of a caller's `tracestate` that is passed on, in characters. W3C asks for at least 512
// to be propagated; longer lists are cut at a list member boundary (members are dropped from the
// end), never mid-member.
inline constexpr size_t kMaxTraceStateLength = 512;

struct TraceParent {
  std::string trace_id;   // 32 lower-case hex digits, not all zero
  std::string parent_id;  // 16 lower-case hex digits, not all zero
  uint8_t flags = 0;      // bit 0: sampled
};

// The caller's traceparent, or nullopt when it is not a valid W3C traceparent.
std::optional<TraceParent> ParseTraceParent(std::string_view value);

// The caller's tracestate as it is passed on: printable ASCII only (anything else drops the whole
// header, as W3C asks for an unparseable one), at most kMaxTraceStateLength characters (whole
// members dropped from the end). Empty when nothing is to be sent.
std::string BoundedTraceState(std::string_view value);

// The trace context of one call: the trace it belongs to and the sidecar's span in it.
struct CallTrace {
  std::string trace_id;  // 32 hex
  std::string span_id;   // the sidecar's span: 16 hex, fresh for every call
  uint8_t flags = 0;
  std::string trace_state;    // passed on unchanged (bounded); may be empty
  bool started_here = false;  // no valid traceparent came: the sidecar started the trace

  // `traceparent` for GenAuth's request: version 00, the same trace id and flags, the sidecar's
  // span as the parent.
  std::string TraceParentHeader() const;
};

// The trace of a call with the caller's `traceparent`/`tracestate` metadata values (nullopt when
// absent; when a key was sent more than once pass nullopt for traceparent, which W3C treats as
// invalid). Without a valid traceparent: a new trace (sampled) when `start_traces`, else nullopt —
// and the call is handled exactly as without tracing.
std::optional<CallTrace> TraceForCall(std::optional<std::string_view> traceparent,
                                      std::optional<std::string_view> tracestate, bool start_traces,
                                      common::Random& random);

// `bytes` random bytes as lower-case hex, never all zero (W3C forbids all-zero ids).
std::string RandomHexId(size_t bytes, common::Random& random);

}  // namespace genauth::observability
