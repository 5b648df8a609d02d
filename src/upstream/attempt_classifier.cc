// Attempt classification (see attempt_classifier.h).
#include "upstream/attempt_classifier.h"

#include <cctype>
#include <utility>

#include "errors/error_details.h"
#include "retry/retry_after.h"
#include "upstream/envelope.h"

namespace genauth::upstream {

const char* AttemptOutcomeLabel(retry::AttemptFailure failure) {
  switch (failure) {
    case retry::AttemptFailure::kNone:
      return "success";
    case retry::AttemptFailure::kNotSent:
      return "not_sent";
    case retry::AttemptFailure::kSentNoReply:
      return "timeout";
    case retry::AttemptFailure::kBrokenReply:
      return "broken_reply";
    case retry::AttemptFailure::kStatus:
      return "genauth_error";
  }
  return "unknown";
}

bool IsJsonContentType(const std::string& content_type) {
  if (content_type.empty()) return true;
  std::string media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && media.back() == ' ') media.pop_back();
  for (char& c : media) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return media == "application/json" ||
         (media.size() > 5 && media.compare(media.size() - 5, 5, "+json") == 0);
}

ClassifiedAttempt ClassifyAttempt(HttpResult& result, common::WallTime wall_now,
                                  CallReport* report) {
  ClassifiedAttempt attempt;
  switch (result.failure) {
    case TransportFailure::kNone:
      break;
    case TransportFailure::kNotSent:
      attempt.outcome.failure = retry::AttemptFailure::kNotSent;
      attempt.status = absl::UnavailableError(result.detail);
      errors::SetErrorInfo(attempt.status, errors::reason::kUpstreamUnreachable);
      return attempt;
    case TransportFailure::kTimedOut:
      attempt.outcome.failure = retry::AttemptFailure::kSentNoReply;
      attempt.status = absl::DeadlineExceededError(result.detail);
      errors::SetErrorInfo(attempt.status, errors::reason::kUpstreamTimeout);
      return attempt;
    case TransportFailure::kBrokenReply:
    case TransportFailure::kTooLarge:
      attempt.outcome.failure = retry::AttemptFailure::kBrokenReply;
      attempt.status = absl::UnavailableError(result.detail);
      errors::SetErrorInfo(attempt.status, result.failure == TransportFailure::kTooLarge
                                               ? errors::reason::kUpstreamMalformedReply
                                               : errors::reason::kUpstreamBrokenReply);
      return attempt;
  }

  HttpResponse& response = result.response;
  report->http_status = response.status;
  if (!response.retry_after.empty()) {
    attempt.retry_after = retry::ParseRetryAfter(response.retry_after, wall_now);
  }
  std::string why;
  std::optional<Envelope> envelope;
  if (IsJsonContentType(response.content_type)) {
    envelope = ParseEnvelope(response.body, &why);
  } else {
    why = "its Content-Type is " + response.content_type + ", not application/json";
  }
  if (envelope) {
    report->genauth_status = envelope->status_code;
    report->api_code = envelope->api_code;
    report->request_id = envelope->request_id;
    if (envelope->status_code == 200) {
      attempt.data = std::move(envelope->data);
      return attempt;
    }
    attempt.outcome = {retry::AttemptFailure::kStatus, envelope->status_code};
    std::string message = envelope->message.empty() ? "GenAuth answered statusCode " +
                                                          std::to_string(envelope->status_code)
                                                    : envelope->message;
    attempt.status = absl::Status(CodeForGenAuthStatus(envelope->status_code), message);
    errors::SetErrorInfo(attempt.status, errors::reason::kGenAuthError,
                         {{"statusCode", std::to_string(envelope->status_code)},
                          {"apiCode", envelope->api_code},
                          {"requestId", envelope->request_id},
                          {"httpStatus", std::to_string(response.status)}});
    return attempt;
  }
  if (response.status >= 200 && response.status < 300) {
    // GenAuth probably processed the call but its reply cannot be read: not provably unprocessed.
    attempt.outcome.failure = retry::AttemptFailure::kBrokenReply;
    attempt.status = absl::UnavailableError("GenAuth's reply could not be read: " + why +
                                            " (HTTP " + std::to_string(response.status) + ")");
    errors::SetErrorInfo(attempt.status, errors::reason::kUpstreamMalformedReply,
                         {{"httpStatus", std::to_string(response.status)}});
    return attempt;
  }
  // A gateway's error without an envelope: the HTTP status stands in for statusCode.
  attempt.outcome = {retry::AttemptFailure::kStatus, response.status};
  attempt.status = absl::Status(
      CodeForGenAuthStatus(response.status),
      "GenAuth answered HTTP " + std::to_string(response.status) + " without a JSON envelope");
  errors::SetErrorInfo(attempt.status, errors::reason::kGenAuthError,
                       {{"httpStatus", std::to_string(response.status)}});
  return attempt;
}

bool ShowsUpstreamUnwell(const retry::AttemptOutcome& outcome) {
  switch (outcome.failure) {
    case retry::AttemptFailure::kNone:
      return false;
    case retry::AttemptFailure::kNotSent:
    case retry::AttemptFailure::kSentNoReply:
    case retry::AttemptFailure::kBrokenReply:
      return true;
    case retry::AttemptFailure::kStatus:
      return outcome.status >= 500;
  }
  return false;
}

}  // namespace genauth::upstream
