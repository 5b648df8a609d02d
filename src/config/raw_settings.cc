// Reading settings from the environment and flags (see raw_settings.h).
#include "config/raw_settings.h"

#include <utility>

#include "common/secret_memory.h"
#include "config/value_parsers.h"

namespace genauth::config {
namespace {

bool IsHelpFlag(std::string_view arg) { return arg == "--help" || arg == "-h"; }
bool IsHelpMarkdownFlag(std::string_view arg) { return arg == "--help-markdown"; }
bool IsVersionFlag(std::string_view arg) { return arg == "--version"; }

// True when `arg` is itself a recognised flag, so it cannot be the value of the flag before it.
bool IsKnownFlag(std::string_view arg) {
  return IsHelpFlag(arg) || IsHelpMarkdownFlag(arg) || IsVersionFlag(arg) ||
         FindSettingByFlag(arg.substr(0, arg.find('='))) != nullptr;
}

bool IsSecret(const Setting& setting) { return std::holds_alternative<SecretKind>(setting.kind); }

// Whether `next` is the value of `setting`'s flag given as `--flag value`. Something that looks
// like a flag is normally not a value ("--a --b" means --a lacks one); but a secret may start with
// "--", and reading it as a flag would put it into an "unknown flag" error, so a secret flag takes
// anything that is not a known flag.
bool TakesAsValue(const Setting& setting, std::string_view next) {
  if (IsKnownFlag(next)) return false;
  return IsSecret(setting) || next.rfind("--", 0) != 0;
}

}  // namespace

RawSettings::RawSettings(const ConfigSource& source, ParseResult& result)
    : source_(source), result_(result) {
  for (const Setting& s : Settings()) {
    auto it = source.env.find(std::string(s.env));
    // Variables with our prefixes that we do not know are ignored: other tools may share them.
    if (it != source.env.end()) raw_[s.env] = RawValue{it->second, false};
  }
  ReadFlags();
}

RawSettings::~RawSettings() {
  for (auto& [env, raw] : raw_) {
    const Setting* setting = FindSetting(env);
    if (setting != nullptr && IsSecret(*setting)) common::WipeString(raw.text);
  }
}

void RawSettings::ReadFlags() {
  const std::vector<std::string>& args = source_.args;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (IsHelpFlag(arg)) {
      result_.help_requested = true;
      continue;
    }
    if (IsHelpMarkdownFlag(arg)) {
      result_.help_markdown_requested = true;
      continue;
    }
    if (IsVersionFlag(arg)) {
      result_.version_requested = true;
      continue;
    }
    if (arg.empty() || arg[0] != '-') {
      GeneralError("unexpected argument " + Quote(arg) +
                   ": settings are given as --name=value or --name value");
      continue;
    }
    size_t eq = arg.find('=');
    std::string name = arg.substr(0, eq);
    const Setting* setting = FindSettingByFlag(name);
    if (const RemovedSetting* removed = FindRemovedByFlag(name); removed != nullptr) {
      GeneralError(name + " (" + std::string(removed->env) + ") " +
                   std::string(removed->replacement));
      if (eq == std::string::npos && i + 1 < args.size() && !IsKnownFlag(args[i + 1])) ++i;
      continue;
    }
    if (setting == nullptr) {
      // Only the name is shown: the value may be a secret given to a misspelt flag. For the same
      // reason the next argument, unless it is a known flag, is taken as this flag's value and
      // dropped rather than echoed as an unexpected argument or unknown flag.
      GeneralError("unknown flag " + name + " (see --help)");
      if (eq == std::string::npos && i + 1 < args.size() && !IsKnownFlag(args[i + 1])) ++i;
      continue;
    }
    if (IsSecret(*setting)) {
      RefuseSecretFlag(name, *setting, eq == std::string::npos ? &i : nullptr);
      continue;
    }
    std::string value;
    if (eq != std::string::npos) {
      value = arg.substr(eq + 1);
    } else if (std::holds_alternative<BoolKind>(setting->kind)) {
      // `--flag false` as well as `--flag=false`: the next argument is the flag's value when it
      // is a boolean word; otherwise (another flag, or nothing) the flag alone means true.
      // Positional arguments mean nothing here, so a boolean word can be nothing else.
      value = i + 1 < args.size() && ParseBool(args[i + 1]) ? args[++i] : "true";
    } else if (i + 1 < args.size() && TakesAsValue(*setting, args[i + 1])) {
      value = args[++i];
    } else {
      GeneralError("flag " + name + " (" + std::string(setting->env) + ") needs a value: " + name +
                   "=VALUE or " + name + " VALUE");
      continue;
    }
    raw_[setting->env] = RawValue{std::move(value), true};
  }
}

void RawSettings::RefuseSecretFlag(const std::string& name, const Setting& setting,
                                   size_t* next_index) {
  const std::vector<std::string>& args = source_.args;
  if (next_index != nullptr && *next_index + 1 < args.size() &&
      TakesAsValue(setting, args[*next_index + 1])) {
    ++*next_index;
  }
  secret_flag_refused_ = true;
  constexpr std::string_view kFile = "GENAUTH_ACCESS_KEY_SECRET_FILE";
  GeneralError(name +
               " is not accepted (value not shown): a secret on the command line is visible to "
               "every process on the machine (ps, /proc/PID/cmdline). Put the secret in a file "
               "and set " +
               std::string(kFile) + "=/path/to/file (or " + FlagName(kFile) +
               " /path/to/file), or set the environment variable " + std::string(setting.env));
}

std::optional<RawValue> RawSettings::Get(std::string_view env) const {
  auto it = raw_.find(env);
  if (it == raw_.end() || it->second.text.empty()) return std::nullopt;
  return it->second;
}

bool RawSettings::IsSetButEmpty(std::string_view env) const {
  auto it = raw_.find(env);
  return it != raw_.end() && it->second.text.empty();
}

std::string RawSettings::Describe(std::string_view env, const RawValue& raw) const {
  std::string out(env);
  const Setting* setting = FindSetting(env);
  if (setting != nullptr && IsSecret(*setting)) {
    out += " (value not shown)";
  } else {
    out += "=" + Quote(raw.text);
  }
  if (raw.from_flag) out += " (from " + FlagName(env) + ")";
  return out;
}

void RawSettings::GeneralError(std::string message) {
  general_errors_.push_back(std::move(message));
}

void RawSettings::Error(std::string_view env, std::string message) {
  errors_[env].push_back(std::move(message));
}

void RawSettings::Error(std::string_view env, const RawValue& raw, std::string_view why) {
  Error(env, Describe(env, raw) + ": " + std::string(why));
}

bool RawSettings::HasErrors(std::string_view env) const { return errors_.count(env) != 0; }

void RawSettings::Warning(std::string message) { result_.warnings.push_back(std::move(message)); }

void RawSettings::ReportErrors() {
  for (std::string& e : general_errors_) result_.errors.push_back(std::move(e));
  general_errors_.clear();
  for (const Setting& s : Settings()) {
    auto it = errors_.find(s.env);
    if (it == errors_.end()) continue;
    for (std::string& e : it->second) result_.errors.push_back(std::move(e));
    errors_.erase(it);
  }
  // Every error belongs to a row; one that does not would be a bug, but is still reported.
  for (auto& [env, errors] : errors_) {
    for (std::string& e : errors) result_.errors.push_back(std::move(e));
  }
  errors_.clear();
}

}  // namespace genauth::config
