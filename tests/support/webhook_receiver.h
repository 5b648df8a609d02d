// A webhook endpoint for tests: an HTTP server on 127.0.0.1, port 0, that records every delivery
// and answers {"received": true, "echo": <body>}.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Server;
}

namespace genauth::testing {

struct Delivery {
  std::string path;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

class WebhookReceiver {
 public:
  WebhookReceiver();
  ~WebhookReceiver();
  // The URL to register as a webhook's url.
  std::string url() const;
  std::vector<Delivery> deliveries() const;

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mu_;
  std::vector<Delivery> deliveries_;
};

}  // namespace genauth::testing
