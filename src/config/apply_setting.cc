// Per-kind parsing of one setting (see apply_setting.h).
#include "config/apply_setting.h"

#include <chrono>
#include <string>

#include "common/duration.h"
#include "config/value_parsers.h"

namespace genauth::config {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;

// Applies a raw value according to its kind; `env` and `value` identify it in errors.
struct KindParser {
  std::string_view env;
  const RawValue& value;
  RawSettings& raw;
  Config& config;

  void Refuse(std::string_view why) const { raw.Error(env, value, why); }

  void operator()(const DurationKind& k) const {
    std::optional<nanoseconds> parsed = common::ParseDuration(value.text);
    if (!parsed || (!k.allow_zero && parsed->count() <= 0) || (k.max && *parsed > *k.max)) {
      std::string expected = "expected a duration such as 250ms, 10s or 1.5m, ";
      if (k.max) {
        expected +=
            std::string(k.allow_zero ? "from 0" : "over 0 and") + " up to " + FormatMillis(*k.max);
      } else {
        expected += k.allow_zero ? "0 or more" : "over 0";
      }
      Refuse(expected);
      return;
    }
    // Round up so that a small non-zero setting never becomes 0 (which would mean "no time").
    auto ms = std::chrono::duration_cast<milliseconds>(*parsed);
    if (ms < *parsed) ++ms;
    config.*k.field = ms;
  }

  void operator()(const IntKind& k) const {
    std::optional<int64_t> parsed = ParseInt(value.text);
    if (!parsed || *parsed < k.min || *parsed > k.max) {
      Refuse("expected a whole number from " + std::to_string(k.min) + " to " +
             std::to_string(k.max));
      return;
    }
    config.*k.field = static_cast<int>(*parsed);
  }

  void operator()(const ByteSizeKind& k) const {
    std::optional<int64_t> parsed = ParseByteSize(value.text);
    if (!parsed || *parsed < k.min || *parsed > k.max) {
      Refuse("expected a size in bytes, or with a suffix Ki, Mi or Gi, from " + FormatBytes(k.min) +
             " to " + FormatBytes(k.max));
      return;
    }
    config.*k.field = *parsed;
  }

  void operator()(const FileModeKind& k) const {
    std::optional<uint32_t> parsed = ParseFileMode(value.text);
    if (!parsed) {
      Refuse(
          "expected an octal file mode from 0 to 0777, such as 0660 (owner and group may "
          "connect) or 0600 (owner only)");
      return;
    }
    config.*k.field = *parsed;
  }

  // Accepts any case and stores the canonical spelling.
  void operator()(const ChoiceKind& k) const {
    const std::string lower = Lower(value.text);
    for (const auto& [alias, choice] : k.aliases) {
      if (Lower(alias) == lower) {
        config.*k.field = std::string(choice);
        return;
      }
    }
    for (std::string_view choice : k.choices) {
      if (Lower(choice) == lower) {
        config.*k.field = std::string(choice);
        return;
      }
    }
    std::string expected = "expected one of";
    const char* separator = " ";
    for (std::string_view choice : k.choices) {
      expected += separator + std::string(choice);
      separator = ", ";
    }
    Refuse(expected);
  }

  void operator()(const BoolKind& k) const {
    std::optional<bool> parsed = ParseBool(value.text);
    if (!parsed) {
      Refuse("expected true/false, 1/0 or yes/no");
      return;
    }
    config.*k.field = *parsed;
  }

  void operator()(const TextKind& k) const {
    absl::StatusOr<std::string> checked = k.check(value.text, raw.source());
    if (!checked.ok()) {
      Refuse(std::string(checked.status().message()));
      return;
    }
    config.*k.field = *std::move(checked);
  }

  void operator()(const SecretKind&) const {}
  void operator()(const SecretFileKind&) const {}
};

}  // namespace

void ApplySetting(const Setting& setting, RawSettings& raw, Config& config) {
  // The one exception to "empty means unset": an empty listen address is more likely a broken
  // template than a wish for the default, and it decides which port the sidecar opens.
  if (!setting.empty_is_error.empty() && raw.IsSetButEmpty(setting.env)) {
    raw.Error(setting.env, std::string(setting.env) +
                               " is set but empty: " + std::string(setting.empty_is_error) +
                               " (unset it for the default " + DefaultText(setting) + ")");
    return;
  }
  std::optional<RawValue> value = raw.Get(setting.env);
  if (!value) {
    if (!setting.required.empty()) {
      raw.Error(setting.env, std::string(setting.env) + " is required: set it (or pass " +
                                 FlagName(setting.env) + ") to " + std::string(setting.required));
    }
    return;
  }
  std::visit(KindParser{setting.env, *value, raw, config}, setting.kind);
}

}  // namespace genauth::config
