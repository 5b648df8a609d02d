// Fresh TLS certificates for tests: the emulator's --tls-cert/--tls-key, HTTPS webhook receivers,
// and the sidecar's TLS tests. Either a self-signed certificate (its own CA), or a private CA and
// a server certificate it issues for chosen names (host-name verification tests).
#pragma once

#include <string>

namespace genauth::emulator {

// Writes a new P-256 key and a certificate for "127.0.0.1" and "localhost" (CN and subjectAltName),
// valid for a day, as PEM files. False with `*error` set on failure.
bool WriteSelfSignedCert(const std::string& cert_file, const std::string& key_file,
                         std::string* error);

// Writes a new certificate authority's certificate to `ca_cert_file`, and a server certificate it
// signed for `subject_alt_names` (OpenSSL's syntax: "IP:127.0.0.1,DNS:localhost") to `cert_file`
// with its key in `key_file`; P-256 keys, valid for a day. The server certificate's CN is not a
// host name, so only the subjectAltName can match a host. The CA's key is discarded: nothing else
// can ever be issued by this CA. False with `*error` set on failure.
bool WriteCaIssuedCert(const std::string& ca_cert_file, const std::string& cert_file,
                       const std::string& key_file, const std::string& subject_alt_names,
                       std::string* error);

}  // namespace genauth::emulator
