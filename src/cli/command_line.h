// Table-driven parsing of command-line options ("--name VALUE", "--name=VALUE", "--flag") and
// positional arguments. Declaring options as data lets the usage text be generated from the same
// table, so help can never forget an option.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace genauth::cli {

struct OptionSpec {
  std::string_view name;        // without the leading "--"
  std::string_view value_name;  // "ID", "JSON", ...; empty for a flag that takes no value
  std::string_view help;        // one line
  bool required = false;
  bool repeatable = false;  // may be given more than once (values are kept in order)
};

// What a command line held, keyed by option name. Only options in the spec can appear.
struct ParsedOptions {
  std::vector<std::string> positionals;
  std::map<std::string, std::vector<std::string>, std::less<>> values;  // a flag maps to {""}

  bool Has(std::string_view name) const { return values.find(name) != values.end(); }
  // The value of a non-repeatable option, nullopt when absent.
  std::optional<std::string> Get(std::string_view name) const;
  // Every value of a repeatable option, in command-line order (empty when absent).
  std::vector<std::string> GetAll(std::string_view name) const;
};

struct ParseOutcome {
  ParsedOptions options;
  size_t consumed = 0;  // how many of `args` were read
  std::string error;    // non-empty: a usage error, in plain words
};

// Parses `args` against `specs`; "-h" is read as "--help". Arguments not starting with "--" are
// positional: collected, or, with `stop_at_positional`, left unread (global options stop at the
// command name). Required options and positional counts are checked by CheckComplete, so that
// "--help" can be honoured on an otherwise incomplete command line.
ParseOutcome ParseOptions(const std::vector<std::string>& args,
                          const std::vector<OptionSpec>& specs, bool stop_at_positional = false);

// Checks required options and positionals. `positional_names` lists them in order: "METHOD" is
// required, "[COMMAND]" optional (optional ones come last). Returns a usage error, empty if none.
std::string CheckComplete(const ParsedOptions& options, const std::vector<OptionSpec>& specs,
                          const std::vector<std::string_view>& positional_names);

// "--name VALUE" or "--name" (for usage text).
std::string OptionSynopsis(const OptionSpec& spec);

}  // namespace genauth::cli
