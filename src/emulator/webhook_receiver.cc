// The receiving end of webhooks (see webhook_receiver.h).
#include "emulator/webhook_receiver.h"

#include <httplib.h>
#include <sys/socket.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <utility>

#include "common/ascii_case.h"
#include "emulator/json_fields.h"

namespace genauth::emulator {

WebhookReceiver::WebhookReceiver(WebhookReceiverOptions options) : options_(std::move(options)) {}

WebhookReceiver::~WebhookReceiver() { Stop(); }

std::string WebhookReceiver::Start() {
  if (!options_.tls_cert_file.empty()) {
    server_ = std::make_unique<httplib::SSLServer>(options_.tls_cert_file.c_str(),
                                                   options_.tls_key_file.c_str());
  } else {
    server_ = std::make_unique<httplib::Server>();
  }
  if (!server_->is_valid()) return "cannot load the TLS certificate or key";

  server_->set_tcp_nodelay(true);  // no Nagle delay between headers and body
  // The emulator opens a connection per delivery. httplib listens with a backlog of 5, so a burst
  // of deliveries (a few hundred a second, or a busy machine whose accept thread runs late)
  // overflows it and each dropped SYN costs a 1 s retransmission: the listening socket is kept
  // here and its backlog raised once bound (listen() again does that).
  int listening_socket = -1;
  server_->set_socket_options([&listening_socket](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    setsockopt(sock, SOL_SOCKET, SO_REUSEPORT, &yes, sizeof(yes));  // httplib's default, kept
    listening_socket = sock;
  });
  server_->Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
    ReceivedWebhook delivery{req.path, {}, req.body};
    for (const auto& [name, value] : req.headers) {
      // httplib's pseudo headers describe the connection, not the webhook.
      if (name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" ||
          name == "LOCAL_PORT") {
        continue;
      }
      delivery.headers[common::AsciiLower(name)] = value;
    }
    if (options_.on_received) options_.on_received(delivery);
    std::optional<Reply> reply;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (options_.keep_received) received_.push_back(delivery);
      reply = reply_;
    }
    if (reply) {
      res.status = reply->status;
      res.set_content(reply->body, reply->content_type);
      return;
    }
    nlohmann::json body = ParseJson(req.body);
    if (body.is_discarded()) body = req.body;
    res.status = options_.status;
    res.set_content(ToJsonText({{"received", true}, {"echo", body}}), "application/json");
  });

  int port = options_.port;
  if (port == 0) {
    port = server_->bind_to_any_port(options_.host);
  } else if (!server_->bind_to_port(options_.host, port)) {
    port = -1;
  }
  // The callback above refers to this frame: it must not run again.
  server_->set_socket_options([](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    setsockopt(sock, SOL_SOCKET, SO_REUSEPORT, &yes, sizeof(yes));
  });
  if (port <= 0) {
    return "cannot bind " + options_.host + ":" + std::to_string(options_.port);
  }
  if (listening_socket >= 0) listen(listening_socket, SOMAXCONN);
  serving_ = std::thread([this] {
    server_->listen_after_bind();
    listen_returned_ = true;
  });
  // Bounded: listen_after_bind either starts serving or returns at once.
  while (!server_->is_running() && !listen_returned_) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (!server_->is_running()) {
    serving_.join();
    return "cannot serve on " + options_.host + ":" + std::to_string(port);
  }
  port_ = port;
  return "";
}

void WebhookReceiver::Stop() {
  if (server_) server_->stop();
  if (serving_.joinable()) serving_.join();
}

std::string WebhookReceiver::Url(const std::string& path) const {
  return (options_.tls_cert_file.empty() ? "http://" : "https://") + options_.host + ":" +
         std::to_string(port_) + path;
}

void WebhookReceiver::SetReply(int status, std::string body, std::string content_type) {
  std::lock_guard<std::mutex> lock(mu_);
  reply_ = Reply{status, std::move(body), std::move(content_type)};
}

std::vector<ReceivedWebhook> WebhookReceiver::received() const {
  std::lock_guard<std::mutex> lock(mu_);
  return received_;
}

}  // namespace genauth::emulator
