// JavaScript's text forms of JSON values, which the AK/SK signature is computed over: the Node.js
// SDK writes body values with template strings (`${value}`) and JSON.stringify. A verifier that
// re-encoded values its own way (nlohmann sorts object keys, writes 1e-07 and 1.0) would reject
// correctly signed requests.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace genauth::emulator {

// Number.prototype.toString(): shortest round-trip digits; plain notation for 1e-6 <= |x| < 1e21,
// exponent notation ("1.5e-7", "1e+21") outside; -0 is "0". `value` must be finite.
std::string JsNumberToString(double value);

// JSON.stringify(value) with no indentation: object members in their original order (hence
// ordered_json), numbers as JsNumberToString, strings escaped as JavaScript does (only '"', '\\'
// and control characters; non-ASCII stays as UTF-8).
std::string JsStringify(const nlohmann::ordered_json& value);

// `${value}` for a top-level request parameter as the SDK signs it: strings as they are, numbers
// and booleans as JavaScript prints them, null as "null", objects and arrays as JsStringify.
std::string JsParameterText(const nlohmann::ordered_json& value);

}  // namespace genauth::emulator
