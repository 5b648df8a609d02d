// genauth-sidecar: reads the configuration, starts the server, waits for SIGTERM/SIGINT, drains.
// Everything else lives in the layers; this file only starts things.
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <thread>
#include <utility>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "app/server_options.h"
#include "common/clock.h"
#include "common/core_dumps.h"
#include "common/port_file.h"
#include "common/random.h"
#include "common/secret_memory.h"
#include "config/config.h"
#include "observability/json_logger.h"
#include "server/sidecar_server.h"
#include "sidecar_version.h"

namespace {

// Overwrites the value of `name` in the process's initial environment block, where execve put it
// and where /proc/PID/environ reads it from, then drops the variable. The sidecar starts no child
// process and reads the variable only through the ConfigSource copy, so nothing needs it after
// parsing.
void WipeEnvironmentValue(char** envp, const std::string& name) {
  const std::string prefix = name + "=";
  for (char** entry = envp; entry != nullptr && *entry != nullptr; ++entry) {
    if (std::strncmp(*entry, prefix.c_str(), prefix.size()) == 0) {
      char* value = *entry + prefix.size();
      explicit_bzero(value, std::strlen(value));
    }
  }
  unsetenv(name.c_str());
}

}  // namespace

int main(int argc, char** argv, char** envp) {
  // First, before the secret is read: a crash from here on must not write it to a core file.
  const absl::Status no_core_dumps = genauth::common::DisableCoreDumps();

  genauth::config::ConfigSource source = genauth::config::ProcessConfigSource(argc, argv, envp);
  auto parsed = genauth::config::ParseConfig(source);
  genauth::config::WipeSecrets(source);
  WipeEnvironmentValue(envp, "GENAUTH_ACCESS_KEY_SECRET");
  if (parsed.version_requested) {
    std::cout << genauth::VersionLine("genauth-sidecar");
    return 0;
  }
  if (parsed.help_requested) {
    std::cout << genauth::config::Usage();
    return 0;
  }
  if (parsed.help_markdown_requested) {
    std::cout << genauth::config::ConfigurationReference();
    return 0;
  }
  if (!parsed.config) {
    std::cerr << "genauth-sidecar: invalid configuration (" << parsed.errors.size()
              << (parsed.errors.size() == 1 ? " problem" : " problems") << "):\n";
    for (const auto& error : parsed.errors) std::cerr << "  - " << error << "\n";
    std::cerr << "Run genauth-sidecar --help for every setting.\n";
    return genauth::config::kExitBadConfig;
  }
  const genauth::config::Config& config = *parsed.config;

  // Signals are taken synchronously by this thread; block them before any other thread starts so
  // that every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // A write to a connection the peer has closed must fail with EPIPE, not kill the process.
  signal(SIGPIPE, SIG_IGN);

  // Debian's abseil is built without NDEBUG, which leaves absl::Mutex's deadlock detector on: a
  // lock-order graph updated on every contended lock of gRPC's (~1 % of the sidecar's CPU under
  // load). It is a debugging aid for abseil's users; gRPC is not ours to debug here.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  auto logger = genauth::observability::JsonLogger::Stdout(
      genauth::observability::ParseLogLevel(config.log_level));
  if (!no_core_dumps.ok()) {
    // Not fatal: the sidecar works without it, and a seccomp profile may forbid prctl.
    logger->Warn("core dumps could not be turned off; a crash dump may hold the access key secret",
                 {{"error", std::string(no_core_dumps.message())}});
  }
  for (const std::string& warning : parsed.warnings) {
    logger->Warn("configuration warning", {{"warning", warning}});
  }
  genauth::common::SystemRandom random;
  genauth::server::SidecarServerOptions options = genauth::app::ServerOptionsFromConfig(config);
  // From here the server's Credentials hold the one copy of the secret.
  genauth::common::WipeString(parsed.config->access_key_secret);
  auto server = genauth::server::SidecarServer::Start(std::move(options), logger,
                                                      genauth::common::SystemClock::Get(), &random);
  if (!server.ok()) {
    logger->Error("sidecar failed to start", {{"error", std::string(server.status().message())}});
    return 1;
  }
  if (!config.port_file.empty()) {
    const absl::Status written = genauth::common::WritePortFile(
        config.port_file, {{"grpc", (*server)->port()}, {"admin", (*server)->admin_port()}});
    if (!written.ok()) {
      // Whoever asked for the file waits for it: failing is clearer than serving unseen.
      logger->Error("sidecar failed to start", {{"error", std::string(written.message())}});
      (*server)->Shutdown();
      logger->Flush();
      return 1;
    }
  }

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  logger->Info("signal received; draining",
               {{"signal", signal_number == SIGTERM ? "SIGTERM" : "SIGINT"}});
  // A second signal during the drain means "now".
  std::thread second_signal([&signals, logger] {
    int again = 0;
    if (sigwait(&signals, &again) == 0) {
      logger->Warn("second signal; exiting without draining");
      logger->Flush();
      std::_Exit(1);
    }
  });
  second_signal.detach();
  (*server)->Shutdown();
  if (!config.port_file.empty()) genauth::common::RemovePortFile(config.port_file);
  // The detached thread above still holds the logger, so its destructor would not write the last
  // lines ("sidecar stopped"): write them now.
  logger->Flush();
  return 0;
}
