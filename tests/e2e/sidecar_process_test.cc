// The genauth-sidecar binary as a process: configuration errors exit 64 before anything starts;
// a configured sidecar serves over TCP and a Unix socket (with the configured file mode, replacing
// only a stale socket), serves its admin endpoint, picks up a rotated secret file, logs JSON lines
// to stdout without secrets, and drains and exits 0 on SIGTERM.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

#include "emulator/emulator.h"
#include "genauth/management/v1/webhook.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "support/prometheus_text.h"
#include "support/webhook_receiver.h"

namespace genauth::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

constexpr char kSecret[] = "process-SECRET-never-printed-81d2";
constexpr char kTriggerPath[] = "/api/v3/trigger-webhook";

std::string SidecarBinary() {
  const char* dir = std::getenv("SIDECAR_BUILD_DIR");
  return std::string(dir != nullptr ? dir : ".") + "/genauth-sidecar";
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A child process with its environment replaced and stdout/stderr captured in files.
class Process {
 public:
  static constexpr int kNotStarted = -2;

  Process(const std::vector<std::string>& env, const std::vector<std::string>& args = {}) {
    dir_ = fs::temp_directory_path() /
           ("sidecar-proc-" + std::to_string(getpid()) + "-" + std::to_string(counter_++));
    fs::create_directories(dir_);
    std::string binary = SidecarBinary();
    std::string out = (dir_ / "stdout").string();
    std::string err = (dir_ / "stderr").string();
    // Under make test-asan / test-tsan the sidecar is instrumented too: it gets the suite's
    // sanitizer options and suppressions (tests/sanitizers/), which `env` would otherwise drop.
    std::vector<std::string> child_env = env;
    for (const char* name : {"ASAN_OPTIONS", "LSAN_OPTIONS", "UBSAN_OPTIONS", "TSAN_OPTIONS"}) {
      if (const char* value = std::getenv(name)) {
        child_env.push_back(std::string(name) + "=" + value);
      }
    }
    pid_ = fork();
    if (pid_ == 0) {
      int out_fd = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      int err_fd = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      dup2(out_fd, 1);
      dup2(err_fd, 2);
      std::vector<char*> argv{const_cast<char*>(binary.c_str())};
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      std::vector<char*> envp;
      for (const auto& e : child_env) envp.push_back(const_cast<char*>(e.c_str()));
      envp.push_back(nullptr);
      execve(binary.c_str(), argv.data(), envp.data());
      _exit(127);
    }
  }
  ~Process() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  // Exit status, or -1 if still running after `timeout` (bounded wait, polled).
  int Wait(milliseconds timeout) {
    auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(milliseconds(5));
    }
    return -1;
  }
  void Signal(int sig) { kill(pid_, sig); }
  std::string Stdout() const { return ReadFile(dir_ / "stdout"); }
  std::string Stderr() const { return ReadFile(dir_ / "stderr"); }

  // Whether a log line with this msg appears within `timeout`.
  bool AwaitLogLine(const std::string& msg, milliseconds timeout) {
    auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
      if (Stdout().find("\"msg\":\"" + msg + "\"") != std::string::npos) return true;
      std::this_thread::sleep_for(milliseconds(5));
    }
    return false;
  }

  // The port from the "sidecar started" log line (0 for a Unix socket), kNotStarted if the line
  // does not appear in time. `field` picks another port from that line (adminPort).
  int AwaitStartedPort(milliseconds timeout, const std::string& field = "port") {
    auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
      std::istringstream lines(Stdout());
      for (std::string line; std::getline(lines, line);) {
        auto json = nlohmann::json::parse(line, nullptr, false);
        if (!json.is_discarded() && json.value("msg", "") == "sidecar started") {
          return json.value(field, -1);
        }
      }
      if (Wait(milliseconds(0)) != -1) return kNotStarted;
      std::this_thread::sleep_for(milliseconds(10));
    }
    return kNotStarted;
  }

 private:
  static inline int counter_ = 0;
  fs::path dir_;
  pid_t pid_ = -1;
  bool exited_ = false;
};

class SidecarProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    emulator::EmulatorOptions options;
    options.access_key_id = "proc-key";
    options.access_key_secret = kSecret;
    emulator_ = std::make_unique<emulator::Emulator>(options);
    ASSERT_TRUE(emulator_->Start());
    emulator_->AddWebhook({{"webhookId", "wh-proc"},
                           {"url", receiver_.url()},
                           {"name", "p"},
                           {"contentType", "application/json"},
                           {"events", {"test"}},
                           {"enabled", true}});
  }

  std::vector<std::string> GoodEnv(const std::string& listen) {
    return {"GENAUTH_HOST=" + emulator_->base_url(), "GENAUTH_ACCESS_KEY_ID=proc-key",
            std::string("GENAUTH_ACCESS_KEY_SECRET=") + kSecret, "SIDECAR_GRPC_LISTEN=" + listen,
            "SIDECAR_LOG_LEVEL=debug", "SIDECAR_SHUTDOWN_GRACE=2s",
            // Not the default port: tests run in parallel.
            "SIDECAR_ADMIN_LISTEN=127.0.0.1:0"};
  }

  // A fresh directory for socket and secret files, removed by TearDown.
  fs::path TempDir() {
    fs::path dir = fs::temp_directory_path() /
                   ("sidecar-uds-" + std::to_string(getpid()) + "-" + std::to_string(dirs_.size()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    dirs_.push_back(dir);
    return dir;
  }
  void TearDown() override {
    std::error_code ignored;
    for (const auto& dir : dirs_) fs::remove_all(dir, ignored);
  }

  static grpc::Status Trigger(const std::string& target) {
    auto stub = genauth::management::v1::WebhookService::NewStub(
        grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + milliseconds(5000));
    genauth::management::v1::TriggerWebhookRequest request;
    request.set_webhook_id("wh-proc");
    genauth::management::v1::TriggerWebhookResponse response;
    return stub->TriggerWebhook(&context, request, &response);
  }

  WebhookReceiver receiver_;
  std::unique_ptr<emulator::Emulator> emulator_;
  std::vector<fs::path> dirs_;
};

// Leaves a socket file that nobody listens on, as a killed sidecar does.
void MakeStaleSocket(const std::string& path) {
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  ASSERT_LT(path.size(), sizeof(addr.sun_path));
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  close(fd);
  ASSERT_TRUE(fs::is_socket(path));
}

mode_t ModeOf(const std::string& path) {
  struct stat info {};
  EXPECT_EQ(stat(path.c_str(), &info), 0) << path;
  return info.st_mode & 07777;
}

TEST_F(SidecarProcessTest, BadConfigExits64ListingEveryProblem) {
  Process p({"GENAUTH_HOST=ftp://example.com", "SIDECAR_MAX_ATTEMPTS=zero",
             "SIDECAR_LOG_LEVEL=loud", "GENAUTH_ACCESS_KEY_ID=k",
             std::string("GENAUTH_ACCESS_KEY_SECRET=") + kSecret,
             "GENAUTH_ACCESS_KEY_SECRET_FILE=/nonexistent/secret"});
  EXPECT_EQ(p.Wait(milliseconds(5000)), 64);
  std::string err = p.Stderr();
  for (const char* name : {"GENAUTH_HOST", "SIDECAR_MAX_ATTEMPTS", "SIDECAR_LOG_LEVEL",
                           "GENAUTH_ACCESS_KEY_SECRET_FILE"}) {
    EXPECT_NE(err.find(name), std::string::npos) << name << " missing from:\n" << err;
  }
  EXPECT_NE(err.find("(4 problems)"), std::string::npos) << err;
  EXPECT_EQ(err.find(kSecret), std::string::npos);
  EXPECT_EQ(p.Stdout(), "");
}

TEST_F(SidecarProcessTest, ListenAddressInUseExitsWithAClearError) {
  // The emulator holds its port (without SO_REUSEPORT), so the sidecar cannot bind it.
  Process p(GoodEnv("127.0.0.1:" + std::to_string(emulator_->port())));
  EXPECT_EQ(p.Wait(milliseconds(10000)), 1);
  EXPECT_NE(p.Stdout().find("could not listen on 127.0.0.1:" + std::to_string(emulator_->port())),
            std::string::npos)
      << p.Stdout() << p.Stderr();
}

TEST_F(SidecarProcessTest, ServesLogsJsonAndDrainsOnSigterm) {
  Process p(GoodEnv("127.0.0.1:0"));
  int port = p.AwaitStartedPort(milliseconds(10000));
  ASSERT_GT(port, 0) << p.Stdout() << p.Stderr();
  grpc::Status status = Trigger("127.0.0.1:" + std::to_string(port));
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(receiver_.deliveries().size(), 1u);

  p.Signal(SIGTERM);
  EXPECT_EQ(p.Wait(milliseconds(5000)), 0);
  std::string out = p.Stdout();
  EXPECT_EQ(out.find(kSecret), std::string::npos);
  for (const auto& token : emulator_->IssuedTokens()) {
    EXPECT_EQ(out.find(token), std::string::npos);
  }
  bool saw_rpc = false;
  bool saw_stopped = false;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    auto json = nlohmann::json::parse(line, nullptr, false);
    ASSERT_FALSE(json.is_discarded()) << "not a JSON line: " << line;
    saw_rpc = saw_rpc ||
              (json["msg"] == "rpc" && json["grpcCode"] == "OK" && json["webhookId"] == "wh-proc");
    saw_stopped = saw_stopped || json["msg"] == "sidecar stopped";
  }
  EXPECT_TRUE(saw_rpc) << out;
  EXPECT_TRUE(saw_stopped) << out;
}

