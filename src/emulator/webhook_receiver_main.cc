// webhook-receiver: a tiny webhook endpoint for the demo and end-to-end tests. Accepts POST on any
// path, prints one JSON line per webhook to stdout ({path, headers, body}), and answers 200 with
// {"received": true, "echo": <the body, parsed when JSON>}.
#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/flag_reader.h"
#include "emulator/json_fields.h"
#include "emulator/process_lifecycle.h"
#include "emulator/webhook_receiver.h"
#include "sidecar_version.h"

namespace {

namespace emu = genauth::emulator;

constexpr int kExitCantStart = 1;  // could not bind, or TLS files unusable

constexpr char kUsage[] = R"(Usage: webhook-receiver [flags]
Accepts webhooks (POST on any path), prints each as a JSON line on stdout, answers 200.

  --host HOST        address to bind (default 127.0.0.1)
  --port N           port to bind; 0 = any free port (default 0)
  --port-file PATH   write the bound port and a newline here once serving
  --status N         HTTP status to answer with (default 200)
  --tls-cert FILE, --tls-key FILE   serve HTTPS with this certificate and key (PEM)
  --help             this text
  --version          print the version and exit
)";

struct Flags {
  std::string host = "127.0.0.1";
  int port = 0;
  int status = 200;
  std::string port_file, tls_cert, tls_key;
  bool help = false;
  bool version = false;
};

std::string ParseFlags(const std::vector<std::string>& args, Flags* flags) {
  genauth::common::FlagReader reader(args);
  while (reader.Next()) {
    const std::string& name = reader.name();
    if (reader.HelpOrVersion(&flags->help, &flags->version)) continue;
    const std::optional<std::string>& value = reader.Value();
    if (!value) break;
    if (name == "--host") {
      flags->host = *value;
    } else if (name == "--port") {
      if (auto port = reader.Integer(0, 65535)) flags->port = static_cast<int>(*port);
    } else if (name == "--status") {
      if (auto status = reader.Integer(200, 599)) flags->status = static_cast<int>(*status);
    } else if (name == "--port-file") {
      flags->port_file = *value;
    } else if (name == "--tls-cert") {
      flags->tls_cert = *value;
    } else if (name == "--tls-key") {
      flags->tls_key = *value;
    } else {
      reader.Fail("unknown flag " + name);
    }
  }
  if (!reader.error().empty()) return reader.error();
  if (flags->tls_cert.empty() != flags->tls_key.empty()) {
    return "--tls-cert and --tls-key go together";
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  emu::BlockTerminationSignals();
  Flags flags;
  std::string error = ParseFlags(std::vector<std::string>(argv + 1, argv + argc), &flags);
  if (std::optional<int> exit_code =
          emu::ExitForFlags("webhook-receiver", genauth::VersionLine("webhook-receiver"), kUsage,
                            flags.help, flags.version, error)) {
    return *exit_code;
  }

  std::mutex stdout_mu;  // one whole line per webhook, even when they arrive concurrently
  emu::WebhookReceiverOptions options;
  options.host = flags.host;
  options.port = flags.port;
  options.tls_cert_file = flags.tls_cert;
  options.tls_key_file = flags.tls_key;
  options.status = flags.status;
  options.on_received = [&stdout_mu](const emu::ReceivedWebhook& delivery) {
    nlohmann::json body = emu::ParseJson(delivery.body);
    if (body.is_discarded()) body = delivery.body;
    const std::string line =
        emu::ToJsonText({{"path", delivery.path}, {"headers", delivery.headers}, {"body", body}});
    std::lock_guard<std::mutex> lock(stdout_mu);
    std::fprintf(stdout, "%s\n", line.c_str());
    std::fflush(stdout);
  };
  emu::WebhookReceiver receiver(options);
  if (error = receiver.Start(); !error.empty()) {
    std::fprintf(stderr, "webhook-receiver: %s\n", error.c_str());
    return kExitCantStart;
  }
  if (!flags.port_file.empty() && !emu::WritePortFile(flags.port_file, receiver.port())) {
    std::fprintf(stderr, "webhook-receiver: cannot write --port-file %s\n",
                 flags.port_file.c_str());
    return kExitCantStart;
  }
  std::fprintf(stderr, "webhook-receiver: serving %s://%s:%d\n",
               flags.tls_cert.empty() ? "http" : "https", flags.host.c_str(), receiver.port());

  emu::WaitForTerminationSignal();
  receiver.Stop();
  return 0;
}
