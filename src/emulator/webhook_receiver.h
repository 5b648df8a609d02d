// The receiving end of webhooks, for the webhook-receiver process and the tests: an HTTP(S) server
// that accepts POST on any path, hands each delivery to a callback (header names lower-cased,
// httplib's connection pseudo headers left out) and answers with the echo
// {"received": true, "echo": <the body, parsed when JSON>} or a scripted reply.
//
// Thread-safety: Start and Stop from one thread; SetReply, received() and the callback (which runs
// on the server's threads, concurrently for concurrent deliveries) from any.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Server;
}

namespace genauth::emulator {

struct ReceivedWebhook {
  std::string path;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

struct WebhookReceiverOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: any free port
  // Both set: HTTPS with this certificate and key (PEM files).
  std::string tls_cert_file;
  std::string tls_key_file;
  int status = 200;  // of the echo reply
  // Keep every delivery for received() (tests); a long-running process leaves it off.
  bool keep_received = false;
  // Runs for each delivery before the reply is sent; may be empty.
  std::function<void(const ReceivedWebhook&)> on_received;
};

class WebhookReceiver {
 public:
  explicit WebhookReceiver(WebhookReceiverOptions options);
  ~WebhookReceiver();  // stops

  // Binds and serves; "" once serving, otherwise why not (bad TLS files, port taken).
  std::string Start();
  void Stop();

  int port() const { return port_; }
  // "<http|https>://<host>:<port><path>", a webhook's url.
  std::string Url(const std::string& path) const;

  // Answers every later delivery with this instead of the echo.
  void SetReply(int status, std::string body, std::string content_type);
  // The deliveries so far, oldest first (keep_received only).
  std::vector<ReceivedWebhook> received() const;

 private:
  struct Reply {
    int status;
    std::string body;
    std::string content_type;
  };

  const WebhookReceiverOptions options_;
  std::unique_ptr<httplib::Server> server_;
  std::thread serving_;
  std::atomic<bool> listen_returned_{false};  // set by serving_ when listening ends
  int port_ = 0;
  mutable std::mutex mu_;
  std::optional<Reply> reply_;             // guarded by mu_
  std::vector<ReceivedWebhook> received_;  // guarded by mu_
};

}  // namespace genauth::emulator
