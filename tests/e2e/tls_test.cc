// TLS to GenAuth: certificates are verified by default; a private CA is trusted through the CA file
// (GENAUTH_CA_FILE), and an unverifiable certificate fails the call with a message that says so —
// before anything is sent.
#include <gtest/gtest.h>

#include "support/https_emulator_test.h"
#include "support/sidecar_harness.h"

namespace genauth::testing {
namespace {

using TlsTest = HttpsEmulatorTest;

TEST_F(TlsTest, TrustsAPrivateCaFromTheCaFile) {
  SidecarHarness h(HttpsOptions());
  ASSERT_EQ(h.emulator().base_url().rfind("https://", 0), 0u);
  h.sidecar_options().transport.ca_file = cert();
  h.Start();
  genauth::management::v1::TriggerWebhookRequest request;
  request.set_webhook_id(kWebhookId);
  genauth::management::v1::TriggerWebhookResponse response;
  grpc::Status status = h.Trigger(request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(h.receiver().deliveries().size(), 1u);
}

TEST_F(TlsTest, RefusesACertificateItCannotVerify) {
  SidecarHarness h(HttpsOptions());
  h.Start();  // system CAs only: the self-signed certificate is not trusted
  genauth::management::v1::TriggerWebhookRequest request;
  request.set_webhook_id(kWebhookId);
  genauth::management::v1::TriggerWebhookResponse response;
  grpc::Status status = h.Trigger(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_NE(status.error_message().find("could not be verified"), std::string::npos)
      << status.error_message();
  // The TLS handshake failed, so not even the token request reached the emulator.
  EXPECT_EQ(h.emulator().Requests().size(), 0u);
}

}  // namespace
}  // namespace genauth::testing