TEST_F(SidecarProcessTest, SigtermLetsAnInFlightCallFinish) {
  Process p(GoodEnv("127.0.0.1:0"));
  int port = p.AwaitStartedPort(milliseconds(10000));
  ASSERT_GT(port, 0) << p.Stdout() << p.Stderr();
  const std::string target = "127.0.0.1:" + std::to_string(port);
  ASSERT_TRUE(Trigger(target).ok());  // token cached
  emulator::Fault slow;
  slow.pass_through = true;
  slow.delay = milliseconds(800);
  emulator_->ScriptFaults(kTriggerPath, {slow});
  auto call = std::async(std::launch::async, [&target] { return Trigger(target); });
  for (int i = 0; i < 1000 && emulator_->CountRequests(kTriggerPath) < 2; ++i) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  ASSERT_EQ(emulator_->CountRequests(kTriggerPath), 2u);
  p.Signal(SIGTERM);  // while the slow call is in flight
  grpc::Status status = call.get();
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(receiver_.deliveries().size(), 2u);
  EXPECT_EQ(p.Wait(milliseconds(5000)), 0);
}

TEST_F(SidecarProcessTest, SecondSignalExitsAtOnce) {
  Process p(GoodEnv("127.0.0.1:0"));
  int port = p.AwaitStartedPort(milliseconds(10000));
  ASSERT_GT(port, 0) << p.Stdout() << p.Stderr();
  const std::string target = "127.0.0.1:" + std::to_string(port);
  ASSERT_TRUE(Trigger(target).ok());
  emulator::Fault slow;
  slow.pass_through = true;
  slow.delay = milliseconds(4000);
  emulator_->ScriptFaults(kTriggerPath, {slow});
  auto call = std::async(std::launch::async, [&target] { return Trigger(target); });
  for (int i = 0; i < 1000 && emulator_->CountRequests(kTriggerPath) < 2; ++i) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  p.Signal(SIGTERM);
  // Signals of one kind do not queue: send the second only once the first has been taken.
  ASSERT_TRUE(p.AwaitLogLine("sidecar draining", milliseconds(5000))) << p.Stdout();
  auto start = std::chrono::steady_clock::now();
  p.Signal(SIGTERM);
  EXPECT_EQ(p.Wait(milliseconds(1000)), 1);
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(1000));
  EXPECT_FALSE(call.get().ok());
}

TEST_F(SidecarProcessTest, ServesOnAUnixSocketWithTheSecretFromAFile) {
  fs::path dir = TempDir();
  std::ofstream(dir / "secret") << kSecret << "\n";
  std::string socket = (dir / "sidecar.sock").string();
  auto env = GoodEnv("unix:" + socket);
  env[2] = "GENAUTH_ACCESS_KEY_SECRET_FILE=" + (dir / "secret").string();
  Process p(env);
  ASSERT_NE(p.AwaitStartedPort(milliseconds(10000)), Process::kNotStarted) << p.Stderr();
  ASSERT_TRUE(fs::is_socket(socket));  // listening before "sidecar started" is logged
  EXPECT_EQ(ModeOf(socket), 0660u);    // the default mode
  grpc::Status status = Trigger("unix:" + socket);
  EXPECT_TRUE(status.ok()) << status.error_message() << "\n" << p.Stdout() << p.Stderr();
  p.Signal(SIGTERM);
  EXPECT_EQ(p.Wait(milliseconds(5000)), 0);
}

TEST_F(SidecarProcessTest, UnixSocketGetsTheConfiguredModeAndReplacesAStaleSocket) {
  fs::path dir = TempDir();
  std::string socket = (dir / "sidecar.sock").string();
  MakeStaleSocket(socket);
  auto env = GoodEnv("unix:" + socket);
  env.push_back("SIDECAR_GRPC_SOCKET_MODE=0600");
  Process p(env);
  ASSERT_NE(p.AwaitStartedPort(milliseconds(10000)), Process::kNotStarted)
      << p.Stdout() << p.Stderr();
  EXPECT_EQ(ModeOf(socket), 0600u);
  grpc::Status status = Trigger("unix:" + socket);
  EXPECT_TRUE(status.ok()) << status.error_message() << "\n" << p.Stdout() << p.Stderr();
  EXPECT_NE(p.Stdout().find("\"socketMode\":\"0600\""), std::string::npos) << p.Stdout();
  p.Signal(SIGTERM);
  EXPECT_EQ(p.Wait(milliseconds(5000)), 0);
}

