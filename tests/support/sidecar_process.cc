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

#include "nlohmann/json.hpp"

namespace genauth::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

SidecarProcess::SidecarProcess(const std::vector<std::string>& env) {
  static int counter = 0;
  dir_ = fs::temp_directory_path() /
         ("sidecar-child-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
  fs::create_directories(dir_);
  const char* build_dir = std::getenv("SIDECAR_BUILD_DIR");
  const std::string binary =
      std::string(build_dir != nullptr ? build_dir : ".") + "/genauth-sidecar";
  const std::string out = (dir_ / "stdout").string();
  const std::string err = (dir_ / "stderr").string();
  // Under make test-asan / test-tsan the sidecar is instrumented too and gets the same options.
  std::vector<std::string> child_env = env;
  for (const char* name : {"ASAN_OPTIONS", "LSAN_OPTIONS", "UBSAN_OPTIONS", "TSAN_OPTIONS"}) {
    if (const char* value = std::getenv(name)) child_env.push_back(std::string(name) + "=" + value);
  }
  std::vector<char*> envp;
  envp.reserve(child_env.size() + 1);
  for (auto& e : child_env) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_ = fork();
  if (pid_ == 0) {
    const int out_fd = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int err_fd = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(out_fd, 1);
    dup2(err_fd, 2);
    char* argv[] = {const_cast<char*>(binary.c_str()), nullptr};
    execve(binary.c_str(), argv, envp.data());
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

int SidecarProcess::AwaitStartedField(const std::string& field, milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    std::istringstream lines(Stdout());
    for (std::string line; std::getline(lines, line);) {
      auto json = nlohmann::json::parse(line, nullptr, false);
      if (!json.is_discarded() && json.value("msg", "") == "sidecar started") {
        return json.value(field, -1);
      }
    }
    if (WaitExit(milliseconds(0)) != -1) return -1;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return -1;
}

int SidecarProcess::Terminate(milliseconds timeout) {
  if (!exited_) kill(pid_, SIGTERM);
  return WaitExit(timeout);
}

int SidecarProcess::WaitExit(milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  do {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      exited_ = true;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(milliseconds(5));
  } while (std::chrono::steady_clock::now() < until);
  return -1;
}

std::string SidecarProcess::Stdout() const { return ReadFile(dir_ / "stdout"); }
std::string SidecarProcess::Stderr() const { return ReadFile(dir_ / "stderr"); }

}  // namespace genauth::testing
