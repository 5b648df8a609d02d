// The GenAuth emulator: an in-process HTTP(S) server that behaves like GenAuth's Management API V3
// for the endpoints the sidecar uses, answers scripted faults, and records every request. Shared by
// unit, integration and end-to-end tests, the demo (genauth-emulator binary) and benchmarks.
//
// Endpoints (see /work/shared/genauth-rest-api.md; webhook_api.h has their semantics):
//   POST /api/v3/get-management-token  {accessKeyId, accessKeySecret} -> {access_token, expires_in}
//   POST /api/v3/create-webhook        GET /api/v3/list-webhooks?page=&limit=
//   POST /api/v3/update-webhook        POST /api/v3/delete-webhook
//   GET  /api/v3/get-webhook?webhookId=   POST /api/v3/get-webhook-logs
//   POST /api/v3/trigger-webhook       GET /api/v3/get-webhook-event-list
// Every endpoint but the first takes either a token (Authorization: Bearer <token> and
// x-authing-userpool-id) or an AK/SK signature (signature_verifier.h).
// Control endpoints, neither recorded nor subject to faults or latency:
//   POST /_emulator/faults {path, faults: [...]}   GET /_emulator/faults
//   GET /_emulator/requests?path=   POST /_emulator/revoke-tokens   POST /_emulator/webhooks
//   POST /_emulator/reset   GET /_emulator/stats
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "emulator/fault.h"
#include "emulator/jwt.h"
#include "emulator/signature_verifier.h"
#include "emulator/webhook_api.h"
#include "emulator/webhook_logs.h"
#include "emulator/webhook_store.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace genauth::emulator {

struct EmulatorOptions {
  std::string bind_host = "127.0.0.1";
  int port = 0;  // 0 = any free port
  std::string access_key_id = "test-key-id";
  std::string access_key_secret = "test-key-secret";
  std::string userpool_id = "test-userpool";  // put in the token's scoped_userpool_id claim
  int token_expires_in_s = 7200;              // expires_in in token replies; 0 = born expired
  std::string tls_cert_file, tls_key_file;    // both set -> serve HTTPS (httplib::SSLServer)
  // Added to every reply except the control endpoints' (benchmarks model GenAuth's latency).
  std::chrono::milliseconds latency{0};
  // Serving threads. Delays and latency hold a thread each, so this bounds concurrent slow replies.
  int worker_threads = 32;
  // How long an idle keep-alive connection stays open. Stop() can wait this long for a client that
  // keeps an idle connection open (httplib 0.11 does not interrupt the wait).
  int keep_alive_timeout_s = 5;
  // Requests served on one keep-alive connection before the server closes it. httplib's default
  // is 5; benchmarks raise it to what production front ends allow (nginx: 1000), so that clients
  // are not made to reconnect every fifth call.
  size_t keep_alive_max_requests = 5;
  // How long trigger-webhook waits for the webhook's URL (connect, read and write, each).
  std::chrono::milliseconds webhook_timeout{5000};
  // delete-webhook answers {statusCode: 200, message} without data, as older GenAuth servers do
  // (newer ones send data: {success: true}); clients must accept both.
  bool legacy_delete_reply = false;
  // get-webhook-logs keeps at most this many logs per webhook, dropping the oldest (0 = all).
  size_t max_webhook_logs = 1000;
  // Requests() keeps at most this many of the latest requests (0 = all). Counts are never capped.
  size_t max_recorded_requests = 0;
  // Writes "METHOD path -> status" to stderr per request; never headers, bodies or tokens.
  bool log_requests = false;
};

struct RecordedRequest {
  std::string method, path;                       // path without query
  std::multimap<std::string, std::string> query;  // decoded query params
  std::map<std::string, std::string> headers;     // names lower-cased; repeats joined with ", "
  std::string body;
  std::chrono::steady_clock::time_point received_at;
  // The scheme the Authorization header claims, whether or not it verified: "token" (Bearer),
  // "signature" (authing/GenAuth AK:signature) or "" (none or unrecognised).
  std::string auth_scheme;
  // The fault applied instead of (or, when only delayed, before) the normal answer: FaultLabel().
  // Empty when the request was handled normally.
  std::string fault;
};

// Thread-safe: every public method except Start() and Stop() (the owner's) may be called from any
// thread while the server runs.
class Emulator {
 public:
  explicit Emulator(EmulatorOptions options);
  ~Emulator();  // stops
  Emulator(const Emulator&) = delete;
  Emulator& operator=(const Emulator&) = delete;

  // Binds (port 0 -> a free port) and serves on a thread. Returns once the server accepts
  // connections; false when it cannot bind, the TLS files are unusable, or it was started before.
  // The hosting process must ignore SIGPIPE: fault modes write to connections they broke.
  bool Start();
  // Stops serving and interrupts pending delays. Idempotent.
  void Stop();

  int port() const;              // the bound port, after a successful Start()
  std::string base_url() const;  // "http://127.0.0.1:PORT" (https with TLS)

