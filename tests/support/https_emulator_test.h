// A test fixture with a self-signed certificate for 127.0.0.1 in a temporary folder, and harness
// options that make the emulator serve HTTPS with it. Shared by the TLS and proxy tests.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "emulator/self_signed_cert.h"
#include "support/sidecar_harness.h"

namespace genauth::testing {

class HttpsEmulatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("sidecar-https-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
    std::string error;
    ASSERT_TRUE(emulator::WriteSelfSignedCert(cert(), key(), &error)) << error;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string cert() const { return (dir_ / "cert.pem").string(); }
  std::string key() const { return (dir_ / "key.pem").string(); }
  // Another file in the fixture's temporary folder (removed with it).
  std::string TempFile(const std::string& name) const { return (dir_ / name).string(); }

  HarnessOptions HttpsOptions() const {
    HarnessOptions options;
    options.emulator.tls_cert_file = cert();
    options.emulator.tls_key_file = key();
    return options;
  }

 private:
  std::filesystem::path dir_;
};

}  // namespace genauth::testing
