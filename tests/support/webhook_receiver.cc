// Test webhook receiver (see webhook_receiver.h).
#include "support/webhook_receiver.h"

#include <httplib.h>
#include <sys/socket.h>

#include <cctype>
#include <chrono>

#include "nlohmann/json.hpp"

namespace genauth::testing {

WebhookReceiver::WebhookReceiver() : server_(std::make_unique<httplib::Server>()) {
  server_->Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
    Delivery delivery;
    delivery.path = req.path;
    delivery.body = req.body;
    for (const auto& [name, value] : req.headers) {
      std::string lower = name;
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      delivery.headers[lower] = value;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      deliveries_.push_back(delivery);
    }
    nlohmann::json echo = nlohmann::json::parse(req.body, nullptr, false);
    nlohmann::json reply = {{"received", true},
                            {"echo", echo.is_discarded() ? nlohmann::json(req.body) : echo}};
    res.set_content(reply.dump(), "application/json");
  });
  server_->set_tcp_nodelay(true);
  // httplib listens with a backlog of 5. The emulator opens a connection per delivery, so a burst
  // of triggers on a busy machine (whose accept thread runs late) had SYNs dropped and retried a
  // second later — calls of 1 s, or past a test's deadline. listen() again raises the backlog.
  int listening_socket = -1;
  server_->set_socket_options([&listening_socket](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    listening_socket = sock;
  });
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (listening_socket >= 0) listen(listening_socket, SOMAXCONN);
  server_->set_socket_options([](int sock) {  // the callback above refers to this frame
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  for (int i = 0; i < 2000 && !server_->is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

WebhookReceiver::~WebhookReceiver() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

std::string WebhookReceiver::url() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/hooks/genauth";
}

std::vector<Delivery> WebhookReceiver::deliveries() const {
  std::lock_guard<std::mutex> lock(mu_);
  return deliveries_;
}

}  // namespace genauth::testing
