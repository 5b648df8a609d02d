// The text of each setting as given — from its flag, else from its environment variable — and the
// problems found while reading and checking them. Errors are kept per setting and reported in the
// table's order (general ones, such as unknown flags, first), whatever order the rules find them
// in.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/secret_file.h"
#include "config/config.h"
#include "config/settings_table.h"

namespace genauth::config {

struct RawValue {
  std::string text;
  bool from_flag = false;
};

class RawSettings {
 public:
  // Reads the environment, then the flags (flags win). --help and --version are recorded in
  // `result`; problems with the command line itself are general errors.
  RawSettings(const ConfigSource& source, ParseResult& result);
  // Secret values are copied in here from the source; they are wiped with the parser.
  ~RawSettings();
  RawSettings(const RawSettings&) = delete;
  RawSettings& operator=(const RawSettings&) = delete;

  const ConfigSource& source() const { return source_; }

  // The value of a setting, or nullopt when unset. An empty value counts as unset, whether it
  // comes from the environment (Kubernetes and templating tools often render unset values as "")
  // or from a flag (so `--genauth-tenant-id=` clears an inherited variable).
  std::optional<RawValue> Get(std::string_view env) const;
  bool IsSetButEmpty(std::string_view env) const;

  // Whether the secret's flag was given (and refused): then "the secret is required" would only
  // repeat the refusal.
  bool secret_flag_refused() const { return secret_flag_refused_; }

  // `NAME="value"` or, for a secret, `NAME (value not shown)`; plus the flag when one set it.
  std::string Describe(std::string_view env, const RawValue& raw) const;

  // An error not about one setting (the command line, removed settings).
  void GeneralError(std::string message);
  // An error about `env` (a row of the table), reported in that row's place.
  void Error(std::string_view env, std::string message);
  // `Describe(env, raw): why`.
  void Error(std::string_view env, const RawValue& raw, std::string_view why);
  bool HasErrors(std::string_view env) const;

  void Warning(std::string message);

  // Moves every error into the result, general ones first, then in the table's order.
  void ReportErrors();

 private:
  void ReadFlags();
  // A secret on the command line is readable by every process (ps, /proc/PID/cmdline) for as long
  // as the sidecar runs, and a secret there is hard to rotate: the flag is refused. Its value is
  // consumed (the next argument when `next_index` is set and it is not a known flag) so that it is
  // never echoed as an unexpected argument, and never named in the error.
  void RefuseSecretFlag(const std::string& name, const Setting& setting, size_t* next_index);

  const ConfigSource& source_;
  ParseResult& result_;
  std::map<std::string_view, RawValue, std::less<>> raw_;
  std::vector<std::string> general_errors_;
  std::map<std::string_view, std::vector<std::string>, std::less<>> errors_;
  bool secret_flag_refused_ = false;
};

}  // namespace genauth::config
