// The reason phrase of an HTTP/1.1 status line (RFC 9110 section 15). Clients ignore it; it is
// there for people reading a capture.
#pragma once

#include <string_view>

namespace genauth::common {

// The phrase for the statuses our servers (and test servers) send; "Unknown" for any other.
std::string_view HttpReasonPhrase(int status);

}  // namespace genauth::common
