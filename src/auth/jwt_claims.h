// Reads claims from a JWT's payload WITHOUT verifying it. The sidecar only needs the
// `scoped_userpool_id` claim of its own management token (as the official SDKs do) to fill the
// userpool header; GenAuth verifies the token itself.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace genauth::auth {

// Decodes base64url without padding (padding is tolerated). nullopt on invalid characters.
std::optional<std::string> Base64UrlDecode(std::string_view in);

// The string claim `name` from the token's payload; nullopt when the token is not a JWT, the
// payload is not JSON, or the claim is missing or not a non-empty string.
std::optional<std::string> JwtStringClaim(std::string_view jwt, std::string_view name);

}  // namespace genauth::auth
