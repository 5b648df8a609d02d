// Delivers one webhook the way GenAuth's trigger-webhook does: a real HTTP(S) POST to its url.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

namespace genauth::emulator {

struct DeliveryResult {
  // False when no HTTP answer came back (bad url, refused, timeout, TLS failure): GenAuth's 601.
  bool answered = false;
  int http_status = 0;  // the receiver's HTTP status, when answered
  std::string body;     // the receiver's body, when answered
  // The receiver's headers (lower-cased name -> value, repeats joined with ", "), when answered.
  nlohmann::json response_headers = nlohmann::json::object();
  // What was sent: the headers (name -> value, as written) and the body text. Logged by
  // get-webhook-logs; the secret header is in there, as the webhook's own secret is visible anyway.
  nlohmann::json sent_headers = nlohmann::json::object();
  std::string sent_body;
  std::string error;  // why there was no answer, when !answered; never contains the secret
  // A short Node.js-style code for `error`, as GenAuth's logs show them: "ECONNREFUSED",
  // "ERRTIMEOUT", "ECONNRESET", "EPIPE", "ESSL", "EINVALIDURL" or "EUNKNOWN".
  std::string error_code;
};

struct DeliveryRequest {
  nlohmann::json webhook;                   // the stored Webhook DTO (url, contentType, secret)
  nlohmann::json request_headers;           // caller's headers (object of name -> value) or null
  nlohmann::json request_body;              // caller's body (any JSON) or null -> "{}"
  std::string userpool_id;                  // sent as x-authing-userpool-id, as GenAuth does
  std::chrono::milliseconds timeout{5000};  // connect, read and write timeout each
};

// POSTs request_body, JSON-encoded, to webhook.url with the caller's headers plus
// `user-agent: authing-webhook@2.0`, `x-authing-userpool-id`, and `x-authing-webhook-secret` when
// the webhook has a secret. Content-Type is the webhook's contentType. HTTPS certificates are not
// verified (receivers in tests are self-signed). Blocking; safe to call from many threads.
DeliveryResult DeliverWebhook(const DeliveryRequest& request);

}  // namespace genauth::emulator
