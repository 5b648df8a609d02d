// The fingerprint an idempotency key is bound to: SHA-256 of the GenAuth request a call maps to
// (verb, path, query parameters and JSON body). The body is canonicalised first — parsed and
// printed again by nlohmann::json, whose objects are ordered by key — because the transcoder
// prints a map or Struct in protobuf's iteration order, which may differ between two copies of
// the same request. So two requests that mean the same have one fingerprint.
#pragma once

#include <string>

#include "upstream/genauth_client.h"

namespace genauth::service {

// 32 raw bytes.
std::string RequestFingerprint(const upstream::UpstreamCall& call);

}  // namespace genauth::service
