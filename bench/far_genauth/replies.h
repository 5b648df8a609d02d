// What the far GenAuth stand-in answers: the reply body for a request path, independent of the
// transport (HTTP/1.1 or HTTP/2) that carries it. Pure functions; thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace genauth::bench::far {

struct Reply {
  int http_status = 200;
  bool delayed = true;  // answered after --delay-ms (all but the token call and errors)
  std::string body;     // a GenAuth envelope, JSON
};

// `target` is the request's path plus any "?query"; `sequence` numbers the requestId.
Reply ReplyFor(std::string_view method, std::string_view target, uint64_t sequence);

// An error reply answered at once: `status` as both the HTTP status and the envelope statusCode
// (413 for a body over the size bound, 400 for a request that cannot be parsed, ...).
Reply ErrorReply(int status, std::string_view message);

// A JWT-shaped token (base64url header.payload.signature, not a real signature) whose payload
// carries scoped_userpool_id, as GenAuth's management tokens do.
std::string ManagementToken();

}  // namespace genauth::bench::far
