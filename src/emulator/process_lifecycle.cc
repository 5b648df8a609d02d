// Signal handling with sigwait (no async-signal-safety concerns), the flag outcome, port files.
#include "emulator/process_lifecycle.h"

#include <pthread.h>
#include <signal.h>

#include <csignal>
#include <cstdio>

#include "common/atomic_file.h"
#include "common/flag_reader.h"

namespace genauth::emulator {
namespace {

sigset_t TerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

}  // namespace

void BlockTerminationSignals() {
  std::signal(SIGPIPE, SIG_IGN);
  sigset_t set = TerminationSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int WaitForTerminationSignal() {
  sigset_t set = TerminationSignals();
  int signal_number = 0;
  while (sigwait(&set, &signal_number) != 0) {
  }
  return signal_number;
}

std::optional<int> ExitForFlags(const char* program, const std::string& version_line,
                                const char* usage, bool help, bool version,
                                const std::string& error) {
  if (common::PrintVersionOrUsage(version, help, version_line, usage)) return 0;
  if (!error.empty()) {
    std::fprintf(stderr, "%s: %s\n\n%s", program, error.c_str(), usage);
    return 64;  // EX_USAGE
  }
  return std::nullopt;
}

bool WritePortFile(const std::string& path, int port) {
  return common::WriteFileAtomically(path, std::to_string(port) + "\n", "the port file").empty();
}

}  // namespace genauth::emulator
