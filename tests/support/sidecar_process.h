// The genauth-sidecar binary ($SIDECAR_BUILD_DIR/genauth-sidecar) as a child process, for tests of
// what a deployment runs: environment replaced (plus the suite's sanitizer options), stdout and
// stderr captured in files, its bound ports read from the port file it writes once serving
// (SIDECAR_PORT_FILE: one in the process's own directory, unless `env` names another) — never
// from its log. The destructor kills it (bounded). One process per object; not thread-safe.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace genauth::testing {

class SidecarProcess {
 public:
  // Starts the binary with exactly `env` (NAME=value entries) and the arguments `args`.
  explicit SidecarProcess(const std::vector<std::string>& env,
                          const std::vector<std::string>& args = {});
  ~SidecarProcess();

  SidecarProcess(const SidecarProcess&) = delete;
  SidecarProcess& operator=(const SidecarProcess&) = delete;

  pid_t pid() const { return pid_; }
  const std::filesystem::path& port_file() const { return port_file_; }

  // Whether it serves within `timeout`: its port file exists (written whole once every listener
  // is bound). False when it exits first.
  bool AwaitServing(std::chrono::milliseconds timeout);
  // The port file's lines as name -> port ("grpc": TCP listeners only, "admin": when on); empty
  // before it serves and after it exits.
  std::map<std::string, int> Ports() const;
  // One of them; -1 when the file has no such line.
  int Port(const std::string& name) const;
  // AwaitServing, then Port(name); -1 when it does not serve in time.
  int AwaitPort(const std::string& name, std::chrono::milliseconds timeout);

  // Whether a log line with this msg appears on stdout within `timeout`.
  bool AwaitLogLine(const std::string& msg, std::chrono::milliseconds timeout);

  void Signal(int signal_number);
  // The exit status (128 + signal when killed), or -1 if still running after `timeout` (polled;
  // once it has exited, the same status again at once).
  int Wait(std::chrono::milliseconds timeout);

  std::string Stdout() const;
  std::string Stderr() const;

 private:
  std::filesystem::path dir_;
  std::filesystem::path port_file_;
  pid_t pid_ = -1;
  bool exited_ = false;
  int exit_status_ = -1;  // once exited_
};

}  // namespace genauth::testing
