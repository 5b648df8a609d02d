// GenAuth's AK/SK request signatures, the scheme the official Node.js SDK (authing-node-sdk 4.x)
// uses instead of a management token:
//   Authorization: authing <AK>:base64(HMAC-SHA1(<SK>, string-to-sign))   ("GenAuth" also accepted)
// where string-to-sign is
//   METHOD "\n"
//   for every header named x-authing-* or x-genauth-*, and `date`, sorted by name:
//     name ":" value (tabs and line breaks made spaces, then trimmed) "\n"
//   path, then, if there are parameters, "?" and the sorted parameters as k=v joined by "&":
//     GET: the decoded query; otherwise the top-level members of the JSON body, each written as a
//     JavaScript template string writes it (see js_json.h): null is "null", objects JSON-encoded.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>

namespace genauth::emulator {

// GenAuth's documented signature apiCodes.
inline constexpr int kApiCodeBadSignature = 1300;
inline constexpr int kApiCodeBadDate = 1303;
inline constexpr int kApiCodeMissingDate = 1304;
inline constexpr int kApiCodeClockSkew = 1305;
inline constexpr int kApiCodeNonceReused = 1306;

// What a signature covers, as received.
struct SignedRequest {
  std::string method;                             // as sent, e.g. "GET"
  std::string path;                               // without the query
  std::map<std::string, std::string> headers;     // names lower-cased
  std::multimap<std::string, std::string> query;  // decoded; the first value of a key counts
  std::string body;                               // raw; parameters when not a GET
};

struct SignatureRejection {
  int api_code = kApiCodeBadSignature;
  std::string message;  // why, without the secret or the expected signature
};

// True when `authorization` claims the signature scheme: "authing ..." or "genauth ...", any case.
bool IsSignatureAuthorization(std::string_view authorization);

// The canonical text of `request` that both sides sign.
std::string StringToSign(const SignedRequest& request);

// base64(HMAC-SHA1(secret, string_to_sign)).
std::string ComputeSignature(std::string_view secret, std::string_view string_to_sign);

// Checks signatures made with one key pair and remembers spent nonces. Thread-safe.
class SignatureVerifier {
 public:
  // How far the `date` header may be from the verifier's clock, either way.
  static constexpr std::chrono::minutes kMaxClockSkew{15};

  SignatureVerifier(std::string access_key_id, std::string access_key_secret);

  // nullopt when `request` is correctly signed, dated within kMaxClockSkew of `now` and carries a
  // nonce not seen before (which is then spent); else why not. Checked in this order: the
  // Authorization form and key id, the date (1304 missing, 1303 unreadable, 1305 skewed), the
  // signature headers and the signature (1300), the nonce (1306) — so that a request with a wrong
  // signature cannot spend a nonce.
  std::optional<SignatureRejection> Verify(const SignedRequest& request,
                                           std::chrono::system_clock::time_point now);

  // Accepts signatures made with `access_key_secret` from now on, and no longer the old secret's
  // (a rotated access key; the key id stays).
  void SetAccessKeySecret(std::string access_key_secret);

 private:
  std::string access_key_secret() const;
  // Forgets nonces whose requests are too old to pass the date check any more.
  void ForgetExpiredNonces(std::chrono::system_clock::time_point now);

  const std::string access_key_id_;

  mutable std::mutex mu_;
  std::string access_key_secret_;                                             // guarded by mu_
  std::unordered_set<std::string> nonces_;                                    // guarded by mu_
  std::multimap<std::chrono::system_clock::time_point, std::string> expiry_;  // guarded by mu_
};

}  // namespace genauth::emulator
