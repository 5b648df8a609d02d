// A webhook endpoint for tests: the emulator's WebhookReceiver on 127.0.0.1, any free port, keeping
// every delivery and answering {"received": true, "echo": <body>}.
#pragma once

#include <string>
#include <vector>

#include "emulator/webhook_receiver.h"

namespace genauth::testing {

using Delivery = emulator::ReceivedWebhook;

class WebhookReceiver {
 public:
  WebhookReceiver();  // serving once constructed (fails the test when it cannot)
  // The URL to register as a webhook's url.
  std::string url() const { return receiver_.Url("/hooks/genauth"); }
  std::vector<Delivery> deliveries() const { return receiver_.received(); }

 private:
  emulator::WebhookReceiver receiver_;
};

}  // namespace genauth::testing
