// The genauth-sidecar binary as a process: configuration errors exit 64 before anything starts;
// a configured sidecar serves over TCP and a Unix socket (with the configured file mode, replacing
// only a stale socket), serves its admin endpoint, picks up a rotated secret file, logs JSON lines
// to stdout without secrets, and drains and exits 0 on SIGTERM. Attacked as a neighbour would:
// no second socket can share its gRPC port (SO_REUSEPORT), its unix socket never exists with a
// looser mode than configured and a live one is never replaced, its core dumps are off and its
// environment no longer holds the secret.
#include "support/sidecar_process.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <sstream>
#include <thread>

#include "emulator/emulator.h"
#include "genauth/management/v1/webhook.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "sidecar_version.h"
#include "support/prometheus_text.h"
#include "support/webhook_receiver.h"

namespace genauth::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

constexpr char kSecret[] = "process-SECRET-never-printed-81d2";
constexpr char kTriggerPath[] = "/api/v3/trigger-webhook";

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The one line with this msg, parsed; null when there is none.
nlohmann::json LogLine(const std::string& out, const std::string& msg) {
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    auto json = nlohmann::json::parse(line, nullptr, false);
    if (!json.is_discarded() && json.value("msg", "") == msg) return json;
  }
  return nullptr;
}

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
  SidecarProcess p({"GENAUTH_HOST=ftp://example.com", "SIDECAR_MAX_ATTEMPTS=zero",
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
  SidecarProcess p(GoodEnv("127.0.0.1:" + std::to_string(emulator_->port())));
  EXPECT_EQ(p.Wait(milliseconds(10000)), 1);
  EXPECT_NE(p.Stdout().find("could not listen on 127.0.0.1:" + std::to_string(emulator_->port())),
            std::string::npos)
      << p.Stdout() << p.Stderr();
}

TEST_F(SidecarProcessTest, ServesLogsJsonAndDrainsOnSigterm) {
  SidecarProcess p(GoodEnv("127.0.0.1:0"));
  int port = p.AwaitPort("grpc", milliseconds(10000));
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
  SidecarProcess p(GoodEnv("127.0.0.1:0"));
  int port = p.AwaitPort("grpc", milliseconds(10000));
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
  SidecarProcess p(GoodEnv("127.0.0.1:0"));
  int port = p.AwaitPort("grpc", milliseconds(10000));
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
  SidecarProcess p(env);
  ASSERT_TRUE(p.AwaitServing(milliseconds(10000))) << p.Stderr();
  ASSERT_TRUE(fs::is_socket(socket));  // listening before the port file is written
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
  SidecarProcess p(env);
  ASSERT_TRUE(p.AwaitServing(milliseconds(10000))) << p.Stdout() << p.Stderr();
  EXPECT_EQ(ModeOf(socket), 0600u);
  grpc::Status status = Trigger("unix:" + socket);
  EXPECT_TRUE(status.ok()) << status.error_message() << "\n" << p.Stdout() << p.Stderr();
  ASSERT_TRUE(p.AwaitLogLine("sidecar started", milliseconds(5000))) << p.Stdout();
  EXPECT_NE(p.Stdout().find("\"socketMode\":\"0600\""), std::string::npos) << p.Stdout();
  p.Signal(SIGTERM);
  EXPECT_EQ(p.Wait(milliseconds(5000)), 0);
}

TEST_F(SidecarProcessTest, ARegularFileAtTheSocketPathIsNeverDeleted) {
  fs::path dir = TempDir();
  std::string path = (dir / "important.txt").string();
  std::ofstream(path) << "keep me\n";
  SidecarProcess p(GoodEnv("unix:" + path));
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
  SidecarProcess p(env);
  EXPECT_EQ(p.Wait(milliseconds(5000)), 64);
  EXPECT_NE(p.Stderr().find("SIDECAR_GRPC_SOCKET_MODE"), std::string::npos) << p.Stderr();
  EXPECT_NE(p.Stderr().find("SIDECAR_ADMIN_LISTEN"), std::string::npos) << p.Stderr();
  EXPECT_FALSE(fs::exists("/tmp/never-created.sock"));
}

TEST_F(SidecarProcessTest, ServesTheAdminEndpoint) {
  SidecarProcess p(GoodEnv("127.0.0.1:0"));
  int port = p.AwaitPort("grpc", milliseconds(10000));
  ASSERT_GT(port, 0) << p.Stdout() << p.Stderr();
  int admin_port = p.Port("admin");
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

TEST_F(SidecarProcessTest, WritesItsBoundPortsToThePortFileAndRemovesItOnExit) {
  const fs::path port_file = TempDir() / "sidecar.ports";
  auto env = GoodEnv("127.0.0.1:0");
  env.push_back("SIDECAR_PORT_FILE=" + port_file.string());
  SidecarProcess p(env);
  ASSERT_EQ(p.port_file(), port_file);
  ASSERT_TRUE(p.AwaitServing(milliseconds(10000))) << p.Stdout() << p.Stderr();
  const std::map<std::string, int> ports = p.Ports();
  ASSERT_EQ(ports.size(), 2u) << ReadFile(port_file) << p.Stdout() << p.Stderr();
  // The started line names the same ports.
  ASSERT_TRUE(p.AwaitLogLine("sidecar started", milliseconds(1000))) << p.Stdout();
  const nlohmann::json started = LogLine(p.Stdout(), "sidecar started");
  EXPECT_EQ(ports.at("grpc"), started.value("port", -1));
  EXPECT_EQ(ports.at("admin"), started.value("adminPort", -1));
  EXPECT_TRUE(Trigger("127.0.0.1:" + std::to_string(ports.at("grpc"))).ok());
  httplib::Client admin("127.0.0.1", ports.at("admin"));
  admin.set_read_timeout(std::chrono::seconds(5));
  httplib::Result healthz = admin.Get("/healthz");
  ASSERT_TRUE(healthz);
  EXPECT_EQ(healthz->status, 200);
  EXPECT_FALSE(fs::exists(port_file.string() + ".tmp"));

  p.Signal(SIGTERM);
  EXPECT_EQ(p.Wait(milliseconds(5000)), 0);
  EXPECT_FALSE(fs::exists(port_file)) << "a stale port file would name ports of a gone process";
}

TEST_F(SidecarProcessTest, APortFileForAUnixSocketNamesOnlyTheAdminPort) {
  const fs::path dir = TempDir();
  auto env = GoodEnv("unix:" + (dir / "sidecar.sock").string());
  env.push_back("SIDECAR_PORT_FILE=" + (dir / "ports").string());
  SidecarProcess p(env);
  ASSERT_TRUE(p.AwaitServing(milliseconds(10000))) << p.Stdout() << p.Stderr();
  const std::map<std::string, int> ports = p.Ports();
  EXPECT_EQ(ports.count("grpc"), 0u) << ReadFile(dir / "ports");
  EXPECT_GT(ports.count("admin") != 0 ? ports.at("admin") : 0, 0) << ReadFile(dir / "ports");
  // The started line has no port either (gRPC reports 1 for a unix socket; it is not one).
  ASSERT_TRUE(p.AwaitLogLine("sidecar started", milliseconds(1000))) << p.Stdout();
  EXPECT_EQ(LogLine(p.Stdout(), "sidecar started").value("port", -1), -1) << p.Stdout();
  p.Signal(SIGTERM);
  EXPECT_EQ(p.Wait(milliseconds(5000)), 0);
}

TEST_F(SidecarProcessTest, APortFileThatCannotBeWrittenExits1NamingIt) {
  auto env = GoodEnv("127.0.0.1:0");
  env.push_back("SIDECAR_PORT_FILE=/nonexistent-dir/sidecar.ports");
  SidecarProcess p(env);
  EXPECT_EQ(p.Wait(milliseconds(10000)), 1) << p.Stdout() << p.Stderr();
  EXPECT_NE(p.Stdout().find("cannot write the port file /nonexistent-dir/sidecar.ports.tmp"),
            std::string::npos)
      << p.Stdout();
}

TEST_F(SidecarProcessTest, AdminAddressInUseExitsWithAClearError) {
  auto env = GoodEnv("127.0.0.1:0");
  env.back() = "SIDECAR_ADMIN_LISTEN=127.0.0.1:" + std::to_string(emulator_->port());
  SidecarProcess p(env);
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
  SidecarProcess p(env);
  int port = p.AwaitPort("grpc", milliseconds(10000));
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

// --- Listeners --------------------------------------------------------------------------------

// A TCP socket with SO_REUSEPORT bound to 127.0.0.1:port: 0 on success, otherwise errno. Kept
// open in `*fd` on success.
int BindWithReusePort(int port, int* fd) {
  *fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int yes = 1;
  setsockopt(*fd, SOL_SOCKET, SO_REUSEPORT, &yes, sizeof(yes));
  setsockopt(*fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(*fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    const int error = errno;
    close(*fd);
    *fd = -1;
    return error;
  }
  return 0;
}

int BoundPort(int fd) {
  sockaddr_in addr{};
  socklen_t length = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length);
  return ntohs(addr.sin_port);
}

TEST_F(SidecarProcessTest, NoOtherSocketCanShareTheGrpcPortWithReusePort) {
  // The attack works on this kernel: two SO_REUSEPORT sockets of one user share a port.
  int first = -1;
  int second = -1;
  ASSERT_EQ(BindWithReusePort(0, &first), 0);
  ASSERT_EQ(BindWithReusePort(BoundPort(first), &second), 0) << "SO_REUSEPORT not supported?";
  close(first);
  close(second);

  SidecarProcess p(GoodEnv("127.0.0.1:0"));
  const int port = p.AwaitPort("grpc", milliseconds(10000));
  ASSERT_GT(port, 0) << p.Stdout() << p.Stderr();
  int thief = -1;
  EXPECT_EQ(BindWithReusePort(port, &thief), EADDRINUSE);
  if (thief >= 0) close(thief);
  EXPECT_TRUE(Trigger("127.0.0.1:" + std::to_string(port)).ok());  // every call still arrives
  p.Signal(SIGTERM);
  EXPECT_EQ(p.Wait(milliseconds(5000)), 0);
}

// Records what happens to `name` in `dir` from now on: its mode when created (read at once) and
// whether its attributes (mode) ever change.
class SocketFileWatch {
 public:
  SocketFileWatch(const fs::path& dir, std::string name) : name_(std::move(name)), dir_(dir) {
    fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    EXPECT_GE(inotify_add_watch(fd_, dir.c_str(), IN_CREATE | IN_ATTRIB), 0);
  }
  ~SocketFileWatch() { close(fd_); }
  SocketFileWatch(const SocketFileWatch&) = delete;
  SocketFileWatch& operator=(const SocketFileWatch&) = delete;

  // Reads the events queued so far.
  void Drain() {
    alignas(inotify_event) char buffer[4096];
    for (;;) {
      const ssize_t n = read(fd_, buffer, sizeof(buffer));
      if (n <= 0) return;
      for (ssize_t at = 0; at < n;) {
        const auto* event = reinterpret_cast<const inotify_event*>(buffer + at);
        at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
        if (event->len == 0 || name_ != event->name) continue;
        if ((event->mask & IN_CREATE) != 0) {
          created_ = true;
          struct stat info {};
          if (stat((dir_ / name_).c_str(), &info) == 0) modes_seen_.push_back(info.st_mode & 07777);
        }
        if ((event->mask & IN_ATTRIB) != 0) ++attribute_changes_;
      }
    }
  }

  bool created() const { return created_; }
  int attribute_changes() const { return attribute_changes_; }
  const std::vector<mode_t>& modes_seen() const { return modes_seen_; }

 private:
  std::string name_;
  fs::path dir_;
  int fd_ = -1;
  bool created_ = false;
  int attribute_changes_ = 0;
  std::vector<mode_t> modes_seen_;
};

TEST_F(SidecarProcessTest, TheUnixSocketIsCreatedWithItsFinalModeWhateverTheUmask) {
  fs::path dir = TempDir();
  const std::string socket = (dir / "sidecar.sock").string();
  SocketFileWatch watch(dir, "sidecar.sock");
  auto env = GoodEnv("unix:" + socket);
  env.push_back("SIDECAR_GRPC_SOCKET_MODE=0600");
  // The child inherits the most permissive umask: a socket created with the umask's mode and
  // chmod-ed afterwards would exist as 0777 for a moment (an inotify IN_ATTRIB would show the
  // chmod, whatever the timing).
  const mode_t previous = umask(0);
  SidecarProcess p(env);
  umask(previous);
  ASSERT_TRUE(p.AwaitServing(milliseconds(10000))) << p.Stdout() << p.Stderr();
  watch.Drain();
  EXPECT_TRUE(watch.created());
  EXPECT_EQ(watch.modes_seen(), std::vector<mode_t>{0600});
  EXPECT_EQ(watch.attribute_changes(), 0) << "the socket's mode was changed after it was created";
  EXPECT_EQ(ModeOf(socket), 0600u);
  EXPECT_TRUE(Trigger("unix:" + socket).ok());
  p.Signal(SIGTERM);
  EXPECT_EQ(p.Wait(milliseconds(5000)), 0);
}

// A unix socket some other process serves on at `path`: listening, accepting nothing.
class ForeignListener {
 public:
  explicit ForeignListener(const std::string& path) {
    fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    listening_ =
        bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 && listen(fd_, 16) == 0;
  }
  ~ForeignListener() { close(fd_); }
  ForeignListener(const ForeignListener&) = delete;
  ForeignListener& operator=(const ForeignListener&) = delete;
  bool listening() const { return listening_; }

 private:
  int fd_ = -1;
  bool listening_ = false;
};

ino_t InodeOf(const std::string& path) {
  struct stat info {};
  EXPECT_EQ(lstat(path.c_str(), &info), 0) << path;
  return info.st_ino;
}

TEST_F(SidecarProcessTest, ASocketAnotherProcessServesOnIsNeverReplaced) {
  fs::path dir = TempDir();
  const std::string socket = (dir / "sidecar.sock").string();
  ForeignListener owner(socket);
  ASSERT_TRUE(owner.listening());
  const ino_t inode = InodeOf(socket);
  SidecarProcess p(GoodEnv("unix:" + socket));
  EXPECT_EQ(p.Wait(milliseconds(10000)), 1);
  EXPECT_NE(p.Stdout().find("could not listen on unix:" + socket +
                            ": another process is "
                            "listening on " +
                            socket),
            std::string::npos)
      << p.Stdout() << p.Stderr();
  EXPECT_EQ(InodeOf(socket), inode);  // the owner's socket, still at its path
}

TEST_F(SidecarProcessTest, ASecondSidecarOnTheSameSocketPathLeavesTheFirstServing) {
  fs::path dir = TempDir();
  const std::string socket = (dir / "sidecar.sock").string();
  SidecarProcess first(GoodEnv("unix:" + socket));
  ASSERT_TRUE(first.AwaitServing(milliseconds(10000))) << first.Stdout() << first.Stderr();
  const ino_t inode = InodeOf(socket);
  SidecarProcess second(GoodEnv("unix:" + socket));
  EXPECT_EQ(second.Wait(milliseconds(10000)), 1);
  EXPECT_NE(second.Stdout().find("holds " + socket + ".lock"), std::string::npos)
      << second.Stdout() << second.Stderr();
  EXPECT_EQ(InodeOf(socket), inode);
  EXPECT_TRUE(Trigger("unix:" + socket).ok());
  first.Signal(SIGTERM);
  EXPECT_EQ(first.Wait(milliseconds(5000)), 0);
  // Once the first is gone (its lock with it), a new sidecar may take the path.
  SidecarProcess third(GoodEnv("unix:" + socket));
  EXPECT_TRUE(third.AwaitServing(milliseconds(10000))) << third.Stdout() << third.Stderr();
  EXPECT_TRUE(Trigger("unix:" + socket).ok());
  third.Signal(SIGTERM);
  EXPECT_EQ(third.Wait(milliseconds(5000)), 0);
}

// --- Secrets -----------------------------------------------------------------------------------

std::string ReadProcFile(pid_t pid, const std::string& name) {
  return ReadFile("/proc/" + std::to_string(pid) + "/" + name);
}

TEST_F(SidecarProcessTest, CoreDumpsAreOffAndTheEnvironmentNoLongerHoldsTheSecret) {
  SidecarProcess p(GoodEnv("127.0.0.1:0"));
  ASSERT_GT(p.AwaitPort("grpc", milliseconds(10000)), 0) << p.Stdout() << p.Stderr();
  const std::string limits = ReadProcFile(p.pid(), "limits");
  bool core_limit_zero = false;
  std::istringstream lines(limits);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("Max core file size", 0) != 0) continue;
    std::istringstream fields(line.substr(std::strlen("Max core file size")));
    std::string soft;
    std::string hard;
    fields >> soft >> hard;
    core_limit_zero = soft == "0" && hard == "0";
  }
  EXPECT_TRUE(core_limit_zero) << limits;
  // Not dumpable: its /proc files belong to root, whoever runs it (here root anyway).
  struct stat info {};
  ASSERT_EQ(stat(("/proc/" + std::to_string(p.pid()) + "/environ").c_str(), &info), 0);
  EXPECT_EQ(info.st_uid, 0u);
  // World-readable /proc files still serve outside samplers (make bench, memory_bound_test.sh).
  EXPECT_NE(ReadProcFile(p.pid(), "status").find("VmHWM"), std::string::npos);
  // GENAUTH_ACCESS_KEY_SECRET was wiped from the initial environment block, which environ shows.
  const std::string environ = ReadProcFile(p.pid(), "environ");
  EXPECT_NE(environ.find("GENAUTH_ACCESS_KEY_ID=proc-key"), std::string::npos);
  EXPECT_EQ(environ.find(kSecret), std::string::npos);
  EXPECT_TRUE(Trigger("127.0.0.1:" + std::to_string(p.Port("grpc"))).ok());
  p.Signal(SIGTERM);
  EXPECT_EQ(p.Wait(milliseconds(5000)), 0);
}

TEST_F(SidecarProcessTest, TheSecretFlagIsRefusedWithoutShowingIt) {
  auto env = GoodEnv("127.0.0.1:0");
  env.erase(env.begin() + 2);  // GENAUTH_ACCESS_KEY_SECRET
  SidecarProcess p(env, {"--genauth-access-key-secret", kSecret});
  EXPECT_EQ(p.Wait(milliseconds(5000)), 64);
  EXPECT_NE(p.Stderr().find("--genauth-access-key-secret is not accepted"), std::string::npos)
      << p.Stderr();
  EXPECT_NE(p.Stderr().find("GENAUTH_ACCESS_KEY_SECRET_FILE"), std::string::npos) << p.Stderr();
  EXPECT_EQ(p.Stderr().find(kSecret), std::string::npos);
  EXPECT_EQ(p.Stdout(), "");
}

TEST_F(SidecarProcessTest, AWorldReadableSecretFileWorksWithAWarningSayingHowToFixIt) {
  fs::path dir = TempDir();
  std::ofstream(dir / "secret") << kSecret << "\n";
  fs::permissions(dir / "secret", fs::perms(0644));  // the kubelet's default for a Secret volume
  const std::string socket = (dir / "sidecar.sock").string();
  auto env = GoodEnv("unix:" + socket);
  env[2] = "GENAUTH_ACCESS_KEY_SECRET_FILE=" + (dir / "secret").string();
  // Accepted as warn; then "sidecar started" (info) is not logged: readiness is the port file.
  env.push_back("SIDECAR_LOG_LEVEL=warning");
  SidecarProcess p(env);
  ASSERT_TRUE(p.AwaitServing(milliseconds(10000))) << p.Stdout() << p.Stderr();
  ASSERT_TRUE(fs::is_socket(socket)) << p.Stdout() << p.Stderr();
  EXPECT_TRUE(Trigger("unix:" + socket).ok());
  p.Signal(SIGTERM);
  EXPECT_EQ(p.Wait(milliseconds(5000)), 0);
  const std::string out = p.Stdout();
  nlohmann::json warning = LogLine(out, "configuration warning");
  ASSERT_TRUE(warning.is_object()) << out;
  EXPECT_EQ(warning["level"], "warn");  // the spelling SIDECAR_LOG_LEVEL takes
  const std::string text = warning.value("warning", "");
  EXPECT_NE(text.find("has mode 0644"), std::string::npos) << text;
  EXPECT_NE(text.find("defaultMode: 0400"), std::string::npos) << text;
  EXPECT_EQ(out.find(kSecret), std::string::npos);
  // Info lines are gone: the alias set the level, it did not only pass validation.
  EXPECT_TRUE(LogLine(out, "sidecar started").is_null()) << out;
  EXPECT_TRUE(LogLine(out, "rpc").is_null()) << out;
}

TEST_F(SidecarProcessTest, ASecretFileThatIsTooLargeOrNotAFileExits64NamingIt) {
  fs::path dir = TempDir();
  std::ofstream(dir / "huge") << std::string(64 * 1024 + 1, 'x');
  for (const fs::path& path : {dir / "huge", dir}) {
    auto env = GoodEnv("127.0.0.1:0");
    env[2] = "GENAUTH_ACCESS_KEY_SECRET_FILE=" + path.string();
    SidecarProcess p(env);
    EXPECT_EQ(p.Wait(milliseconds(5000)), 64) << path;
    const std::string err = p.Stderr();
    EXPECT_NE(err.find("GENAUTH_ACCESS_KEY_SECRET_FILE=\"" + path.string() + "\""),
              std::string::npos)
        << err;
    EXPECT_NE(err.find(path == dir ? "found a directory" : "more than 64 KiB"), std::string::npos)
        << err;
  }
}

// --- Version ------------------------------------------------------------------------------------

TEST_F(SidecarProcessTest, VersionFlagAndTheVersionInTheStartedLine) {
  SidecarProcess version({}, {"--version"});
  EXPECT_EQ(version.Wait(milliseconds(5000)), 0);
  EXPECT_EQ(version.Stdout(), std::string("genauth-sidecar ") + kVersion + "\n");

  SidecarProcess p(GoodEnv("127.0.0.1:0"));
  ASSERT_GT(p.AwaitPort("grpc", milliseconds(10000)), 0) << p.Stdout() << p.Stderr();
  ASSERT_TRUE(p.AwaitLogLine("sidecar started", milliseconds(5000))) << p.Stdout();
  EXPECT_EQ(LogLine(p.Stdout(), "sidecar started").value("version", ""), kVersion) << p.Stdout();
  p.Signal(SIGTERM);
  EXPECT_EQ(p.Wait(milliseconds(5000)), 0);
}

}  // namespace
}  // namespace genauth::testing
