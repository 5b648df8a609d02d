// A scripted misbehaviour of the emulator: replaces the normal answer to one request to a path.
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace genauth::emulator {

// What the emulator answers instead of handling one request normally. The body sent is, in order of
// preference: `raw_body` when non-empty; an envelope when `body_status` is set; otherwise nothing
// (an empty body, e.g. a bare gateway 503). `truncate_body` with no body at all cuts an envelope
// whose statusCode is `http_status`, so that there is always something to cut.
struct Fault {
  int http_status = 200;
  // When set: answer an envelope {statusCode: *body_status, message, apiCode?, requestId}.
  std::optional<int> body_status;
  // Envelope apiCode, omitted when empty; sent as a JSON number when it is all digits (GenAuth's
  // documented codes are numbers such as 1300), as a string otherwise.
  std::string api_code;
  std::string message = "injected fault";
  std::string raw_body;  // when non-empty: sent verbatim instead of an envelope (malformed, HTML)
  std::string content_type = "application/json";
  std::string retry_after;             // Retry-After header value when non-empty
  std::chrono::milliseconds delay{0};  // wait before answering (headers included)
  bool truncate_body = false;  // send headers and part of the body, then drop the connection
  bool pass_through = false;   // just delay (if any), then handle the request normally
  // Close the connection without sending anything (after `delay`): a reset before any reply.
  bool drop_connection = false;
  // When over 0: send the body one byte per interval (a slow trickle; headers go at once).
  std::chrono::milliseconds trickle_interval{0};
};

// Random faults for soak tests: each request to one of `paths` (all API paths when empty) that has
// no scripted fault gets, with `probability`, one of `faults` chosen uniformly.
struct Chaos {
  double probability = 0;  // 0 turns chaos off
  std::vector<Fault> faults;
  std::vector<uint32_t> weights;  // one per fault (its "weight", default 1): the odds of each
  std::vector<std::string> paths;

  // One of `faults`, by weight, for a uniform `draw` in [0, total weight).
  const Fault& Pick(uint64_t draw) const;
  uint64_t TotalWeight() const;
};

// Reads the control API's spelling of a fault: {httpStatus, bodyStatus, apiCode, message, rawBody,
// contentType, retryAfter, delayMs, truncateBody, passThrough, dropConnection, trickleMs}, every
// member optional. nullopt with
// `*error` set when a member has the wrong type or range, or `json` is not an object.
std::optional<Fault> FaultFromJson(const nlohmann::json& json, std::string* error);

// `api_code` as an envelope's apiCode value: a number when it is all digits, else the string.
nlohmann::json ApiCodeToJson(const std::string& api_code);

// Reads {probability, faults: [fault...], paths: ["/api/..."]}: probability in [0, 1], at least one
// fault when it is over 0; each fault may also carry "weight" (1 to 1000, default 1). nullopt with
// `*error` set otherwise.
std::optional<Chaos> ChaosFromJson(const nlohmann::json& json, std::string* error);

// A short name of what `fault` does, for request records: "status:503", "drop", "truncate",
// "trickle", "raw", "delay" (pass-through) or "http:503" (a bare status, no body).
std::string FaultLabel(const Fault& fault);

// The inverse of FaultFromJson (used to list pending faults).
nlohmann::json FaultToJson(const Fault& fault);

}  // namespace genauth::emulator
