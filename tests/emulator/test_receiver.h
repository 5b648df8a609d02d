// Test helpers shared by the emulator's tests: an httplib server on a free port, and a webhook
// receiver that keeps what it receives and answers a scripted reply.
#pragma once

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace genauth::emulator {

// Runs `server` on a free port of 127.0.0.1 until destroyed.
class RunningServer {
 public:
  explicit RunningServer(std::unique_ptr<httplib::Server> server) : server_(std::move(server)) {
    port_ = server_->bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~RunningServer() {
    server_->stop();
    thread_.join();
  }
  int port() const { return port_; }

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

// A webhook URL inside the test: keeps what it receives and answers a scripted reply.
class TestReceiver {
 public:
  struct Received {
    std::string path;
    httplib::Headers headers;
    std::string body;
  };

  explicit TestReceiver(std::unique_ptr<httplib::Server> server = nullptr) {
    if (!server) server = std::make_unique<httplib::Server>();
    server->Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      received_.push_back({req.path, req.headers, req.body});
      res.status = status_;
      res.set_content(reply_, content_type_);
    });
    running_ = std::make_unique<RunningServer>(std::move(server));
  }
  ~TestReceiver() { running_.reset(); }

  void SetReply(int status, std::string body, std::string content_type) {
    std::lock_guard<std::mutex> lock(mu_);
    status_ = status;
    reply_ = std::move(body);
    content_type_ = std::move(content_type);
  }
  std::vector<Received> received() const {
    std::lock_guard<std::mutex> lock(mu_);
    return received_;
  }
  int port() const { return running_->port(); }
  std::string Url(const std::string& scheme, const std::string& path) const {
    return scheme + "://127.0.0.1:" + std::to_string(port()) + path;
  }

 private:
  mutable std::mutex mu_;
  std::vector<Received> received_;
  int status_ = 200;
  std::string reply_ = R"({"ok":true,"n":1})";
  std::string content_type_ = "application/json";
  std::unique_ptr<RunningServer> running_;
};

// A port of 127.0.0.1 that was free a moment ago and has no listener (connections are refused);
// 0 when none could be found.
inline int ClosedLocalPort() {
  int sock = ::socket(AF_INET, SOCK_STREAM, 0);
  if (sock < 0) return 0;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  int port = 0;
  if (::bind(sock, reinterpret_cast<sockaddr*>(&address), length) == 0 &&
      ::getsockname(sock, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(sock);
  return port;
}

}  // namespace genauth::emulator
