// TLS to GenAuth: certificates are verified by default; a private CA is trusted through the CA file
// (GENAUTH_CA_FILE), and an unverifiable certificate fails the call with a message that says so —
// before anything is sent. A certificate from a trusted CA is accepted only for the host it names.
#include <gtest/gtest.h>

#include <map>
#include <ostream>
#include <string>

#include "emulator/self_signed_cert.h"
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

// A server certificate from a CA the sidecar trusts (GENAUTH_CA_FILE), issued for
// `subject_alt_names`, and GenAuth reached as `host`: only the names differ between the cases, so
// a refusal can only come from host-name verification (libcurl's CURLOPT_SSL_VERIFYHOST 2).
struct HostNameCase {
  const char* name;
  const char* subject_alt_names;
  const char* host;
  bool accepted;
};

// How gtest names a failing case (instead of the struct's bytes).
void PrintTo(const HostNameCase& c, std::ostream* os) {
  *os << "certificate for " << c.subject_alt_names << ", GenAuth at " << c.host;
}

class HostNameTest : public HttpsEmulatorTest,
                     public ::testing::WithParamInterface<HostNameCase> {};

TEST_P(HostNameTest, TrustedCertificateIsAcceptedOnlyForTheHostItNames) {
  const HostNameCase& c = GetParam();
  std::string error;
  ASSERT_TRUE(emulator::WriteCaIssuedCert(TempFile("ca.pem"), TempFile("server.pem"),
                                          TempFile("server-key.pem"), c.subject_alt_names, &error))
      << error;
  HarnessOptions options;
  options.emulator.tls_cert_file = TempFile("server.pem");
  options.emulator.tls_key_file = TempFile("server-key.pem");
  SidecarHarness h(options);
  h.sidecar_options().transport.base_url =
      std::string("https://") + c.host + ":" + std::to_string(h.emulator().port());
  h.sidecar_options().transport.ca_file = TempFile("ca.pem");
  h.Start();

  genauth::management::v1::TriggerWebhookRequest request;
  request.set_webhook_id(kWebhookId);
  genauth::management::v1::TriggerWebhookResponse response;
  grpc::Status status = h.Trigger(request, &response);
  if (c.accepted) {
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(h.receiver().deliveries().size(), 1u);
    return;
  }
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  // The message names the failed verification and libcurl's reason (the host it expected).
  EXPECT_NE(status.error_message().find("could not be verified"), std::string::npos)
      << status.error_message();
  EXPECT_NE(status.error_message().find(std::string("target host name '") + c.host + "'"),
            std::string::npos)
      << status.error_message();
  std::string reason;
  const std::map<std::string, std::string> metadata = ErrorInfoMetadata(status, &reason);
  EXPECT_EQ(reason, "TOKEN_UNAVAILABLE") << status.error_message();
  // Neither the secret nor a token (a JWT starts "eyJ") is in the error or in the logs.
  std::string everything = status.error_message() + " " + reason + " " + h.Logs();
  for (const auto& [key, value] : metadata) everything += " " + key + "=" + value;
  EXPECT_EQ(everything.find(kKeySecret), std::string::npos);
  EXPECT_EQ(everything.find("eyJ"), std::string::npos);
  // The handshake failed, so not even the token request reached the emulator, nor a webhook.
  EXPECT_EQ(h.emulator().Requests().size(), 0u);
  EXPECT_EQ(h.receiver().deliveries().size(), 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Names, HostNameTest,
    ::testing::Values(
        // Positive controls: the same CA and chain, issued for the host the sidecar dials.
        HostNameCase{"IpAddressNamed", "IP:127.0.0.1", "127.0.0.1", true},
        HostNameCase{"DnsNameNamed", "DNS:localhost", "localhost", true},
        // Valid and trusted, but for another host.
        HostNameCase{"AnotherDnsName", "DNS:genauth.example.com", "127.0.0.1", false},
        HostNameCase{"AnotherIpAddress", "IP:127.0.0.2", "127.0.0.1", false},
        // An address is matched against IP entries only, never against a DNS entry.
        HostNameCase{"DnsNameForAnAddress", "DNS:localhost", "127.0.0.1", false},
        HostNameCase{"AnotherHostForADnsName", "DNS:genauth.example.com", "localhost", false}),
    [](const ::testing::TestParamInfo<HostNameCase>& param_info) { return param_info.param.name; });

}  // namespace
}  // namespace genauth::testing
