// Table tests of the transfer classification: a POST counts as possibly delivered once a byte of
// its body left, a GET once libcurl began sending it; everything before is "not sent".
#include "upstream/transfer_outcome.h"

#include <curl/curl.h>
#include <gtest/gtest.h>

#include <vector>

namespace genauth::upstream {
namespace {

TEST(TransferOutcomeTest, ClassifiesByWhatGenAuthCanHaveSeen) {
  struct Case {
    CURLcode code;
    bool is_post;
    bool body_started;
    bool request_started;
    bool too_large;
    TransportFailure expected;
  };
  const std::vector<Case> cases = {
      {CURLE_OK, true, true, true, false, TransportFailure::kNone},
      {CURLE_OK, false, false, true, false, TransportFailure::kNone},
      // Nothing of a POST's body left: GenAuth cannot have acted, whatever failed.
      {CURLE_COULDNT_CONNECT, true, false, false, false, TransportFailure::kNotSent},
      {CURLE_COULDNT_RESOLVE_HOST, true, false, false, false, TransportFailure::kNotSent},
      {CURLE_PEER_FAILED_VERIFICATION, true, false, false, false, TransportFailure::kNotSent},
      {CURLE_SSL_CONNECT_ERROR, true, false, false, false, TransportFailure::kNotSent},
      {CURLE_OPERATION_TIMEDOUT, true, false, false, false, TransportFailure::kNotSent},
      {CURLE_RECV_ERROR, true, false, true, false, TransportFailure::kNotSent},  // proxy refused
      {CURLE_SEND_ERROR, true, false, true, false, TransportFailure::kNotSent},
      // Once the body started, it may have arrived.
      {CURLE_OPERATION_TIMEDOUT, true, true, true, false, TransportFailure::kTimedOut},
      {CURLE_SEND_ERROR, true, true, true, false, TransportFailure::kBrokenReply},
      {CURLE_RECV_ERROR, true, true, true, false, TransportFailure::kBrokenReply},
      {CURLE_GOT_NOTHING, true, true, true, false, TransportFailure::kBrokenReply},
      {CURLE_PARTIAL_FILE, true, true, true, false, TransportFailure::kBrokenReply},
      {CURLE_HTTP2_STREAM, true, true, true, false, TransportFailure::kBrokenReply},
      {CURLE_SEND_FAIL_REWIND, true, true, true, false, TransportFailure::kBrokenReply},
      {CURLE_WRITE_ERROR, true, true, true, true, TransportFailure::kTooLarge},
      // GETs: by whether libcurl got as far as sending.
      {CURLE_COULDNT_CONNECT, false, false, false, false, TransportFailure::kNotSent},
      {CURLE_OPERATION_TIMEDOUT, false, false, false, false, TransportFailure::kNotSent},
      {CURLE_OPERATION_TIMEDOUT, false, false, true, false, TransportFailure::kTimedOut},
      {CURLE_RECV_ERROR, false, false, true, false, TransportFailure::kBrokenReply},
      {CURLE_WRITE_ERROR, false, false, true, true, TransportFailure::kTooLarge},
  };
  for (const Case& c : cases) {
    TransferFacts facts;
    facts.curl_code = c.code;
    facts.is_post = c.is_post;
    facts.body_started = c.body_started;
    facts.request_started = c.request_started;
    facts.reply_too_large = c.too_large;
    EXPECT_EQ(ClassifyTransfer(facts), c.expected)
        << curl_easy_strerror(c.code) << " post=" << c.is_post << " body=" << c.body_started
        << " request=" << c.request_started;
  }
}

TEST(TransferOutcomeTest, DescriptionsSayWhatHappenedInPlainWords) {
  TransferFacts facts;
  facts.is_post = true;
  const std::string base = "https://api.genauth.ai";
  facts.curl_code = CURLE_PEER_FAILED_VERIFICATION;
  EXPECT_NE(DescribeTransferFailure(facts, "unable to get local issuer", base, "3ms", "10s", 10)
                .find("could not be verified (it must be issued for that host by a CA in the "
                      "system bundle or GENAUTH_CA_FILE): unable to get local issuer"),
            std::string::npos);
  facts.curl_code = CURLE_COULDNT_CONNECT;
  EXPECT_NE(DescribeTransferFailure(facts, "", base, "3ms", "10s", 10)
                .find("could not connect to https://api.genauth.ai"),
            std::string::npos);
  facts.body_started = true;
  facts.curl_code = CURLE_OPERATION_TIMEDOUT;
  EXPECT_EQ(DescribeTransferFailure(facts, "", base, "10s", "10s", 10),
            "GenAuth did not answer within 10s");
  facts.reply_too_large = true;
  facts.curl_code = CURLE_WRITE_ERROR;
  EXPECT_EQ(DescribeTransferFailure(facts, "", base, "1ms", "10s", 4096),
            "GenAuth's reply is larger than 4096 bytes");
  facts.reply_too_large = false;
  facts.curl_code = CURLE_OK;
  EXPECT_EQ(DescribeTransferFailure(facts, "", base, "1ms", "10s", 4096), "");
}

}  // namespace
}  // namespace genauth::upstream
