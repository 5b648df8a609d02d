// Process plumbing shared by the genauth-emulator and webhook-receiver binaries (and the benchmark
// servers): termination signals and the port file scripts wait for.
#pragma once

#include <optional>
#include <string>

namespace genauth::emulator {

// Blocks SIGTERM and SIGINT in the calling thread and every thread created after it, so that
// WaitForTerminationSignal() receives them synchronously; ignores SIGPIPE. Call first in main.
void BlockTerminationSignals();
// Waits until SIGTERM or SIGINT arrives; returns the signal number.
int WaitForTerminationSignal();

// What main does once its flags are parsed: with --version prints `version_line`, with --help
// `usage` (exit 0); on a bad flag prints "<program>: <error>" and the usage to stderr (exit 64,
// EX_USAGE). nullopt when the program should go on.
std::optional<int> ExitForFlags(const char* program, const std::string& version_line,
                                const char* usage, bool help, bool version,
                                const std::string& error);

// Writes "<port>\n" to `path` atomically (temporary file, then rename), so a script polling for
// the file never reads a partial port. False when it cannot be written.
bool WritePortFile(const std::string& path, int port);

}  // namespace genauth::emulator
