// Test webhook receiver (see webhook_receiver.h).
#include "support/webhook_receiver.h"

#include <httplib.h>

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
  port_ = server_->bind_to_any_port("127.0.0.1");
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
