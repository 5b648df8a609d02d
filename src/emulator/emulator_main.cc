// genauth-emulator: the GenAuth emulator as a process, for the demo, scripts and benchmarks.
// Parses flags (exit 64 on any invalid one), seeds webhooks, serves until SIGTERM/SIGINT.
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "common/flag_reader.h"
#include "emulator/emulator.h"
#include "emulator/json_fields.h"
#include "emulator/process_lifecycle.h"
#include "sidecar_version.h"

namespace {

namespace emu = genauth::emulator;

constexpr int kExitUsage = 64;     // EX_USAGE
constexpr int kExitCantStart = 1;  // could not bind, or TLS files unusable

constexpr char kUsage[] = R"(Usage: genauth-emulator [flags]
Emulates the GenAuth Management API V3 endpoints the sidecar uses (token, the eight webhook
endpoints, token or AK/SK signature authentication), with scripted faults.

  --host HOST                 address to bind (default 127.0.0.1)
  --port N                    port to bind; 0 = any free port (default 0)
  --port-file PATH            write the bound port and a newline here once serving
  --access-key-id ID          accepted accessKeyId (default test-key-id)
  --access-key-secret SECRET  accepted accessKeySecret (default test-key-secret)
  --userpool-id ID            user pool id: token claim and required header
                              (default test-userpool)
  --token-expires-in SECONDS  token lifetime and expires_in (default 7200)
  --webhooks FILE             JSON array of Webhook DTOs to seed
  --webhook ID=URL            seed a webhook (repeatable; contentType application/json,
                              events ["test"], enabled true)
  --tls-cert FILE, --tls-key FILE   serve HTTPS with this certificate and key (PEM)
  --latency-ms N              added to every reply except the /_emulator/ control endpoints
  --threads N                 serving threads (default 32)
  --keep-alive-max-requests N requests per keep-alive connection before it is closed
                              (default 5, httplib's; nginx allows 1000)
  --max-records N             recorded requests kept in memory; 0 = all (default 100000)
  --max-webhook-logs N        webhook logs kept per webhook; 0 = all (default 1000)
  --legacy-delete-reply       delete-webhook answers without data, like older servers
  --verbose                   log one line per request (method, path, status) to stderr
  --help                      this text
  --version                   print the version and exit

Control endpoints (not recorded): POST|GET /_emulator/faults, POST /_emulator/chaos (random
faults: {"probability": 0.05, "faults": [...], "paths": [...]}),
GET /_emulator/requests?path=[&brief=1] (brief: path, body and fault only),
POST /_emulator/revoke-tokens, POST /_emulator/webhooks, POST /_emulator/reset,
GET /_emulator/stats.
)";

struct Flags {
  emu::EmulatorOptions options;
  std::string port_file;
  std::string webhooks_file;
  std::vector<std::pair<std::string, std::string>> webhooks;  // id, url
  bool help = false;
  bool version = false;
};

// Parses argv into *flags; returns the first problem, or "" when all flags are valid.
std::string ParseFlags(const std::vector<std::string>& args, Flags* flags) {
  emu::EmulatorOptions& options = flags->options;
  options.max_recorded_requests = 100000;  // long benchmark runs must not grow without bound
  genauth::common::FlagReader reader(args);
  while (reader.Next()) {
    const std::string& name = reader.name();
    if (reader.HelpOrVersion(&flags->help, &flags->version)) continue;
    if (name == "--verbose") {
      if (reader.NoValue()) options.log_requests = true;
      continue;
    }
    if (name == "--legacy-delete-reply") {
      if (reader.NoValue()) options.legacy_delete_reply = true;
      continue;
    }
    const std::optional<std::string>& value = reader.Value();
    if (!value) break;
    if (name == "--host") {
      options.bind_host = *value;
    } else if (name == "--port") {
      if (auto n = reader.Integer(0, 65535)) options.port = static_cast<int>(*n);
    } else if (name == "--port-file") {
      flags->port_file = *value;
    } else if (name == "--access-key-id") {
      options.access_key_id = *value;
    } else if (name == "--access-key-secret") {
      options.access_key_secret = *value;
    } else if (name == "--userpool-id") {
      options.userpool_id = *value;
    } else if (name == "--token-expires-in") {
      if (auto n = reader.Integer(0, 10LL * 365 * 24 * 3600)) {
        options.token_expires_in_s = static_cast<int>(*n);
      }
    } else if (name == "--webhooks") {
      flags->webhooks_file = *value;
    } else if (name == "--webhook") {
      size_t eq = value->find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == value->size()) {
        reader.Fail("--webhook must be ID=URL");
      } else {
        flags->webhooks.emplace_back(value->substr(0, eq), value->substr(eq + 1));
      }
    } else if (name == "--tls-cert") {
      options.tls_cert_file = *value;
    } else if (name == "--tls-key") {
      options.tls_key_file = *value;
    } else if (name == "--latency-ms") {
      if (auto n = reader.Integer(0, 3600 * 1000)) options.latency = std::chrono::milliseconds(*n);
    } else if (name == "--threads") {
      if (auto n = reader.Integer(1, 4096)) options.worker_threads = static_cast<int>(*n);
    } else if (name == "--keep-alive-max-requests") {
      if (auto n = reader.Integer(1, 1000000)) {
        options.keep_alive_max_requests = static_cast<size_t>(*n);
      }
    } else if (name == "--max-records") {
      if (auto n = reader.Integer(0, 100000000)) {
        options.max_recorded_requests = static_cast<size_t>(*n);
      }
    } else if (name == "--max-webhook-logs") {
      if (auto n = reader.Integer(0, 100000000)) options.max_webhook_logs = static_cast<size_t>(*n);
    } else {
      reader.Fail("unknown flag " + name);
    }
  }
  if (!reader.error().empty()) return reader.error();
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return "--tls-cert and --tls-key go together";
  }
  if (options.access_key_id.empty() || options.access_key_secret.empty() ||
      options.userpool_id.empty()) {
    return "--access-key-id, --access-key-secret and --userpool-id must not be empty";
  }
  return "";
}

