// TLS to GenAuth: certificates are verified by default; a private CA is trusted through the CA file
// (GENAUTH_CA_FILE), and an unverifiable certificate fails the call with a message that says so —
// before anything is sent.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "emulator/self_signed_cert.h"
#include "support/sidecar_harness.h"

namespace genauth::testing {
namespace {

namespace fs = std::filesystem;

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("sidecar-tls-" + std::to_string(getpid()));
    fs::create_directories(dir_);
    std::string error;
    ASSERT_TRUE(emulator::WriteSelfSignedCert(cert(), key(), &error)) << error;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string cert() const { return (dir_ / "cert.pem").string(); }
  std::string key() const { return (dir_ / "key.pem").string(); }

  HarnessOptions HttpsOptions() const {
    HarnessOptions options;
    options.emulator.tls_cert_file = cert();
    options.emulator.tls_key_file = key();
    return options;
  }

  fs::path dir_;
};

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
