// Transfer classification (see transfer_outcome.h).
#include "upstream/transfer_outcome.h"

#include <curl/curl.h>

namespace genauth::upstream {
namespace {

bool MayHaveArrived(const TransferFacts& facts) {
  return facts.is_post ? facts.body_started : facts.request_started;
}

bool IsVerificationFailure(int code) {
  return code == CURLE_PEER_FAILED_VERIFICATION || code == CURLE_SSL_CACERT_BADFILE ||
         code == CURLE_SSL_ISSUER_ERROR || code == CURLE_SSL_PINNEDPUBKEYNOTMATCH;
}

}  // namespace

TransportFailure ClassifyTransfer(const TransferFacts& facts) {
  if (facts.curl_code == CURLE_OK) return TransportFailure::kNone;
  if (facts.reply_too_large) return TransportFailure::kTooLarge;
  if (!MayHaveArrived(facts)) return TransportFailure::kNotSent;
  if (facts.curl_code == CURLE_OPERATION_TIMEDOUT) return TransportFailure::kTimedOut;
  // Reset, truncated body, HTTP/2 stream error, a refused rewind (libcurl wanted to send the body
  // again on a new connection), a garbled reply: GenAuth may have acted.
  return TransportFailure::kBrokenReply;
}

std::string DescribeTransferFailure(const TransferFacts& facts, const std::string& curl_error,
                                    const std::string& base_url, const std::string& elapsed,
                                    const std::string& timeout, size_t max_reply_bytes) {
  const std::string because = curl_error.empty() ? "" : ": " + curl_error;
  switch (ClassifyTransfer(facts)) {
    case TransportFailure::kNone:
      return "";
    case TransportFailure::kTooLarge:
      return "GenAuth's reply is larger than " + std::to_string(max_reply_bytes) + " bytes";
    case TransportFailure::kNotSent:
      if (IsVerificationFailure(facts.curl_code)) {
        // Both causes share one libcurl code (an untrusted issuer, or a trusted certificate for
        // another host name): the hint names both, libcurl's text says which one it was.
        return "TLS certificate of " + base_url +
               " could not be verified (it must be issued for that host by a CA in the system "
               "bundle or GENAUTH_CA_FILE)" +
               because;
      }
      if (facts.curl_code == CURLE_SSL_CONNECT_ERROR) {
        return "TLS handshake with " + base_url + " failed" + because;
      }
      if (facts.curl_code == CURLE_OPERATION_TIMEDOUT) {
        return "could not connect to " + base_url + " (timed out after " + elapsed + ")" + because;
      }
      return "could not connect to " + base_url + " (after " + elapsed + ")" + because;
    case TransportFailure::kTimedOut:
      return "GenAuth did not answer within " + timeout;
    case TransportFailure::kBrokenReply:
      return "the connection to GenAuth broke before a complete reply (after " + elapsed + ")" +
             because;
  }
  return "";
}

}  // namespace genauth::upstream
