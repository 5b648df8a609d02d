// The genauth-sidecar binary ($SIDECAR_BUILD_DIR/genauth-sidecar) as a child process, for tests
// that attack what a deployment runs: environment replaced (plus the suite's sanitizer options),
// stdout and stderr captured in files, ports read from its "sidecar started" log line. The
// destructor kills it (bounded). One process per object; not thread-safe.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace genauth::testing {

class SidecarProcess {
 public:
  // Starts the binary with exactly `env` (NAME=value entries).
  explicit SidecarProcess(const std::vector<std::string>& env);
  ~SidecarProcess();

  SidecarProcess(const SidecarProcess&) = delete;
  SidecarProcess& operator=(const SidecarProcess&) = delete;

  pid_t pid() const { return pid_; }

  // A field of the "sidecar started" log line ("port", "adminPort"); -1 when the line does not
  // appear within `timeout` or the process exits first.
  int AwaitStartedField(const std::string& field, std::chrono::milliseconds timeout);

  // SIGTERM, then the exit status (128 + signal when killed) within `timeout`; -1 if still running.
  int Terminate(std::chrono::milliseconds timeout);

  std::string Stdout() const;
  std::string Stderr() const;

 private:
  int WaitExit(std::chrono::milliseconds timeout);

  std::filesystem::path dir_;
  pid_t pid_ = -1;
  bool exited_ = false;
};

}  // namespace genauth::testing
