// Command-line flags of the small tools (emulator, webhook receiver, benchmark programs): reads
// "--name value" and "--name=value" one flag at a time and records the first problem. What a flag
// means, and its checks, stay in each tool's own loop:
//
//   FlagReader flags(std::vector<std::string>(argv + 1, argv + argc));
//   while (flags.Next()) {
//     if (flags.name() == "--verbose") {
//       if (flags.NoValue()) verbose = true;
//     } else if (flags.name() == "--port") {
//       if (auto port = flags.Integer(0, 65535)) options.port = static_cast<int>(*port);
//     } else {
//       flags.Fail("unknown flag " + flags.name());
//     }
//   }
//   if (!flags.error().empty()) ...  // the first problem, e.g. "--port needs a value"
//
// Not thread-safe; one per command line.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace genauth::common {

class FlagReader {
 public:
  explicit FlagReader(std::vector<std::string> args) : args_(std::move(args)) {}

  // Moves to the next flag; false at the end, or once a problem has been recorded.
  bool Next();

  // The flag's name as given ("--port", "-h"), without an "=value" part.
  const std::string& name() const { return name_; }
  // Whether it came as "--name=value".
  bool has_inline_value() const { return inline_value_.has_value(); }
  // Whether the flag is --help (or -h) or --version, every tool's two; sets *help or *version.
  bool HelpOrVersion(bool* help, bool* version) const;

  // The flag's value: the "=value" part, or else the next argument (taken verbatim, even when it
  // starts with "--"). The same value when asked again. nullopt when there is none, with
  // "NAME needs a value" recorded.
  const std::optional<std::string>& Value();
  // The value as a whole decimal integer in [min, max]; nullopt otherwise, with "NAME needs a
  // value" or "NAME must be an integer in [min, max]" recorded.
  std::optional<long long> Integer(long long min, long long max);
  // For a flag that takes no value: false, with "NAME takes no value" recorded, for "--name=x".
  bool NoValue();

  // Records `problem` unless an earlier one is recorded already.
  void Fail(std::string problem);
  // The first problem recorded; "" when there was none.
  const std::string& error() const { return error_; }

 private:
  std::vector<std::string> args_;
  size_t next_ = 0;
  std::string name_;
  std::optional<std::string> inline_value_;
  std::optional<std::string> value_;  // Value()'s answer once asked
  bool value_taken_ = false;
  std::string error_;
};

// What a tool's main does with --version and --help once its flags are parsed: prints
// `version_line` or `usage` to stdout and returns true (the tool then exits 0); false with neither.
bool PrintVersionOrUsage(bool version, bool help, const std::string& version_line,
                         const char* usage);

}  // namespace genauth::common
