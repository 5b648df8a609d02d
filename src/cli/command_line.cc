// Option parsing for genauth-cli (see command_line.h).
#include "cli/command_line.h"

#include <algorithm>

namespace genauth::cli {

std::optional<std::string> ParsedOptions::Get(std::string_view name) const {
  auto it = values.find(name);
  if (it == values.end() || it->second.empty()) return std::nullopt;
  return it->second.front();
}

std::vector<std::string> ParsedOptions::GetAll(std::string_view name) const {
  auto it = values.find(name);
  return it == values.end() ? std::vector<std::string>{} : it->second;
}

ParseOutcome ParseOptions(const std::vector<std::string>& args,
                          const std::vector<OptionSpec>& specs, bool stop_at_positional) {
  ParseOutcome outcome;
  size_t i = 0;
  for (; i < args.size(); ++i) {
    const std::string arg = args[i] == "-h" ? "--help" : args[i];
    if (arg.rfind("--", 0) != 0 || arg == "--") {
      if (stop_at_positional) break;
      outcome.options.positionals.push_back(arg);
      continue;
    }
    std::string_view body = std::string_view(arg).substr(2);
    std::optional<std::string> inline_value;
    if (size_t eq = body.find('='); eq != std::string_view::npos) {
      inline_value = std::string(body.substr(eq + 1));
      body = body.substr(0, eq);
    }
    const std::string name(body);
    auto spec = std::find_if(specs.begin(), specs.end(),
                             [&name](const OptionSpec& s) { return s.name == name; });
    if (spec == specs.end()) {
      outcome.error = "unknown option --" + name;
      break;
    }
    std::string value;
    if (spec->value_name.empty()) {
      if (inline_value) {
        outcome.error = "--" + name + " takes no value";
        break;
      }
    } else if (inline_value) {
      value = *inline_value;
    } else if (i + 1 < args.size()) {
      // Taken verbatim, even when it starts with "--": header values and JSON text may.
      value = args[++i];
    } else {
      outcome.error = "--" + name + " needs a value (" + std::string(spec->value_name) + ")";
      break;
    }
    auto& slot = outcome.options.values[name];
    if (!slot.empty() && !spec->repeatable) {
      outcome.error = "--" + name + " given more than once";
      break;
    }
    slot.push_back(std::move(value));
  }
  outcome.consumed = i;
  return outcome;
}

std::string CheckComplete(const ParsedOptions& options, const std::vector<OptionSpec>& specs,
                          const std::vector<std::string_view>& positional_names) {
  const auto& positionals = options.positionals;
  if (positionals.size() > positional_names.size()) {
    return "unexpected argument '" + positionals[positional_names.size()] + "'";
  }
  if (positionals.size() < positional_names.size() &&
      positional_names[positionals.size()].rfind('[', 0) != 0) {
    return "missing " + std::string(positional_names[positionals.size()]);
  }
  for (const OptionSpec& spec : specs) {
    if (spec.required && !options.Has(spec.name)) {
      return "missing --" + std::string(spec.name) + " " + std::string(spec.value_name);
    }
  }
  return "";
}

std::string OptionSynopsis(const OptionSpec& spec) {
  std::string text = "--" + std::string(spec.name);
  if (!spec.value_name.empty()) text += " " + std::string(spec.value_name);
  return text;
}

}  // namespace genauth::cli
