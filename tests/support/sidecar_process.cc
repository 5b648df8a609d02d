// The sidecar binary as a child process (see sidecar_process.h).
#include "support/sidecar_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

namespace genauth::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

constexpr char kPortFileSetting[] = "SIDECAR_PORT_FILE=";

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

SidecarProcess::SidecarProcess(const std::vector<std::string>& env,
                               const std::vector<std::string>& args) {
  static int counter = 0;
  dir_ = fs::temp_directory_path() /
         ("sidecar-child-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
  fs::create_directories(dir_);
  const char* build_dir = std::getenv("SIDECAR_BUILD_DIR");
  const std::string binary =
      std::string(build_dir != nullptr ? build_dir : ".") + "/genauth-sidecar";
  const std::string out = (dir_ / "stdout").string();
  const std::string err = (dir_ / "stderr").string();
  std::vector<std::string> child_env = env;
  for (const std::string& setting : env) {
    if (setting.rfind(kPortFileSetting, 0) == 0) {
      port_file_ = setting.substr(sizeof(kPortFileSetting) - 1);
    }
  }
  if (port_file_.empty()) {
    port_file_ = dir_ / "ports";
    child_env.push_back(kPortFileSetting + port_file_.string());
  }
  // Under make test-asan / test-tsan the sidecar is instrumented too: it gets the suite's
  // sanitizer options and suppressions (tests/sanitizers/), which `env` would otherwise drop.
  for (const char* name : {"ASAN_OPTIONS", "LSAN_OPTIONS", "UBSAN_OPTIONS", "TSAN_OPTIONS"}) {
    if (const char* value = std::getenv(name)) child_env.push_back(std::string(name) + "=" + value);
  }
  std::vector<char*> envp;
  envp.reserve(child_env.size() + 1);
  for (auto& e : child_env) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_strings{binary};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  argv.reserve(argv_strings.size() + 1);
  for (auto& a : argv_strings) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_ = fork();
  if (pid_ == 0) {
    const int out_fd = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int err_fd = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(out_fd, 1);
    dup2(err_fd, 2);
    execve(binary.c_str(), argv.data(), envp.data());
    _exit(127);
  }
}

SidecarProcess::~SidecarProcess() {
  if (pid_ > 0 && !exited_) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  std::error_code ignored;
  fs::remove_all(dir_, ignored);
}

bool SidecarProcess::AwaitServing(milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (!fs::exists(port_file_)) {
    if (std::chrono::steady_clock::now() >= until || Wait(milliseconds(0)) != -1) return false;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return true;
}

std::map<std::string, int> SidecarProcess::Ports() const {
  std::map<std::string, int> ports;
  std::istringstream lines(ReadFile(port_file_));
  for (std::string line; std::getline(lines, line);) {
    const size_t equals = line.find('=');
    if (equals != std::string::npos)
      ports[line.substr(0, equals)] = std::stoi(line.substr(equals + 1));
  }
  return ports;
}

int SidecarProcess::Port(const std::string& name) const {
  const std::map<std::string, int> ports = Ports();
  const auto found = ports.find(name);
  return found != ports.end() ? found->second : -1;
}

int SidecarProcess::AwaitPort(const std::string& name, milliseconds timeout) {
  return AwaitServing(timeout) ? Port(name) : -1;
}

bool SidecarProcess::AwaitLogLine(const std::string& msg, milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (Stdout().find("\"msg\":\"" + msg + "\"") != std::string::npos) return true;
    std::this_thread::sleep_for(milliseconds(5));
  }
  return false;
}

void SidecarProcess::Signal(int signal_number) {
  if (!exited_) kill(pid_, signal_number);
}

int SidecarProcess::Wait(milliseconds timeout) {
  if (exited_) return exit_status_;
  const auto until = std::chrono::steady_clock::now() + timeout;
  do {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      exited_ = true;
      exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return exit_status_;
    }
    std::this_thread::sleep_for(milliseconds(5));
  } while (std::chrono::steady_clock::now() < until);
  return -1;
}

std::string SidecarProcess::Stdout() const { return ReadFile(dir_ / "stdout"); }
std::string SidecarProcess::Stderr() const { return ReadFile(dir_ / "stderr"); }

}  // namespace genauth::testing
