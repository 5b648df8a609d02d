// The settings table: every setting of the sidecar stated once — its environment name (the flag is
// derived from it), the kind of value it takes with its range, the Config field it sets, and its
// help. Parsing (config.cc), --help and the Markdown reference (usage.cc) and the tests all read
// this table; defaults are read from a default-constructed Config, so neither the help nor the
// reference can drift from the code.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "config/config.h"

namespace genauth::config {

// Groups settings in --help and the reference. Rows of a section are contiguous in the table.
enum class Section { kGenAuth, kListening, kCalls, kProtection, kShutdown, kSecretRotation };
std::string_view SectionTitle(Section section);

// A duration, stored rounded up to whole milliseconds (so a small non-zero value never becomes 0).
struct DurationKind {
  std::chrono::milliseconds Config::*field;
  bool allow_zero;
  std::optional<std::chrono::milliseconds> max;
  // Another duration setting this one may not be below (checked when both values are valid).
  std::string_view at_least = {};
};

// A whole number in [min, max].
struct IntKind {
  int Config::*field;
  int min;
  int max;
};

// A byte count in [min, max]: bytes, or with a suffix Ki, Mi or Gi.
struct ByteSizeKind {
  int64_t Config::*field;
  int64_t min;
  int64_t max;
};

// An octal file mode from 0 to 0777.
struct FileModeKind {
  uint32_t Config::*field;
};

// One of a few words, accepted in any case and stored in the spelling listed here.
struct ChoiceKind {
  std::string Config::*field;
  std::vector<std::string_view> choices;
  // Other spellings accepted for a choice: {alias, choice}.
  std::vector<std::pair<std::string_view, std::string_view>> aliases = {};
};

// true/false, 1/0 or yes/no; a bare flag means true.
struct BoolKind {
  bool Config::*field;
};

// Free text checked by `check`, which returns what to store (normalised) or, as the status
// message, what was expected. `check` may read files through the source (never the secret file).
using TextCheck = absl::StatusOr<std::string> (*)(std::string_view text,
                                                  const ConfigSource& source);
struct TextKind {
  std::string Config::*field;
  TextCheck check;
  std::string_view accepts;  // the accepted form, for --help and the reference
};

// The access key secret given inline (GENAUTH_ACCESS_KEY_SECRET): never echoed, environment only
// (its flag is refused), exactly one of it and the secret file (secret_settings.cc).
struct SecretKind {};
// The file holding the access key secret (GENAUTH_ACCESS_KEY_SECRET_FILE; secret_settings.cc).
struct SecretFileKind {};

using SettingKind = std::variant<DurationKind, IntKind, ByteSizeKind, FileModeKind, ChoiceKind,
                                 BoolKind, TextKind, SecretKind, SecretFileKind>;

struct Setting {
  std::string_view env;
  Section section;
  SettingKind kind;
  // Plain text for --help and the reference: what the setting is for. The accepted values and
  // the default are added from `kind` and Config; they are not repeated here.
  std::string_view help;
  // Markdown, for the reference only: what an operator deploying it may need beyond the help.
  std::string_view details = {};
  // Shown instead of the default value: "(required)", "(one of two required)".
  std::string_view default_text = {};
  // Set for the one setting whose empty value is an error rather than "unset": what was expected.
  std::string_view empty_is_error = {};
  // Set for a required setting: what it holds, for the error when it is missing.
  std::string_view required = {};
};

// Every setting, in the order of --help, of the reference, and of the errors ParseConfig reports.
const std::vector<Setting>& Settings();

const Setting* FindSetting(std::string_view env);
const Setting* FindSettingByFlag(std::string_view flag);

// GENAUTH_HOST -> --genauth-host.
std::string FlagName(std::string_view env);

// "(no flag)" for the secret, whose flag is refused; the flag otherwise.
std::string FlagColumn(const Setting& setting);

// The default as --help shows it: the row's default_text, or the value of a default-constructed
// Config ("(none)" when empty).
std::string DefaultText(const Setting& setting);

// What a value must look like, short: "1 to 10", "over 0, at most 1h", "x-authing or x-genauth".
std::string AcceptedText(const Setting& setting);

// Settings that existed once: naming one is an error that says what replaced it, rather than a
// silent no-op (a value tuned for the old design would mean nothing now).
struct RemovedSetting {
  std::string_view env;
  std::string_view replacement;
};
const std::vector<RemovedSetting>& RemovedSettings();
const RemovedSetting* FindRemovedByFlag(std::string_view flag);

}  // namespace genauth::config
