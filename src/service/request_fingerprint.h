// The fingerprint an idempotency key is bound to: SHA-256 of the GenAuth request a call maps to
// (verb, path, query parameters and JSON body). The body is printed by nlohmann::json, whose
// objects are ordered by key, so two requests that mean the same — whatever order a client
// serialized its Struct or map fields in — have one fingerprint.
#pragma once

#include <string>

#include "upstream/genauth_client.h"

namespace genauth::service {

// 32 raw bytes.
std::string RequestFingerprint(const upstream::UpstreamCall& call);

}  // namespace genauth::service
