// GenAuth's per-request AK/SK signature (the scheme of the official Node.js SDK 4.x), an
// alternative to the management token for accounts that use it.
//
// Each request carries `date`, `<prefix>-signature-nonce`, `<prefix>-signature-method: HMAC-SHA1`,
// `<prefix>-signature-version: 1.0` and `Authorization: <word> <AK>:<signature>`, where the
// signature is base64(HMAC-SHA1(secret, string-to-sign)) and the string to sign is:
//   METHOD "\n"
//   every `<prefix>-*` header and `date`, sorted by name, as "name:trimmed-value\n"
//   path ["?" k=v&k=v...  — the parameters sorted by key]
// Parameters are a GET's query values, or the top-level keys of a JSON body (strings as they are,
// other values JSON-encoded, nulls left out). Thread-safe; reads the key from the shared
// Credentials at each signature (so a rotated secret is used from the next request on) and never
// logs it.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/credentials.h"
#include "common/clock.h"

namespace genauth::auth {

using HeaderList = std::vector<std::pair<std::string, std::string>>;
using ParamList = std::vector<std::pair<std::string, std::string>>;

struct RequestSignerOptions {
  std::string header_prefix = "x-authing";  // x-authing (word "authing") or x-genauth ("GenAuth")
};

class RequestSigner {
 public:
  // `credentials` and `clock` must outlive the signer.
  RequestSigner(RequestSignerOptions options, const Credentials* credentials,
                const common::Clock* clock);

  // Adds the signature headers to `headers`, signing them together with the `<prefix>-*` headers
  // already there (sdk version, language, tenant).
  void Sign(std::string_view method, std::string_view path, const ParamList& params,
            HeaderList* headers) const;

 private:
  const RequestSignerOptions options_;
  const Credentials* const credentials_;
  const common::Clock* const clock_;
  const std::string authorization_word_;
};

// The string to sign (exposed for tests and for the emulator's cross-check).
std::string StringToSign(std::string_view method, const HeaderList& headers,
                         std::string_view header_prefix, std::string_view path, ParamList params);

// base64(HMAC-SHA1(key, message)).
std::string HmacSha1Base64(std::string_view key, std::string_view message);

// The parameters of a JSON body: its top-level keys, strings as they are, other values
// JSON-encoded, nulls left out. An empty list for an empty body or one that is not an object.
ParamList ParamsFromJsonBody(std::string_view body);

// RFC 1123 date in GMT, e.g. "Sun, 06 Nov 1994 08:49:37 GMT" (the `date` header).
std::string HttpDate(common::WallTime time);

}  // namespace genauth::auth