  // Adds (or replaces) a GenAuth Webhook DTO; webhookId generated if absent, other members
  // defaulted as WebhookStore::Add describes. Returns it as stored, or null when `webhook` is not a
  // valid DTO.
  nlohmann::json AddWebhook(const nlohmann::json& webhook);
  std::optional<nlohmann::json> GetWebhook(const std::string& id) const;
  // The WebhookLogs of `id` (one per trigger-webhook call), newest first.
  std::vector<nlohmann::json> WebhookLogs(const std::string& id) const;

  // Appends to the fault queue of `path` (no query). Each request to that path consumes one fault,
  // in order; when the queue is empty, requests are handled normally.
  void ScriptFaults(const std::string& path, std::vector<Fault> faults);
  size_t PendingFaults(const std::string& path) const;
  // Random faults from now on (scripted ones still come first); probability 0 turns them off.
  void SetChaos(Chaos chaos);
  // Faults chosen by chaos so far, by path.
  std::map<std::string, size_t> ChaosInjected() const;
  // Forgets scripted faults and turns chaos off.
  void ClearFaults();

  // Every token issued so far now gets a 401 envelope; tokens issued later are valid.
  void RevokeAllTokens();

  // Rotates the access key's secret: from now on get-management-token and AK/SK signatures accept
  // only `access_key_secret`. Tokens already issued stay valid, as GenAuth's do when a key's
  // secret changes, so callers holding one are not interrupted.
  void SetAccessKeySecret(const std::string& access_key_secret);

  // Recorded requests (all paths except /_emulator/*), oldest first: all, or only `path`.
  std::vector<RecordedRequest> Requests(const std::string& path = "") const;
  size_t CountRequests(const std::string& path) const;
  // Every access_token ever issued (tests assert that none is logged). Not cleared by resets.
  std::vector<std::string> IssuedTokens() const;
  size_t TokensIssued() const;
  // Forgets recorded requests and their counts.
  void ClearRecords();
  // ClearRecords() and ClearFaults(): what POST /_emulator/reset does.
  void Reset();

 private:
  struct IssuedToken {
    std::chrono::system_clock::time_point expires_at;
    bool revoked = false;
  };

  void Dispatch(const httplib::Request& req, httplib::Response& res);
  void Record(const httplib::Request& req, const std::string& path, std::string fault);
  std::optional<Fault> PopFault(const std::string& path);
  void ApplyFault(const Fault& fault, const std::string& request_id, httplib::Response& res);
  // Sleeps for `duration` unless Stop() comes first.
  void Wait(std::chrono::milliseconds duration);
  bool stopping();  // Stop() has begun

  struct AuthFailure {
    std::string message;   // why, without secrets
    std::string api_code;  // the envelope's apiCode, or "" for none
  };

  // Fills `res` with an envelope carrying `request_id`.
  void HandleGetToken(const httplib::Request& req, const std::string& request_id,
                      httplib::Response& res);
  // nullopt when the request carries a valid token and user pool header, or a valid AK/SK
  // signature (whose nonce is then spent); else why not.
  std::optional<AuthFailure> Authorize(const httplib::Request& req, const std::string& path);
  // Empty when `authorization` ("Bearer <token>") names a live token of ours and the user pool
  // header matches, else why not.
  std::string CheckToken(const httplib::Request& req, const std::string& authorization) const;

  // Control endpoints, under /_emulator/.
  void HandleControl(const httplib::Request& req, httplib::Response& res);
  // Every recorded request to `path` (all when empty); `brief`: only path, body and fault.
  nlohmann::json RequestsAsJson(const std::string& path, bool brief) const;

  const EmulatorOptions options_;
  const TokenSigner signer_;
  const std::chrono::steady_clock::time_point created_at_;
  SignatureVerifier signature_verifier_;
  WebhookStore webhooks_;
  WebhookLogStore webhook_logs_;
  const WebhookApi webhook_api_;  // uses webhooks_ and webhook_logs_

  std::unique_ptr<httplib::Server> server_;
  std::thread server_thread_;
  int port_ = 0;  // written by Start() before serving begins, read-only afterwards
  bool started_ = false;

  mutable std::mutex mu_;
  std::deque<RecordedRequest> requests_;                  // guarded by mu_
  std::map<std::string, size_t> request_counts_;          // path -> count; guarded by mu_
  std::map<std::string, std::deque<Fault>> faults_;       // guarded by mu_
  Chaos chaos_;                                           // guarded by mu_
  std::map<std::string, size_t> chaos_injected_;          // guarded by mu_
  std::mt19937_64 chaos_random_{std::random_device{}()};  // guarded by mu_
  std::unordered_map<std::string, IssuedToken> tokens_;   // guarded by mu_
  std::vector<std::string> issued_order_;                 // guarded by mu_
  std::string access_key_secret_;                         // guarded by mu_

  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;  // guarded by stop_mu_
};

}  // namespace genauth::emulator
