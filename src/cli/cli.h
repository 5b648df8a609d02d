// genauth-cli: the project's small command-line gRPC client for genauth-sidecar (there is no
// grpcurl in the image). Used by `make demo`, by people, and by tests. Everything but main() lives
// here so that argument handling and output are testable without starting a process.
//
//   genauth-cli [--target ADDR] [--timeout DUR] [--json] [--wait] COMMAND [options]
//
// Commands are rows of one table (cli.cc); `call METHOD` reaches every WebhookService RPC through
// the generated descriptors, so a new RPC in webhook.proto needs no CLI change.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace genauth::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;  // the call failed, or health is not SERVING
inline constexpr int kExitUsage = 2;   // the command line was wrong; nothing was called

// What the CLI reads besides its arguments; injectable so tests touch neither the real
// environment nor files.
struct CliEnvironment {
  std::map<std::string, std::string> env;  // only SIDECAR_ADDR is read
  // Reads a whole file (--body-file, --json-file). Returns nullopt when it cannot be read.
  std::function<std::optional<std::string>(const std::string& path)> read_file;
};

// The process environment and the real file system.
CliEnvironment ProcessCliEnvironment();

// Runs one invocation. `args` excludes the program name. Responses and help go to `out`; errors go
// to `err`, or with --json, call errors go to `out` as one JSON object. Returns the exit status.
int RunCli(const std::vector<std::string>& args, const CliEnvironment& environment,
           std::ostream& out, std::ostream& err);

// RunCli with ProcessCliEnvironment().
int RunCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// The full help text: every global option, command and command option.
std::string Usage();

}  // namespace genauth::cli
