// genauth-grpc-floor: a trivial gRPC server with the sidecar's WebhookService, the floor that
// `make bench` compares the sidecar with (what the gRPC hop alone costs). Parses its flags (exit
// 2 on a bad one), serves until SIGTERM/SIGINT, then prints {"api":…,"calls":N} on stdout.
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "common/decimal.h"
#include "common/flag_reader.h"
#include "emulator/process_lifecycle.h"
#include "grpc_floor/floor_server.h"
#include "sidecar_version.h"

namespace {

using genauth::bench::FloorApi;
using genauth::bench::FloorOptions;

constexpr char kUsage[] = R"(Usage: genauth-grpc-floor [flags]
Serves genauth.management.v1.WebhookService and answers TriggerWebhook, GetWebhook and
ListWebhooks at once with a fixed reply, parsing nothing beyond what gRPC does.

  --api callback|cq        gRPC's callback API, as the sidecar (default), or the asynchronous
                           completion-queue API
  --threads N              cq only: completion queues, one thread each (1)
  --listen ADDRESS         host:port or unix:PATH (127.0.0.1:0)
  --port-file FILE         write the bound port here once serving
  --echo-bytes N           TriggerWebhook's reply echoes a payload of N bytes as the sidecar's
                           reply in `make bench` does (1024, genauth-loadgen's --payload-bytes;
                           0: {"received": true} only)
  --health-reflection on|off
                           also run gRPC's default health service and server reflection, as the
                           sidecar does (off)
  --help, --version        print this text, or the version, and exit
)";

// Flags: "--name value" or "--name=value"; returns "" or the first problem.
std::string ParseFlags(int argc, char** argv, FloorOptions* o, std::string* port_file, bool* help,
                       bool* version) {
  using genauth::common::ParseDecimalInteger;
  genauth::common::FlagReader flags(std::vector<std::string>(argv + 1, argv + argc));
  while (flags.Next()) {
    const std::string& name = flags.name();
    if (flags.HelpOrVersion(help, version)) return "";
    const std::optional<std::string>& value = flags.Value();
    if (!value) break;
    if (name == "--api" && (*value == "callback" || *value == "cq")) {
      o->api = *value == "cq" ? FloorApi::kCq : FloorApi::kCallback;
    } else if (auto n = ParseDecimalInteger(*value, 1, 64); name == "--threads" && n) {
      o->cq_threads = static_cast<int>(*n);
    } else if (name == "--listen" && !value->empty()) {
      o->listen_address = *value;
    } else if (name == "--port-file" && !value->empty()) {
      *port_file = *value;
    } else if (auto bytes = ParseDecimalInteger(*value, 0, 1 << 20);
               name == "--echo-bytes" && bytes) {
      o->echo_bytes = static_cast<size_t>(*bytes);
    } else if (name == "--health-reflection" && (*value == "on" || *value == "off")) {
      o->health_and_reflection = *value == "on";
    } else {
      flags.Fail("bad flag or value: " + name + " " + *value);
    }
  }
  return flags.error();
}

}  // namespace

int main(int argc, char** argv) {
  FloorOptions options;
  std::string port_file;
  bool help = false;
  bool version = false;
  if (const std::string error = ParseFlags(argc, argv, &options, &port_file, &help, &version);
      !error.empty()) {
    std::fprintf(stderr, "genauth-grpc-floor: %s (see --help)\n", error.c_str());
    return 2;
  }
  if (genauth::common::PrintVersionOrUsage(version, help,
                                           genauth::VersionLine("genauth-grpc-floor"), kUsage)) {
    return 0;
  }
  // Before gRPC starts its threads, so that they inherit the blocked mask.
  genauth::emulator::BlockTerminationSignals();
  std::string error;
  auto server = genauth::bench::StartFloorServer(options, &error);
  if (server == nullptr) {
    std::fprintf(stderr, "genauth-grpc-floor: %s\n", error.c_str());
    return 1;
  }
  if (!port_file.empty() && !genauth::emulator::WritePortFile(port_file, server->port())) {
    std::fprintf(stderr, "genauth-grpc-floor: cannot write --port-file %s\n", port_file.c_str());
    return 1;
  }
  const char* api = options.api == FloorApi::kCq ? "cq" : "callback";
  std::fprintf(stderr, "genauth-grpc-floor: %s API on port %d\n", api, server->port());
  genauth::emulator::WaitForTerminationSignal();
  server->Shutdown();
  std::printf("{\"api\":\"%s\",\"threads\":%d,\"calls\":%llu}\n", api,
              options.api == FloorApi::kCq ? options.cq_threads : 0,
              static_cast<unsigned long long>(server->calls()));
  return 0;
}
