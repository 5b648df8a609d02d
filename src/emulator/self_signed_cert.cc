// Certificate generation with OpenSSL 3's EVP and X509 APIs.
#include "emulator/self_signed_cert.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <memory>

namespace genauth::emulator {
namespace {

struct KeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct CertDeleter {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct ExtensionDeleter {
  void operator()(X509_EXTENSION* extension) const { X509_EXTENSION_free(extension); }
};
struct FileCloser {
  void operator()(FILE* file) const { std::fclose(file); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyDeleter>;
using Cert = std::unique_ptr<X509, CertDeleter>;

// A v3 certificate (needed for extensions) of `key` named CN=`common_name`, valid from an hour ago
// (small clock skew) for a day. Its issuer name, extensions and signature are the caller's.
Cert NewCert(EVP_PKEY* key, const char* common_name, long serial) {  // NOLINT(runtime/int)
  Cert cert(X509_new());
  if (!cert) return cert;
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(cert.get()), "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name), -1, -1, 0);
  X509_set_pubkey(cert.get(), key);
  return cert;
}

// `issuer` is `cert` itself for a self-signed certificate; it matters for authorityKeyIdentifier.
bool AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, issuer, cert, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, ExtensionDeleter> extension(
      X509V3_EXT_conf_nid(nullptr, &context, nid, value));
  return extension && X509_add_ext(cert, extension.get(), -1) == 1;
}

bool WriteKey(EVP_PKEY* key, const std::string& key_file, std::string* error) {
  std::unique_ptr<FILE, FileCloser> out(std::fopen(key_file.c_str(), "w"));
  if (!out || PEM_write_PrivateKey(out.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    *error = "cannot write " + key_file;
    return false;
  }
  return true;
}

bool WriteCert(X509* cert, const std::string& cert_file, std::string* error) {
  std::unique_ptr<FILE, FileCloser> out(std::fopen(cert_file.c_str(), "w"));
  if (!out || PEM_write_X509(out.get(), cert) != 1) {
    *error = "cannot write " + cert_file;
    return false;
  }
  return true;
}

}  // namespace

bool WriteSelfSignedCert(const std::string& cert_file, const std::string& key_file,
                         std::string* error) {
  Key key(EVP_EC_gen("P-256"));
  Cert cert = key ? NewCert(key.get(), "127.0.0.1", 1) : Cert();
  if (!key || !cert) {
    *error = "cannot create a key or certificate";
    return false;
  }
  X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get()));
  if (!AddExtension(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE") ||
      !AddExtension(cert.get(), cert.get(), NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost") ||
      X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) {
    *error = "cannot build or sign the certificate";
    return false;
  }
  return WriteKey(key.get(), key_file, error) && WriteCert(cert.get(), cert_file, error);
}

bool WriteCaIssuedCert(const std::string& ca_cert_file, const std::string& cert_file,
                       const std::string& key_file, const std::string& subject_alt_names,
                       std::string* error) {
  Key ca_key(EVP_EC_gen("P-256"));
  Key key(EVP_EC_gen("P-256"));
  Cert ca = ca_key ? NewCert(ca_key.get(), "genauth-sidecar test CA", 1) : Cert();
  Cert cert = key ? NewCert(key.get(), "genauth-sidecar test server", 2) : Cert();
  if (!ca || !cert) {
    *error = "cannot create the keys or certificates";
    return false;
  }
  // The extensions a public CA and its server certificates carry, so that the chain verifies the
  // way GenAuth's does and a failure can only come from the names.
  X509_set_issuer_name(ca.get(), X509_get_subject_name(ca.get()));
  if (!AddExtension(ca.get(), ca.get(), NID_basic_constraints, "critical,CA:TRUE") ||
      !AddExtension(ca.get(), ca.get(), NID_key_usage, "critical,keyCertSign,cRLSign") ||
      !AddExtension(ca.get(), ca.get(), NID_subject_key_identifier, "hash") ||
      X509_sign(ca.get(), ca_key.get(), EVP_sha256()) == 0) {
    *error = "cannot build or sign the CA certificate";
    return false;
  }
  X509_set_issuer_name(cert.get(), X509_get_subject_name(ca.get()));
  if (!AddExtension(cert.get(), ca.get(), NID_basic_constraints, "critical,CA:FALSE") ||
      !AddExtension(cert.get(), ca.get(), NID_key_usage, "critical,digitalSignature") ||
      !AddExtension(cert.get(), ca.get(), NID_ext_key_usage, "serverAuth") ||
      !AddExtension(cert.get(), ca.get(), NID_subject_alt_name, subject_alt_names.c_str()) ||
      !AddExtension(cert.get(), ca.get(), NID_subject_key_identifier, "hash") ||
      !AddExtension(cert.get(), ca.get(), NID_authority_key_identifier, "keyid:always") ||
      X509_sign(cert.get(), ca_key.get(), EVP_sha256()) == 0) {
    *error = "cannot build or sign the server certificate for " + subject_alt_names;
    return false;
  }
  return WriteCert(ca.get(), ca_cert_file, error) && WriteKey(key.get(), key_file, error) &&
         WriteCert(cert.get(), cert_file, error);
}

}  // namespace genauth::emulator
