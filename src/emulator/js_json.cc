// ECMAScript Number::toString (section 6.1.6.1.20) and JSON.stringify's QuoteJSONString, over the
// shortest round-trip digits that std::to_chars finds. QuoteJSONString is common/json_string.h's
// quoting: it writes the same bytes.
#include "emulator/js_json.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <string_view>

#include "common/json_string.h"

namespace genauth::emulator {
namespace {

double AsDouble(const nlohmann::ordered_json& value) {
  // JavaScript numbers are doubles: integers beyond 2^53 are rounded exactly as JSON.parse would.
  if (value.is_number_unsigned()) return static_cast<double>(value.get<uint64_t>());
  if (value.is_number_integer()) return static_cast<double>(value.get<int64_t>());
  return value.get<double>();
}

void AppendStringified(const nlohmann::ordered_json& value, std::string* out) {
  switch (value.type()) {
    case nlohmann::json::value_t::object: {
      out->push_back('{');
      bool first = true;
      for (const auto& [key, member] : value.items()) {
        if (!first) out->push_back(',');
        first = false;
        common::AppendJsonString(key, out);
        out->push_back(':');
        AppendStringified(member, out);
      }
      out->push_back('}');
      break;
    }
    case nlohmann::json::value_t::array: {
      out->push_back('[');
      for (size_t i = 0; i < value.size(); ++i) {
        if (i > 0) out->push_back(',');
        AppendStringified(value[i], out);
      }
      out->push_back(']');
      break;
    }
    case nlohmann::json::value_t::string:
      common::AppendJsonString(value.get_ref<const std::string&>(), out);
      break;
    case nlohmann::json::value_t::boolean:
      out->append(value.get<bool>() ? "true" : "false");
      break;
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float:
      out->append(JsNumberToString(AsDouble(value)));
      break;
    default:  // null, and the binary/discarded kinds a parsed body never holds
      out->append("null");
  }
}

}  // namespace

std::string JsNumberToString(double value) {
  if (value == 0) return "0";  // both zeros
  if (!std::isfinite(value)) return std::isnan(value) ? "NaN" : "Infinity";
  std::string out;
  if (value < 0) {
    out.push_back('-');
    value = -value;
  }
  // Shortest round-trip digits in scientific form, e.g. "1.5e-07": digits "15", exponent -7.
  char buffer[64];
  auto [end, ec] =
      std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::scientific);
  if (ec != std::errc()) return "NaN";
  std::string_view text(buffer, static_cast<size_t>(end - buffer));
  const size_t e = text.find('e');
  std::string digits;
  for (char c : text.substr(0, e)) {
    if (c != '.') digits.push_back(c);
  }
  int exponent = 0;
  std::from_chars(text.data() + e + (text[e + 1] == '+' ? 2 : 1), text.data() + text.size(),
                  exponent);
  const int k = static_cast<int>(digits.size());
  const int n = exponent + 1;  // the decimal point sits after n digits
  if (k <= n && n <= 21) {
    out += digits;
    out.append(static_cast<size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    out += digits.substr(0, static_cast<size_t>(n));
    out.push_back('.');
    out += digits.substr(static_cast<size_t>(n));
  } else if (-6 < n && n <= 0) {
    out += "0.";
    out.append(static_cast<size_t>(-n), '0');
    out += digits;
  } else {
    out.push_back(digits[0]);
    if (k > 1) {
      out.push_back('.');
      out += digits.substr(1);
    }
    out.push_back('e');
    out.push_back(n - 1 < 0 ? '-' : '+');
    out += std::to_string(std::abs(n - 1));
  }
  return out;
}

std::string JsStringify(const nlohmann::ordered_json& value) {
  std::string out;
  AppendStringified(value, &out);
  return out;
}

std::string JsParameterText(const nlohmann::ordered_json& value) {
  if (value.is_string()) return value.get<std::string>();
  // Numbers, booleans and null print the same in a template string as in JSON.
  return JsStringify(value);
}

}  // namespace genauth::emulator