TEST_F(SidecarProcessTest, ARegularFileAtTheSocketPathIsNeverDeleted) {
  fs::path dir = TempDir();
  std::string path = (dir / "important.txt").string();
  std::ofstream(path) << "keep me\n";
  Process p(GoodEnv("unix:" + path));
  EXPECT_EQ(p.Wait(milliseconds(10000)), 1);
  EXPECT_NE(p.Stdout().find("exists and is not a socket; refusing to replace it"),
            std::string::npos)
      << p.Stdout() << p.Stderr();
  EXPECT_EQ(ReadFile(path), "keep me\n");
}

TEST_F(SidecarProcessTest, ASocketModeThatIsNotOctalExits64) {
  auto env = GoodEnv("unix:/tmp/never-created.sock");
  env.push_back("SIDECAR_GRPC_SOCKET_MODE=rw-rw----");
  env.push_back("SIDECAR_ADMIN_LISTEN=localhost");
  Process p(env);
  EXPECT_EQ(p.Wait(milliseconds(5000)), 64);
  EXPECT_NE(p.Stderr().find("SIDECAR_GRPC_SOCKET_MODE"), std::string::npos) << p.Stderr();
  EXPECT_NE(p.Stderr().find("SIDECAR_ADMIN_LISTEN"), std::string::npos) << p.Stderr();
  EXPECT_FALSE(fs::exists("/tmp/never-created.sock"));
}

TEST_F(SidecarProcessTest, ServesTheAdminEndpoint) {
  Process p(GoodEnv("127.0.0.1:0"));
  int port = p.AwaitStartedPort(milliseconds(10000));
  ASSERT_GT(port, 0) << p.Stdout() << p.Stderr();
  int admin_port = p.AwaitStartedPort(milliseconds(1000), "adminPort");
  ASSERT_GT(admin_port, 0) << p.Stdout();
  ASSERT_TRUE(Trigger("127.0.0.1:" + std::to_string(port)).ok());

  httplib::Client admin("127.0.0.1", admin_port);
  admin.set_read_timeout(std::chrono::seconds(5));
  httplib::Result ready = admin.Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);
  httplib::Result metrics = admin.Get("/metrics");
  ASSERT_TRUE(metrics);
  std::string error;
  auto parsed = ParsePrometheusText(metrics->body, &error);
  ASSERT_TRUE(parsed) << error;
  EXPECT_EQ(
      parsed->Value("genauth_sidecar_calls_total", {{"rpc", "TriggerWebhook"}, {"code", "OK"}}),
      1.0);
  p.Signal(SIGTERM);
  EXPECT_EQ(p.Wait(milliseconds(5000)), 0);
}

TEST_F(SidecarProcessTest, AdminAddressInUseExitsWithAClearError) {
  auto env = GoodEnv("127.0.0.1:0");
  env.back() = "SIDECAR_ADMIN_LISTEN=127.0.0.1:" + std::to_string(emulator_->port());
  Process p(env);
  EXPECT_EQ(p.Wait(milliseconds(10000)), 1);
  EXPECT_NE(p.Stdout().find("could not listen on 127.0.0.1:" + std::to_string(emulator_->port()) +
                            " for the admin endpoint"),
            std::string::npos)
      << p.Stdout() << p.Stderr();
}

TEST_F(SidecarProcessTest, PicksUpARotatedSecretFile) {
  fs::path dir = TempDir();
  std::ofstream(dir / "secret") << kSecret << "\n";
  auto env = GoodEnv("127.0.0.1:0");
  env[2] = "GENAUTH_ACCESS_KEY_SECRET_FILE=" + (dir / "secret").string();
  env.push_back("SIDECAR_SECRET_POLL_INTERVAL=50ms");
  Process p(env);
  int port = p.AwaitStartedPort(milliseconds(10000));
  ASSERT_GT(port, 0) << p.Stdout() << p.Stderr();
  const std::string target = "127.0.0.1:" + std::to_string(port);
  ASSERT_TRUE(Trigger(target).ok());

  const std::string rotated = "process-ROTATED-secret-5c3a";
  emulator_->SetAccessKeySecret(rotated);
  {
    // Written whole then renamed into place, as any careful writer (and the kubelet) does.
    std::ofstream(dir / "secret.new") << rotated << "\n";
    fs::rename(dir / "secret.new", dir / "secret");
  }
  ASSERT_TRUE(p.AwaitLogLine("access key secret rotated", milliseconds(5000))) << p.Stdout();
  EXPECT_TRUE(Trigger(target).ok());
  auto token_requests = emulator_->Requests("/api/v3/get-management-token");
  ASSERT_EQ(token_requests.size(), 2u);
  EXPECT_NE(token_requests[1].body.find(rotated), std::string::npos);
  p.Signal(SIGTERM);
  EXPECT_EQ(p.Wait(milliseconds(5000)), 0);
  EXPECT_EQ(p.Stdout().find(rotated), std::string::npos);
  EXPECT_EQ(p.Stdout().find(kSecret), std::string::npos);
}

}  // namespace
}  // namespace genauth::testing
