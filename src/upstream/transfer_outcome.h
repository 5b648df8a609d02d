// What a finished libcurl transfer means for the retry decision: whether GenAuth can have seen the
// request. A pure function of facts gathered during the transfer, table-tested, because a wrong
// "not sent" would let a trigger fire twice and a wrong "sent" only costs a retry of a read.
#pragma once

#include <string>

#include "upstream/http_transport.h"

namespace genauth::upstream {

struct TransferFacts {
  int curl_code = 0;  // CURLcode
  bool is_post = false;
  // POST: the body's first byte was handed to libcurl for sending. Before that GenAuth cannot have
  // a complete request, so it cannot have acted on it, whatever failed.
  bool body_started = false;
  // GET: libcurl reached the point of sending the request (CURLINFO_PRETRANSFER_TIME_T > 0).
  bool request_started = false;
  bool reply_too_large = false;  // our write callback refused the body
};

// The failure class; kNone for a complete reply (any HTTP status).
TransportFailure ClassifyTransfer(const TransferFacts& facts);

// Plain words for a failure, from libcurl's error text (which names hosts, never headers).
std::string DescribeTransferFailure(const TransferFacts& facts, const std::string& curl_error,
                                    const std::string& base_url, const std::string& elapsed,
                                    const std::string& timeout, size_t max_reply_bytes);

}  // namespace genauth::upstream
