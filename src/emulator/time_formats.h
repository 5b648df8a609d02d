// The two time spellings the emulator deals in: GenAuth's "+0800" timestamps on webhooks and logs,
// and the `date` header of AK/SK-signed requests.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace genauth::emulator {

// `when` as GenAuth writes createdAt, updatedAt and log timestamps: China time with milliseconds
// and an offset without a colon, e.g. "2022-09-20T08:55:00.188+0800". Not RFC 3339 (which needs
// "+08:00"), which is exactly why clients should meet it in tests.
std::string GenAuthTimestamp(std::chrono::system_clock::time_point when);

// Reads a signed request's `date` header. Accepts what the Node.js SDK sends (RFC 1123 as written
// by Date.prototype.toUTCString: "Tue, 20 Sep 2022 08:55:00 GMT"), epoch milliseconds (the docs'
// apiCode 1303 speaks of them) and ISO-8601 with "Z" or an offset. nullopt otherwise.
std::optional<std::chrono::system_clock::time_point> ParseSignatureDate(std::string_view text);

}  // namespace genauth::emulator
