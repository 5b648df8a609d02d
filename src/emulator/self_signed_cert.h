// Fresh self-signed TLS certificates for tests: the emulator's --tls-cert/--tls-key, HTTPS webhook
// receivers, and the sidecar's CA-file tests (the certificate is its own CA).
#pragma once

#include <string>

namespace genauth::emulator {

// Writes a new P-256 key and a certificate for "127.0.0.1" and "localhost" (CN and subjectAltName),
// valid for a day, as PEM files. False with `*error` set on failure.
bool WriteSelfSignedCert(const std::string& cert_file, const std::string& key_file,
                         std::string* error);

}  // namespace genauth::emulator
