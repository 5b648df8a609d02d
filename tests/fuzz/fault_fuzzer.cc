// Fuzzes the emulator's fault control API parser (POST /_emulator/faults body): FaultFromJson on
// whatever JSON the bytes hold, and the round trip through FaultToJson (the fault listing).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "emulator/fault.h"
#include "emulator/json_fields.h"
#include "fuzz_check.h"

namespace {

using genauth::emulator::Fault;

// apiCode is sent as a number when it is all digits (fault.h), so "007" is listed as 7.
std::string NormalApiCode(const std::string& code) {
  return genauth::emulator::ApiCodeToJson(code).dump();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const nlohmann::json json = genauth::emulator::ParseJson(text);
  if (json.is_discarded()) return 0;

  std::string error;
  std::optional<Fault> fault = genauth::emulator::FaultFromJson(json, &error);
  if (!fault) {
    FUZZ_CHECK(!error.empty());
    return 0;
  }
  FUZZ_CHECK(fault->http_status >= 100 && fault->http_status <= 599);
  FUZZ_CHECK(fault->delay.count() >= 0);

  // Listing a fault and posting the listing back gives the same fault.
  const nlohmann::json listed = genauth::emulator::FaultToJson(*fault);
  const std::string listed_text = genauth::emulator::ToJsonText(listed);
  std::string again_error;
  std::optional<Fault> again =
      genauth::emulator::FaultFromJson(genauth::emulator::ParseJson(listed_text), &again_error);
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(again->http_status == fault->http_status);
  FUZZ_CHECK(again->body_status == fault->body_status);
  FUZZ_CHECK(NormalApiCode(again->api_code) == NormalApiCode(fault->api_code));
  FUZZ_CHECK(again->message == fault->message);
  FUZZ_CHECK(again->raw_body == fault->raw_body);
  FUZZ_CHECK(again->content_type == fault->content_type);
  FUZZ_CHECK(again->retry_after == fault->retry_after);
  FUZZ_CHECK(again->delay == fault->delay);
  FUZZ_CHECK(again->truncate_body == fault->truncate_body);
  FUZZ_CHECK(again->pass_through == fault->pass_through);
  return 0;
}
