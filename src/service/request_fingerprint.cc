// SHA-256 of a GenAuth request (see request_fingerprint.h).
#include "service/request_fingerprint.h"

#include <openssl/evp.h>

#include <memory>

#include "nlohmann/json.hpp"

namespace genauth::service {
namespace {

// Each part is length-prefixed, so that no two different requests hash the same bytes.
void Add(EVP_MD_CTX* ctx, const std::string& part) {
  const uint64_t size = part.size();
  EVP_DigestUpdate(ctx, &size, sizeof(size));
  EVP_DigestUpdate(ctx, part.data(), part.size());
}

}  // namespace

std::string RequestFingerprint(const upstream::UpstreamCall& call) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  Add(ctx.get(), call.method);
  Add(ctx.get(), call.path);
  for (const auto& [name, value] : call.query) {
    Add(ctx.get(), name);
    Add(ctx.get(), value);
  }
  // Keys in order; a body that is not JSON (never, from the transcoder) is hashed as it is.
  const nlohmann::json body = nlohmann::json::parse(call.body, nullptr, false);
  Add(ctx.get(), body.is_discarded() ? call.body : body.dump());
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &length);
  return std::string(reinterpret_cast<const char*>(digest), length);
}

}  // namespace genauth::service
