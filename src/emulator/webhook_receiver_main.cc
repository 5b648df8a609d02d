// webhook-receiver: a tiny webhook endpoint for the demo and end-to-end tests. Accepts POST on any
// path, prints one JSON line per webhook to stdout ({path, headers, body}), and answers 200 with
// {"received": true, "echo": <the body, parsed when JSON>}.
#include <httplib.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "common/ascii_case.h"
#include "common/flag_reader.h"
#include "emulator/json_fields.h"
#include "emulator/process_lifecycle.h"
#include "sidecar_version.h"

namespace {

namespace emu = genauth::emulator;

constexpr int kExitUsage = 64;     // EX_USAGE
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
    if (name == "--help" || name == "-h") {
      flags->help = true;
      continue;
    }
    if (name == "--version") {
      flags->version = true;
      continue;
    }
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
  if (flags.version) {
    std::fputs(genauth::VersionLine("webhook-receiver").c_str(), stdout);
    return 0;
  }
  if (flags.help) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (!error.empty()) {
    std::fprintf(stderr, "webhook-receiver: %s\n\n%s", error.c_str(), kUsage);
    return kExitUsage;
  }

  std::unique_ptr<httplib::Server> server;
  if (!flags.tls_cert.empty()) {
    server = std::make_unique<httplib::SSLServer>(flags.tls_cert.c_str(), flags.tls_key.c_str());
  } else {
    server = std::make_unique<httplib::Server>();
  }
  if (!server->is_valid()) {
    std::fprintf(stderr, "webhook-receiver: cannot load the TLS certificate or key\n");
    return kExitCantStart;
  }

  server->set_tcp_nodelay(true);  // no Nagle delay between headers and body
  // The emulator opens a connection per delivery. httplib listens with a backlog of 5, so a few
  // hundred deliveries a second overflow it and each dropped SYN costs a 1 s retransmission:
  // the listening socket is kept here and its backlog raised once bound (listen() again does that).
  int listening_socket = -1;
  server->set_socket_options([&listening_socket](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    setsockopt(sock, SOL_SOCKET, SO_REUSEPORT, &yes, sizeof(yes));  // httplib's default, kept
    listening_socket = sock;
  });
  std::mutex stdout_mu;  // one whole line per webhook, even when they arrive concurrently
  const int status = flags.status;
  server->Post(".*", [&stdout_mu, status](const httplib::Request& req, httplib::Response& res) {
    nlohmann::json headers = nlohmann::json::object();
    for (const auto& [name, value] : req.headers) {
      // httplib's pseudo headers describe the connection, not the webhook.
      if (name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" ||
          name == "LOCAL_PORT") {
        continue;
      }
      headers[genauth::common::AsciiLower(name)] = value;
    }
    nlohmann::json body = emu::ParseJson(req.body);
    if (body.is_discarded()) body = req.body;
    const std::string line =
        emu::ToJsonText({{"path", req.path}, {"headers", headers}, {"body", body}});
    {
      std::lock_guard<std::mutex> lock(stdout_mu);
      std::fprintf(stdout, "%s\n", line.c_str());
      std::fflush(stdout);
    }
    res.status = status;
    res.set_content(emu::ToJsonText({{"received", true}, {"echo", body}}), "application/json");
  });

  int port = flags.port;
  if (port == 0) {
    port = server->bind_to_any_port(flags.host);
  } else if (!server->bind_to_port(flags.host, port)) {
    port = -1;
  }
  if (port <= 0) {
    std::fprintf(stderr, "webhook-receiver: cannot bind %s:%d\n", flags.host.c_str(), flags.port);
    return kExitCantStart;
  }
  if (listening_socket >= 0) listen(listening_socket, SOMAXCONN);
  std::atomic<bool> listen_returned{false};
  std::thread serving([&server, &listen_returned] {
    server->listen_after_bind();
    listen_returned = true;
  });
  while (!server->is_running() && !listen_returned) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (!server->is_running()) {
    serving.join();
    std::fprintf(stderr, "webhook-receiver: cannot serve on %s:%d\n", flags.host.c_str(), port);
    return kExitCantStart;
  }
  if (!flags.port_file.empty() && !emu::WritePortFile(flags.port_file, port)) {
    std::fprintf(stderr, "webhook-receiver: cannot write --port-file %s\n",
                 flags.port_file.c_str());
    server->stop();
    serving.join();
    return kExitCantStart;
  }
  std::fprintf(stderr, "webhook-receiver: serving %s://%s:%d\n",
               flags.tls_cert.empty() ? "http" : "https", flags.host.c_str(), port);

  emu::WaitForTerminationSignal();
  server->stop();
  serving.join();
  return 0;
}
