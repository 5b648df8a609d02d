// Test webhook receiver (see webhook_receiver.h).
#include "support/webhook_receiver.h"

#include <gtest/gtest.h>

namespace genauth::testing {
namespace {

emulator::WebhookReceiverOptions KeepingOptions() {
  emulator::WebhookReceiverOptions options;
  options.keep_received = true;
  return options;
}

}  // namespace

WebhookReceiver::WebhookReceiver() : receiver_(KeepingOptions()) {
  const std::string error = receiver_.Start();
  EXPECT_EQ(error, "") << "the test webhook receiver cannot serve";
}

}  // namespace genauth::testing
