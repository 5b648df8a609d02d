// Test helpers shared by the emulator's tests: a webhook receiver that keeps what it receives and
// answers a scripted reply, and a closed port.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <utility>
#include <vector>

#include "emulator/webhook_receiver.h"
#include "gtest/gtest.h"

namespace genauth::emulator {

// A webhook URL inside the test: the emulator's WebhookReceiver, keeping what it receives and
// answering a scripted reply ({"ok":true,"n":1} until SetReply), over HTTPS when given a
// certificate and key.
class TestReceiver {
 public:
  using Received = ReceivedWebhook;

  explicit TestReceiver(const std::string& tls_cert_file = "", const std::string& tls_key_file = "")
      : receiver_(Options(tls_cert_file, tls_key_file)) {
    receiver_.SetReply(200, R"({"ok":true,"n":1})", "application/json");
    const std::string error = receiver_.Start();
    EXPECT_EQ(error, "");
  }

  void SetReply(int status, std::string body, std::string content_type) {
    receiver_.SetReply(status, std::move(body), std::move(content_type));
  }
  std::vector<Received> received() const { return receiver_.received(); }
  int port() const { return receiver_.port(); }
  std::string Url(const std::string& scheme, const std::string& path) const {
    return scheme + "://127.0.0.1:" + std::to_string(port()) + path;
  }

 private:
  static WebhookReceiverOptions Options(const std::string& tls_cert_file,
                                        const std::string& tls_key_file) {
    WebhookReceiverOptions options;
    options.tls_cert_file = tls_cert_file;
    options.tls_key_file = tls_key_file;
    options.keep_received = true;
    return options;
  }

  WebhookReceiver receiver_;
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
