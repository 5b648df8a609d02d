// genauth-cli's command table, usage text and commands (see cli.h).
#include "cli/cli.h"

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string_view>
#include <utility>

#include "cli/command_line.h"
#include "cli/error_report.h"
#include "cli/json_input.h"
#include "cli/json_output.h"
#include "cli/method_registry.h"
#include "cli/unary_call.h"
#include "common/duration.h"
#include "genauth/management/v1/webhook.pb.h"
#include "sidecar_version.h"

namespace genauth::cli {
namespace {

constexpr char kProgram[] = "genauth-cli";
constexpr char kTargetEnv[] = "SIDECAR_ADDR";
constexpr char kDefaultTarget[] = "127.0.0.1:50051";
constexpr std::chrono::seconds kDefaultTimeout{10};
constexpr std::chrono::hours kMaxTimeout{24};
constexpr int kHelpColumn = 26;  // where option help starts in the usage text

constexpr OptionSpec kHelpOption = {"help", "", "print this help (-h works too)"};

// Everything a command needs besides its own options.
struct Invocation {
  const CallOptions& call;
  bool json_output;  // --json
  const CliEnvironment& environment;
  std::ostream& out;
  std::ostream& err;
};

struct CommandSpec;
using CommandFn = int (*)(const CommandSpec& command, const ParsedOptions& options,
                          const Invocation& invocation);

// One row of the command table. Adding a command is adding a row; its help is generated from it.
struct CommandSpec {
  std::string name;
  std::vector<std::string_view> positionals;  // "METHOD" required, "[COMMAND]" optional
  std::string summary;                        // lines separated by '\n'
  std::vector<OptionSpec> options;            // --help is implied
  CommandFn run;
};

const std::vector<OptionSpec>& GlobalOptionSpecs() {
  static const auto* const specs = new std::vector<OptionSpec>{
      {"target", "ADDR", "host:port or unix:/path (default: $SIDECAR_ADDR or 127.0.0.1:50051)"},
      {"timeout", "DUR", "deadline of the call, e.g. 250ms, 5s, 1m (default 10s)"},
      {"json", "", "print call errors as one JSON object on stdout, not text on stderr"},
      {"wait", "", "wait for the server to come up (until the deadline), not fail fast"},
      {"version", "", "print the version and exit"},
      kHelpOption,
  };
  return *specs;
}

// --- shared steps of the commands ---

int UsageError(std::ostream& err, std::string_view command, const std::string& message) {
  std::string where = std::string(kProgram) + (command.empty() ? "" : " " + std::string(command));
  err << where << ": " << message << "\n"
      << "Run '" << kProgram << " help" << (command.empty() ? "" : " " + std::string(command))
      << "' for usage.\n";
  return kExitUsage;
}

int ReportCallError(const Invocation& invocation, const grpc::Status& status) {
  if (invocation.json_output) {
    invocation.out << FormatErrorJson(status) << "\n";
  } else {
    invocation.err << FormatErrorText(status);
  }
  return kExitFailed;
}

// Calls `method` and prints the response in the protobuf JSON mapping (camelCase names).
int CallAndPrint(const Invocation& invocation, const ResolvedMethod& method,
                 const google::protobuf::Message& request) {
  std::unique_ptr<google::protobuf::Message> response = method.NewResponse();
  grpc::Status status = CallUnary(invocation.call, method, request, response.get());
  if (!status.ok()) return ReportCallError(invocation, status);
  std::string json, error;
  if (!MessageToStableJson(*response, &json, &error)) {
    // The call succeeded, but its result cannot be shown: still a failure for the caller.
    invocation.err << "error: cannot print the response as JSON: " << error << "\n";
    return kExitFailed;
  }
  invocation.out << json << "\n";
  return kExitOk;
}

// Reads the file named by option `what`. Returns the error, empty on success.
std::string ReadInputFile(const Invocation& invocation, std::string_view what,
                          const std::string& path, std::string* text) {
  std::optional<std::string> content;
  if (invocation.environment.read_file) content = invocation.environment.read_file(path);
  if (!content) return std::string(what) + ": cannot read '" + path + "'";
  *text = std::move(*content);
  return "";
}

// --- commands ---

// The methods, comma-separated, broken into lines of at most `width` characters: the list grows
// with the proto and must still fit the help's 100 columns.
std::string JoinedWebhookMethods(size_t width = 72) {
  std::string joined;
  size_t line_length = 0;
  for (const std::string& name : WebhookMethodNames()) {
    if (!joined.empty()) {
      joined += ",";
      ++line_length;
      if (line_length + 1 + name.size() > width) {
        joined += "\n";
        line_length = 0;
      } else {
        joined += " ";
        ++line_length;
      }
    }
    joined += name;
    line_length += name.size();
  }
  return joined;
}

int RunTrigger(const CommandSpec& command, const ParsedOptions& options,
               const Invocation& invocation) {
  genauth::management::v1::TriggerWebhookRequest request;
  request.set_webhook_id(options.Get("webhook-id").value_or(""));
  if (request.webhook_id().empty()) {
    return UsageError(invocation.err, command.name, "--webhook-id must not be empty");
  }
  if (auto json = options.Get("headers-json")) {
    std::string error = ParseJsonObject("--headers-json", *json, request.mutable_request_headers());
    if (!error.empty()) return UsageError(invocation.err, command.name, error);
  }
  for (const std::string& header : options.GetAll("header")) {
    size_t eq = header.find('=');
    if (eq == std::string::npos || eq == 0) {
      return UsageError(invocation.err, command.name,
                        "--header '" + header + "': expected NAME=VALUE");
    }
    (*request.mutable_request_headers()->mutable_fields())[header.substr(0, eq)].set_string_value(
        header.substr(eq + 1));
  }
  if (options.Has("body-json") && options.Has("body-file")) {
    return UsageError(invocation.err, command.name, "give --body-json or --body-file, not both");
  }
  std::string body;
  std::string body_source = "--body-json";
  if (auto path = options.Get("body-file")) {
    body_source = "--body-file " + *path;
    std::string error = ReadInputFile(invocation, "--body-file", *path, &body);
    if (!error.empty()) return UsageError(invocation.err, command.name, error);
  } else if (auto json = options.Get("body-json")) {
    body = *json;
  }
  if (options.Has("body-json") || options.Has("body-file")) {
    std::string error = ParseJsonObject(body_source, body, request.mutable_request_body());
    if (!error.empty()) return UsageError(invocation.err, command.name, error);
  }

  std::optional<ResolvedMethod> method = FindMethod("TriggerWebhook");
  if (!method) {
    invocation.err << "error: TriggerWebhook is missing from the linked webhook.proto\n";
    return kExitFailed;
  }
  return CallAndPrint(invocation, *method, request);
}

int RunCall(const CommandSpec& command, const ParsedOptions& options,
            const Invocation& invocation) {
  const std::string& name = options.positionals.front();
  std::optional<ResolvedMethod> method = FindMethod(name);
  if (!method) {
    return UsageError(invocation.err, command.name,
                      "unknown method '" + name + "' (WebhookService has: " +
                          JoinedWebhookMethods(std::string::npos) + ")");
  }
  if (method->method->client_streaming() || method->method->server_streaming()) {
    return UsageError(invocation.err, command.name,
                      "'" + name + "' is a streaming method; call makes unary calls only");
  }
  if (options.Has("json") && options.Has("json-file")) {
    return UsageError(invocation.err, command.name, "give --json or --json-file, not both");
  }
  std::string json = "{}";
  std::string source = "--json";
  if (auto path = options.Get("json-file")) {
    source = "--json-file " + *path;
    std::string error = ReadInputFile(invocation, "--json-file", *path, &json);
    if (!error.empty()) return UsageError(invocation.err, command.name, error);
  } else if (auto text = options.Get("json")) {
    json = *text;
  }
  std::unique_ptr<google::protobuf::Message> request = method->NewRequest();
  std::string error = ParseJsonObject(source, json, request.get());
  if (!error.empty()) return UsageError(invocation.err, command.name, error);
  return CallAndPrint(invocation, *method, *request);
}

int RunHealth(const CommandSpec&, const ParsedOptions& options, const Invocation& invocation) {
  std::optional<ResolvedMethod> method = FindMethod(kHealthCheckMethod);
  if (!method) {
    invocation.err << "error: the built-in grpc.health.v1 descriptor failed to build\n";
    return kExitFailed;
  }
  std::unique_ptr<google::protobuf::Message> request = method->NewRequest();
  request->GetReflection()->SetString(request.get(),
                                      request->GetDescriptor()->FindFieldByName("service"),
                                      options.Get("service").value_or(""));
  std::unique_ptr<google::protobuf::Message> response = method->NewResponse();
  grpc::Status status = CallUnary(invocation.call, *method, *request, response.get());
  if (!status.ok()) return ReportCallError(invocation, status);

  const google::protobuf::FieldDescriptor* field =
      response->GetDescriptor()->FindFieldByName("status");
  int value = response->GetReflection()->GetEnumValue(*response, field);
  const google::protobuf::EnumValueDescriptor* known = field->enum_type()->FindValueByNumber(value);
  std::string name = known != nullptr ? known->name() : "UNKNOWN";
  if (invocation.json_output) {
    invocation.out << nlohmann::json{{"status", name}}.dump() << "\n";
  } else {
    invocation.out << name << "\n";
  }
  return name == "SERVING" ? kExitOk : kExitFailed;
}

int RunHelp(const CommandSpec& command, const ParsedOptions& options, const Invocation& invocation);

const std::vector<CommandSpec>& Commands() {
  static const auto* const commands = new std::vector<CommandSpec>{
      {"trigger",
       {},
       "Makes GenAuth deliver a webhook now and prints what its URL answered.\n"
       "Shorthand for `call TriggerWebhook`.",
       {
           {"webhook-id", "ID", "the webhook to trigger", /*required=*/true},
           {"header", "NAME=VALUE", "a header GenAuth sends to the webhook's URL", false,
            /*repeatable=*/true},
           {"headers-json", "JSON", "headers as a JSON object (--header entries win)"},
           {"body-json", "JSON", "the body GenAuth sends, a JSON object"},
           {"body-file", "PATH", "the body, read from a file holding a JSON object"},
       },
       RunTrigger},
      {"call",
       {"METHOD"},
       "Calls a unary RPC with a request in the protobuf JSON mapping (camelCase or\n"
       "proto field names). METHOD is a full name such as grpc.health.v1.Health/Check,\n"
       "or one of WebhookService's methods:\n" +
           JoinedWebhookMethods(),
       {
           {"json", "JSON", "the request, a JSON object (default {})"},
           {"json-file", "PATH", "the request, read from a file"},
       },
       RunCall},
      {"health",
       {},
       "Calls grpc.health.v1.Health/Check and prints SERVING, NOT_SERVING or UNKNOWN\n"
       "({\"status\":\"...\"} with --json). Exits 0 only when SERVING.",
       {
           {"service", "NAME", "the service to ask about (default: the whole server)"},
       },
       RunHealth},
      {"help", {"[COMMAND]"}, "Prints this help, or one command's.", {}, RunHelp},
  };
  return *commands;
}

const CommandSpec* FindCommand(std::string_view name) {
  for (const CommandSpec& command : Commands()) {
    if (command.name == name) return &command;
  }
  return nullptr;
}

void AppendOptionLines(const std::vector<OptionSpec>& specs, std::string* text) {
  for (const OptionSpec& spec : specs) {
    std::string line = "    " + OptionSynopsis(spec);
    if (line.size() + 2 > kHelpColumn) {
      *text += line + "\n";
      line.clear();
    }
    line.resize(kHelpColumn, ' ');
    line += spec.help;
    if (spec.required) line += " (required)";
    if (spec.repeatable) line += " (repeatable)";
    *text += line + "\n";
  }
}

std::string CommandUsage(const CommandSpec& command) {
  std::string text = "  " + command.name;
  for (std::string_view positional : command.positionals) text += " " + std::string(positional);
  if (!command.options.empty()) text += " [options]";
  text += "\n";
  std::istringstream summary(command.summary);
  for (std::string line; std::getline(summary, line);) text += "      " + line + "\n";
  AppendOptionLines(command.options, &text);
  return text;
}

int RunHelp(const CommandSpec& command, const ParsedOptions& options,
            const Invocation& invocation) {
  if (options.positionals.empty()) {
    invocation.out << Usage();
    return kExitOk;
  }
  const CommandSpec* topic = FindCommand(options.positionals.front());
  if (topic == nullptr) {
    return UsageError(invocation.err, command.name,
                      "unknown command '" + options.positionals.front() + "'");
  }
  invocation.out << "Usage: " << kProgram << " [global options] " << CommandUsage(*topic).substr(2);
  return kExitOk;
}

}  // namespace

std::string Usage() {
  std::string text = std::string("Usage: ") + kProgram +
                     " [global options] COMMAND [options]\n"
                     "\n"
                     "A command-line gRPC client for genauth-sidecar.\n"
                     "\n"
                     "Global options (before COMMAND):\n";
  AppendOptionLines(GlobalOptionSpecs(), &text);
  text += "\nCommands:\n";
  for (const CommandSpec& command : Commands()) text += CommandUsage(command);
  text +=
      "\n"
      "Output: the response as JSON (protobuf JSON mapping) on stdout. A failed call prints\n"
      "'error: CODE: message' and its details (reason, metadata, retry after) on stderr.\n"
      "Exit status: 0 success, 1 the call failed or health is not SERVING, 2 usage error.\n"
      "\n"
      "Examples:\n"
      "  genauth-cli trigger --webhook-id wh-1 --header X-Trace=t-1 --body-json '{\"n\":1}'\n"
      "  genauth-cli call TriggerWebhook --json '{\"webhookId\":\"wh-1\"}'\n"
      "  genauth-cli --target unix:/run/sidecar.sock --timeout 2s health\n";
  return text;
}

CliEnvironment ProcessCliEnvironment() {
  CliEnvironment environment;
  if (const char* target = std::getenv(kTargetEnv)) environment.env[kTargetEnv] = target;
  environment.read_file = [](const std::string& path) -> std::optional<std::string> {
    std::ifstream file(path, std::ios::binary);
    if (!file) return std::nullopt;
    std::string content((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    if (file.bad()) return std::nullopt;
    return content;
  };
  return environment;
}

int RunCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  return RunCli(args, ProcessCliEnvironment(), out, err);
}

int RunCli(const std::vector<std::string>& args, const CliEnvironment& environment,
           std::ostream& out, std::ostream& err) {
  if (args.empty()) {
    err << Usage();
    return kExitUsage;
  }
  ParseOutcome global = ParseOptions(args, GlobalOptionSpecs(), /*stop_at_positional=*/true);
  if (!global.error.empty()) return UsageError(err, "", global.error);
  if (global.options.Has("version")) {
    out << VersionLine(kProgram);
    return kExitOk;
  }
  if (global.options.Has("help")) {
    out << Usage();
    return kExitOk;
  }
  if (global.consumed == args.size()) return UsageError(err, "", "missing COMMAND");

  CallOptions call;
  auto env_target = environment.env.find(kTargetEnv);
  call.target = global.options.Get("target").value_or(
      env_target != environment.env.end() && !env_target->second.empty() ? env_target->second
                                                                         : kDefaultTarget);
  if (call.target.empty()) return UsageError(err, "", "--target must not be empty");
  call.timeout = kDefaultTimeout;
  if (auto text = global.options.Get("timeout")) {
    std::optional<std::chrono::nanoseconds> timeout = common::ParseDuration(*text);
    if (!timeout) {
      return UsageError(err, "",
                        "--timeout '" + *text + "' is not a duration (examples: 250ms, 5s, 1m)");
    }
    if (timeout->count() == 0) return UsageError(err, "", "--timeout must be more than 0");
    // Also keeps now() + timeout far from overflowing the clock.
    if (*timeout > kMaxTimeout) return UsageError(err, "", "--timeout must be at most 24h");
    call.timeout = *timeout;
  }
  call.wait_for_ready = global.options.Has("wait");

  const std::string& name = args[global.consumed];
  const CommandSpec* command = FindCommand(name);
  if (command == nullptr) return UsageError(err, "", "unknown command '" + name + "'");

  std::vector<std::string> rest(args.begin() + static_cast<std::ptrdiff_t>(global.consumed) + 1,
                                args.end());
  std::vector<OptionSpec> specs = command->options;
  specs.push_back(kHelpOption);
  ParseOutcome parsed = ParseOptions(rest, specs);
  if (!parsed.error.empty()) {
    for (const OptionSpec& spec : GlobalOptionSpecs()) {
      // e.g. `trigger ... --json`: a global option given after the command.
      if (parsed.error == "unknown option --" + std::string(spec.name)) {
        parsed.error += " (global options go before the command)";
      }
    }
    return UsageError(err, command->name, parsed.error);
  }
  if (parsed.options.Has("help")) {
    out << "Usage: " << kProgram << " [global options] " << CommandUsage(*command).substr(2);
    return kExitOk;
  }
  std::string incomplete = CheckComplete(parsed.options, command->options, command->positionals);
  if (!incomplete.empty()) return UsageError(err, command->name, incomplete);

  Invocation invocation{call, global.options.Has("json"), environment, out, err};
  return command->run(*command, parsed.options, invocation);
}

}  // namespace genauth::cli