// Seeds the webhooks named by --webhooks and --webhook; returns the first problem or "".
std::string SeedWebhooks(const Flags& flags, emu::Emulator* emulator) {
  if (!flags.webhooks_file.empty()) {
    std::ifstream in(flags.webhooks_file);
    if (!in) return "cannot read --webhooks file " + flags.webhooks_file;
    std::stringstream text;
    text << in.rdbuf();
    nlohmann::json list = emu::ParseJson(text.str());
    if (!list.is_array()) return "--webhooks file must hold a JSON array of webhooks";
    for (size_t i = 0; i < list.size(); ++i) {
      if (emulator->AddWebhook(list[i]).is_null()) {
        return "--webhooks entry " + std::to_string(i) + " is not a valid webhook";
      }
    }
  }
  for (const auto& [id, url] : flags.webhooks) {
    emulator->AddWebhook({{"webhookId", id},
                          {"name", id},
                          {"url", url},
                          {"contentType", "application/json"},
                          {"events", {"test"}},
                          {"enabled", true}});
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  emu::BlockTerminationSignals();
  Flags flags;
  std::string error = ParseFlags(std::vector<std::string>(argv + 1, argv + argc), &flags);
  if (std::optional<int> exit_code =
          emu::ExitForFlags("genauth-emulator", genauth::VersionLine("genauth-emulator"), kUsage,
                            flags.help, flags.version, error)) {
    return *exit_code;
  }

  emu::Emulator emulator(flags.options);
  if (error = SeedWebhooks(flags, &emulator); !error.empty()) {
    std::fprintf(stderr, "genauth-emulator: %s\n", error.c_str());
    return kExitUsage;
  }
  if (!emulator.Start()) {
    std::fprintf(stderr, "genauth-emulator: cannot serve on %s:%d (port in use or bad TLS files)\n",
                 flags.options.bind_host.c_str(), flags.options.port);
    return kExitCantStart;
  }
  if (!flags.port_file.empty() && !emu::WritePortFile(flags.port_file, emulator.port())) {
    std::fprintf(stderr, "genauth-emulator: cannot write --port-file %s\n",
                 flags.port_file.c_str());
    return kExitCantStart;
  }
  std::fprintf(stderr, "genauth-emulator: serving %s (user pool %s)\n", emulator.base_url().c_str(),
               flags.options.userpool_id.c_str());

  int signal_number = emu::WaitForTerminationSignal();
  std::fprintf(stderr, "genauth-emulator: signal %d, stopping\n", signal_number);
  emulator.Stop();
  return 0;
}
