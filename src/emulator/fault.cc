// Conversion of faults from and to the JSON accepted by POST /_emulator/faults.
#include "emulator/fault.h"

#include <cstdint>
#include <string>

#include "emulator/json_fields.h"

namespace genauth::emulator {
namespace {

// Reads the optional member `key` as a string into *out. False (with *error) on a wrong type.
bool ReadString(const nlohmann::json& json, const char* key, std::string* out, std::string* error) {
  auto it = json.find(key);
  if (it == json.end() || it->is_null()) return true;
  if (!it->is_string()) {
    *error = std::string(key) + " must be a string";
    return false;
  }
  *out = it->get<std::string>();
  return true;
}

bool ReadBool(const nlohmann::json& json, const char* key, bool* out, std::string* error) {
  auto it = json.find(key);
  if (it == json.end() || it->is_null()) return true;
  if (!it->is_boolean()) {
    *error = std::string(key) + " must be a boolean";
    return false;
  }
  *out = it->get<bool>();
  return true;
}

// Reads the optional integer member `key` within [min, max].
bool ReadInt(const nlohmann::json& json, const char* key, int64_t min, int64_t max,
             std::optional<int64_t>* out, std::string* error) {
  auto it = json.find(key);
  if (it == json.end() || it->is_null()) return true;
  std::optional<int64_t> value = IntField(json, key);
  if (!value || *value < min || *value > max) {
    *error = std::string(key) + " must be an integer in [" + std::to_string(min) + ", " +
             std::to_string(max) + "]";
    return false;
  }
  *out = value;
  return true;
}

}  // namespace

std::optional<Fault> FaultFromJson(const nlohmann::json& json, std::string* error) {
  if (!json.is_object()) {
    *error = "a fault must be a JSON object";
    return std::nullopt;
  }
  Fault fault;
  std::optional<int64_t> http_status, body_status, delay_ms, trickle_ms;
  // One day is far beyond any test, and keeps the millisecond arithmetic far from overflow.
  constexpr int64_t kMaxDelayMs = 24 * 3600 * 1000;
  if (!ReadInt(json, "httpStatus", 100, 599, &http_status, error) ||
      !ReadInt(json, "bodyStatus", -1000000, 1000000, &body_status, error) ||
      !ReadInt(json, "delayMs", 0, kMaxDelayMs, &delay_ms, error) ||
      !ReadString(json, "message", &fault.message, error) ||
      !ReadString(json, "rawBody", &fault.raw_body, error) ||
      !ReadString(json, "contentType", &fault.content_type, error) ||
      !ReadString(json, "retryAfter", &fault.retry_after, error) ||
      !ReadBool(json, "truncateBody", &fault.truncate_body, error) ||
      !ReadBool(json, "passThrough", &fault.pass_through, error) ||
      !ReadBool(json, "dropConnection", &fault.drop_connection, error) ||
      !ReadInt(json, "trickleMs", 0, 60000, &trickle_ms, error)) {
    return std::nullopt;
  }
  // apiCode is documented as a number (1300...) but the SDKs treat it as opaque; accept both.
  if (std::optional<int64_t> numeric_api_code = IntField(json, "apiCode")) {
    fault.api_code = std::to_string(*numeric_api_code);
  } else if (!ReadString(json, "apiCode", &fault.api_code, error)) {
    return std::nullopt;
  }
  if (http_status) fault.http_status = static_cast<int>(*http_status);
  if (body_status) fault.body_status = static_cast<int>(*body_status);
  if (delay_ms) fault.delay = std::chrono::milliseconds(*delay_ms);
  if (trickle_ms) fault.trickle_interval = std::chrono::milliseconds(*trickle_ms);
  return fault;
}

uint64_t Chaos::TotalWeight() const {
  uint64_t total = 0;
  for (size_t i = 0; i < faults.size(); ++i) total += i < weights.size() ? weights[i] : 1;
  return total;
}

const Fault& Chaos::Pick(uint64_t draw) const {
  for (size_t i = 0; i < faults.size(); ++i) {
    const uint64_t weight = i < weights.size() ? weights[i] : 1;
    if (draw < weight) return faults[i];
    draw -= weight;
  }
  return faults.back();
}

std::optional<Chaos> ChaosFromJson(const nlohmann::json& json, std::string* error) {
  if (!json.is_object()) {
    *error = "chaos must be a JSON object";
    return std::nullopt;
  }
  Chaos chaos;
  auto probability = json.find("probability");
  if (probability == json.end() || !probability->is_number() || probability->get<double>() < 0 ||
      probability->get<double>() > 1) {
    *error = "probability must be a number in [0, 1]";
    return std::nullopt;
  }
  chaos.probability = probability->get<double>();
  if (auto faults = json.find("faults"); faults != json.end()) {
    if (!faults->is_array()) {
      *error = "faults must be an array";
      return std::nullopt;
    }
    for (const nlohmann::json& item : *faults) {
      std::optional<Fault> fault = FaultFromJson(item, error);
      if (!fault) {
        *error = "fault " + std::to_string(chaos.faults.size()) + ": " + *error;
        return std::nullopt;
      }
      std::optional<int64_t> weight;
      if (!ReadInt(item, "weight", 1, 1000, &weight, error)) {
        *error = "fault " + std::to_string(chaos.faults.size()) + ": " + *error;
        return std::nullopt;
      }
      chaos.faults.push_back(std::move(*fault));
      chaos.weights.push_back(static_cast<uint32_t>(weight.value_or(1)));
    }
  }
  if (chaos.probability > 0 && chaos.faults.empty()) {
    *error = "faults must not be empty when probability is over 0";
    return std::nullopt;
  }
  if (auto paths = json.find("paths"); paths != json.end()) {
    if (!paths->is_array()) {
      *error = "paths must be an array of strings";
      return std::nullopt;
    }
    for (const nlohmann::json& path : *paths) {
      if (!path.is_string() || path.get<std::string>().empty() ||
          path.get<std::string>()[0] != '/') {
        *error = "paths must be an array of strings starting with /";
        return std::nullopt;
      }
      chaos.paths.push_back(path.get<std::string>());
    }
  }
  return chaos;
}

std::string FaultLabel(const Fault& fault) {
  if (fault.drop_connection) return "drop";
  if (fault.pass_through) return "delay";
  if (fault.truncate_body) return "truncate";
  if (fault.trickle_interval.count() > 0) return "trickle";
  if (!fault.raw_body.empty()) return "raw";
  if (fault.body_status) return "status:" + std::to_string(*fault.body_status);
  return "http:" + std::to_string(fault.http_status);
}

nlohmann::json ApiCodeToJson(const std::string& api_code) {
  bool digits = !api_code.empty() && api_code.size() <= 15;
  for (char c : api_code) digits = digits && c >= '0' && c <= '9';
  if (digits) return std::stoll(api_code);  // cannot throw: 1 to 15 digits
  return api_code;
}

nlohmann::json FaultToJson(const Fault& fault) {
  nlohmann::json json = {
      {"httpStatus", fault.http_status},     {"message", fault.message},
      {"contentType", fault.content_type},   {"delayMs", fault.delay.count()},
      {"truncateBody", fault.truncate_body}, {"passThrough", fault.pass_through}};
  if (fault.body_status) json["bodyStatus"] = *fault.body_status;
  if (!fault.api_code.empty()) json["apiCode"] = ApiCodeToJson(fault.api_code);
  if (!fault.raw_body.empty()) json["rawBody"] = fault.raw_body;
  if (!fault.retry_after.empty()) json["retryAfter"] = fault.retry_after;
  if (fault.drop_connection) json["dropConnection"] = true;
  if (fault.trickle_interval.count() > 0) json["trickleMs"] = fault.trickle_interval.count();
  return json;
}

}  // namespace genauth::emulator
