// The emulator's server: one catch-all handler records the request, applies a scripted fault or the
// configured latency, authorizes management calls (token or AK/SK signature), then routes to a
// GenAuth endpoint (webhook_api.h) or a control endpoint.
#include "emulator/emulator.h"

#include <httplib.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <exception>
#include <limits>
#include <string_view>
#include <utility>

#include "common/ascii_case.h"
#include "emulator/connection_drop.h"
#include "emulator/json_fields.h"
#include "emulator/random_id.h"

namespace genauth::emulator {
namespace {

using nlohmann::json;

constexpr char kTokenPath[] = "/api/v3/get-management-token";
constexpr char kControlPrefix[] = "/_emulator/";
constexpr char kJson[] = "application/json";
constexpr std::string_view kBearer = "bearer ";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes one query component: "+" is a space, "%XX" a byte; malformed escapes are kept as-is.
std::string DecodeQueryComponent(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out.push_back(' ');
    } else if (text[i] == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
               HexValue(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

// The query of a request target, decoded. Parsed here rather than taken from httplib's params,
// which also hold the fields of form-encoded bodies.
std::multimap<std::string, std::string> ParseQuery(const std::string& target) {
  std::multimap<std::string, std::string> query;
  size_t start = target.find('?');
  if (start == std::string::npos) return query;
  std::string_view rest(target);
  rest.remove_prefix(start + 1);
  size_t fragment = rest.find('#');
  if (fragment != std::string_view::npos) rest = rest.substr(0, fragment);
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string key = DecodeQueryComponent(pair.substr(0, eq));
    std::string value =
        eq == std::string_view::npos ? std::string() : DecodeQueryComponent(pair.substr(eq + 1));
    query.emplace(std::move(key), std::move(value));
  }
  return query;
}

// httplib stores the peer's and its own address as pseudo request headers.
bool IsHttplibPseudoHeader(const std::string& name) {
  return name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" ||
         name == "LOCAL_PORT";
}

// The request's headers by lower-cased name, repeats joined with ", " (as Node.js servers see
// them), without httplib's pseudo headers.
std::map<std::string, std::string> LowerCasedHeaders(const httplib::Request& req) {
  std::map<std::string, std::string> headers;
  for (const auto& [name, value] : req.headers) {
    if (IsHttplibPseudoHeader(name)) continue;
    auto [it, inserted] = headers.emplace(common::AsciiLower(name), value);
    if (!inserted) it->second += ", " + value;
  }
  return headers;
}

bool IsBearer(std::string_view authorization) {
  return authorization.size() > kBearer.size() &&
         common::AsciiLower(authorization.substr(0, kBearer.size())) == kBearer;
}

// RecordedRequest::auth_scheme for an Authorization header value.
std::string AuthScheme(const std::string& authorization) {
  if (IsBearer(authorization)) return "token";
  if (IsSignatureAuthorization(authorization)) return "signature";
  return "";
}

std::string EnvelopeText(int status_code, const std::string& message, const std::string& request_id,
                         const json* data = nullptr, const std::string& api_code = "") {
  json envelope = {{"statusCode", status_code}, {"message", message}, {"requestId", request_id}};
  if (!api_code.empty()) envelope["apiCode"] = ApiCodeToJson(api_code);
  if (data != nullptr) envelope["data"] = *data;
  return ToJsonText(envelope);
}

// Answers an envelope in an HTTP 200, as GenAuth does for its own errors too.
void SendEnvelope(httplib::Response& res, int status_code, const std::string& message,
                  const std::string& request_id, const json* data = nullptr,
                  const std::string& api_code = "") {
  res.status = 200;
  res.set_content(EnvelopeText(status_code, message, request_id, data, api_code), kJson);
}

void SendReply(httplib::Response& res, const ApiReply& reply, const std::string& request_id) {
  SendEnvelope(res, reply.status_code, reply.message, request_id,
               reply.data ? &*reply.data : nullptr);
}

void SendSuccess(httplib::Response& res, const std::string& request_id, const json& data) {
  SendEnvelope(res, 200, "success", request_id, &data);
}

void SendControl(httplib::Response& res, int http_status, const json& body) {
  res.status = http_status;
  res.set_content(ToJsonText(body), kJson);
}

void SendControlError(httplib::Response& res, int http_status, const std::string& error) {
  SendControl(res, http_status, json{{"error", error}});
}

std::string DisplayHost(const std::string& host) {
  if (host.empty() || host == "0.0.0.0") return "127.0.0.1";
  if (host == "::") return "[::1]";
  if (host.find(':') != std::string::npos && host.front() != '[') return "[" + host + "]";
  return host;
}

}  // namespace

Emulator::Emulator(EmulatorOptions options)
    : options_(std::move(options)),
      created_at_(std::chrono::steady_clock::now()),
      signature_verifier_(options_.access_key_id, options_.access_key_secret),
      webhook_logs_(options_.max_webhook_logs),
      webhook_api_(WebhookApiOptions{options_.userpool_id, options_.webhook_timeout,
                                     options_.legacy_delete_reply},
                   &webhooks_, &webhook_logs_),
      access_key_secret_(options_.access_key_secret) {}

Emulator::~Emulator() { Stop(); }

bool Emulator::Start() {
  if (started_) return false;
  started_ = true;

  const bool want_tls = !options_.tls_cert_file.empty() || !options_.tls_key_file.empty();
  if (want_tls) {
    if (options_.tls_cert_file.empty() || options_.tls_key_file.empty()) return false;
    server_ = std::make_unique<httplib::SSLServer>(options_.tls_cert_file.c_str(),
                                                   options_.tls_key_file.c_str());
  } else {
    server_ = std::make_unique<httplib::Server>();
  }
  if (!server_->is_valid()) return false;
  // Fault modes write to connections they broke (and clients hang up early): the process hosting
  // the emulator must ignore SIGPIPE, so that such a write fails with EPIPE. A process-wide
  // setting, so its main does it (BlockTerminationSignals; tests: support/ignore_sigpipe.cc).

  const size_t threads = static_cast<size_t>(std::max(1, options_.worker_threads));
  server_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  // httplib's default also sets SO_REUSEPORT, which would let a second server bind a busy port.
  // The socket is kept so that its listen backlog can be raised once bound (see below).
  int listening_socket = -1;
  server_->set_socket_options([&listening_socket](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    listening_socket = sock;
  });
  server_->set_keep_alive_timeout(std::max(0, options_.keep_alive_timeout_s));
  server_->set_keep_alive_max_count(std::max<size_t>(1, options_.keep_alive_max_requests));
  // Without it, Nagle's algorithm holds the body behind the headers for the client's delayed ACK
  // (~40 ms per reply on Linux), which would dwarf every latency the tests and benchmarks measure.
  server_->set_tcp_nodelay(true);
  const httplib::Server::Handler handler = [this](const httplib::Request& req,
                                                  httplib::Response& res) { Dispatch(req, res); };
  server_->Get(".*", handler)
      .Post(".*", handler)
      .Put(".*", handler)
      .Patch(".*", handler)
      .Delete(".*", handler)
      .Options(".*", handler);
  server_->set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, const std::exception_ptr&) {
        SendEnvelope(res, 500, "emulator internal error", RandomHex(16));
        res.status = 500;
      });
  if (options_.log_requests) {
    server_->set_logger([](const httplib::Request& req, const httplib::Response& res) {
      // Method and path only: headers and bodies carry the secret and tokens.
      std::fprintf(stderr, "genauth-emulator: %s %s -> %d\n", req.method.c_str(), req.path.c_str(),
                   res.status);
    });
  }

  if (options_.port == 0) {
    port_ = server_->bind_to_any_port(options_.bind_host);
    if (port_ <= 0) return false;
  } else {
    if (!server_->bind_to_port(options_.bind_host, options_.port)) return false;
    port_ = options_.port;
  }

  // httplib listens with a backlog of 5: clients that open many connections at once (the Node
  // SDK under load, benchmarks) would see dropped SYNs and 1 s retransmissions. listen() again
  // raises it.
  if (listening_socket >= 0) listen(listening_socket, SOMAXCONN);
  server_->set_socket_options([](int sock) {  // the callback above refers to this frame
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });

  // The listening socket already queues connections; waiting for is_running() also guarantees
  // that Stop() cannot race with listen_after_bind() and leave the accept loop running.
  auto listen_returned = std::make_shared<std::atomic<bool>>(false);
  server_thread_ = std::thread([this, listen_returned] {
    server_->listen_after_bind();
    listen_returned->store(true);
  });
  while (!server_->is_running() && !listen_returned->load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return server_->is_running();
}

void Emulator::Stop() {
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (server_) server_->stop();
  if (server_thread_.joinable()) server_thread_.join();
}

int Emulator::port() const { return port_; }

std::string Emulator::base_url() const {
  const bool tls = !options_.tls_cert_file.empty() && !options_.tls_key_file.empty();
  return std::string(tls ? "https://" : "http://") + DisplayHost(options_.bind_host) + ":" +
         std::to_string(port_);
}

nlohmann::json Emulator::AddWebhook(const nlohmann::json& webhook) {
  std::string error;
  std::optional<json> stored = webhooks_.Add(webhook, &error);
  return stored ? *stored : json();
}

std::optional<nlohmann::json> Emulator::GetWebhook(const std::string& id) const {
  return webhooks_.Get(id);
}

std::vector<nlohmann::json> Emulator::WebhookLogs(const std::string& id) const {
  return webhook_logs_.List(id, 0, std::numeric_limits<size_t>::max()).items;
}

void Emulator::ScriptFaults(const std::string& path, std::vector<Fault> faults) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& queue = faults_[path];
  for (auto& fault : faults) queue.push_back(std::move(fault));
}

size_t Emulator::PendingFaults(const std::string& path) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = faults_.find(path);
  return it == faults_.end() ? 0 : it->second.size();
}

void Emulator::ClearFaults() {
  std::lock_guard<std::mutex> lock(mu_);
  faults_.clear();
  chaos_ = Chaos{};
}

void Emulator::SetChaos(Chaos chaos) {
  std::lock_guard<std::mutex> lock(mu_);
  chaos_ = std::move(chaos);
}

std::map<std::string, size_t> Emulator::ChaosInjected() const {
  std::lock_guard<std::mutex> lock(mu_);
  return chaos_injected_;
}

void Emulator::RevokeAllTokens() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [token, issued] : tokens_) issued.revoked = true;
}

void Emulator::SetAccessKeySecret(const std::string& access_key_secret) {
  signature_verifier_.SetAccessKeySecret(access_key_secret);
  std::lock_guard<std::mutex> lock(mu_);
  access_key_secret_ = access_key_secret;
}

std::vector<RecordedRequest> Emulator::Requests(const std::string& path) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<RecordedRequest> out;
  for (const auto& request : requests_) {
    if (path.empty() || request.path == path) out.push_back(request);
  }
  return out;
}

size_t Emulator::CountRequests(const std::string& path) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = request_counts_.find(path);
  return it == request_counts_.end() ? 0 : it->second;
}

std::vector<std::string> Emulator::IssuedTokens() const {
  std::lock_guard<std::mutex> lock(mu_);
  return issued_order_;
}

size_t Emulator::TokensIssued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return issued_order_.size();
}

void Emulator::ClearRecords() {
  std::lock_guard<std::mutex> lock(mu_);
  requests_.clear();
  request_counts_.clear();
}

void Emulator::Reset() {
  ClearRecords();
  ClearFaults();
}

void Emulator::Wait(std::chrono::milliseconds duration) {
  if (duration <= std::chrono::milliseconds::zero()) return;
  std::unique_lock<std::mutex> lock(stop_mu_);
  stop_cv_.wait_for(lock, duration, [this] { return stopping_; });
}

bool Emulator::stopping() {
  std::lock_guard<std::mutex> lock(stop_mu_);
  return stopping_;
}

void Emulator::Dispatch(const httplib::Request& req, httplib::Response& res) {
  const std::string& path = req.path;
  if (path.rfind(kControlPrefix, 0) == 0) {
    HandleControl(req, res);
    return;
  }
  // Recorded before any fault is applied so that tests count attempts, failed ones included.
  std::optional<Fault> fault = PopFault(path);
  Record(req, path, fault ? FaultLabel(*fault) : std::string());
  Wait(options_.latency + (fault ? fault->delay : std::chrono::milliseconds::zero()));
  const std::string request_id = RandomHex(16);
  if (fault && fault->drop_connection) {
    // The reply httplib then tries to write fails on the shut socket (SIGPIPE is ignored).
    if (!DropConnection(req.local_port, req.remote_port)) res.status = 599;
    return;
  }
  if (fault && !fault->pass_through) {
    ApplyFault(*fault, request_id, res);
    return;
  }

  if (req.method == "POST" && path == kTokenPath) {
    HandleGetToken(req, request_id, res);
    return;
  }
  if (!WebhookApi::IsEndpoint(req.method, path)) {
    SendEnvelope(res, 404, "no such endpoint: " + req.method + " " + path, request_id);
    res.status = 404;
    return;
  }
  if (std::optional<AuthFailure> failure = Authorize(req, path)) {
    SendEnvelope(res, 401, failure->message, request_id, nullptr, failure->api_code);
    return;
  }
  SendReply(res, webhook_api_.Handle(path, ParseJson(req.body), ParseQuery(req.target)),
            request_id);
}

void Emulator::Record(const httplib::Request& req, const std::string& path, std::string fault) {
  RecordedRequest record;
  record.method = req.method;
  record.path = path;
  record.query = ParseQuery(req.target);
  record.headers = LowerCasedHeaders(req);
  record.body = req.body;
  record.received_at = std::chrono::steady_clock::now();
  record.fault = std::move(fault);
  if (auto it = record.headers.find("authorization"); it != record.headers.end()) {
    record.auth_scheme = AuthScheme(it->second);
  }

  std::lock_guard<std::mutex> lock(mu_);
  ++request_counts_[path];
  requests_.push_back(std::move(record));
  if (options_.max_recorded_requests > 0 && requests_.size() > options_.max_recorded_requests) {
    requests_.pop_front();
  }
}

std::optional<Fault> Emulator::PopFault(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = faults_.find(path);
  if (it == faults_.end() || it->second.empty()) {
    if (chaos_.probability <= 0 || chaos_.faults.empty()) return std::nullopt;
    if (!chaos_.paths.empty() &&
        std::find(chaos_.paths.begin(), chaos_.paths.end(), path) == chaos_.paths.end()) {
      return std::nullopt;
    }
    if (std::uniform_real_distribution<double>(0, 1)(chaos_random_) >= chaos_.probability) {
      return std::nullopt;
    }
    ++chaos_injected_[path];
    return chaos_.Pick(
        std::uniform_int_distribution<uint64_t>(0, chaos_.TotalWeight() - 1)(chaos_random_));
  }
  Fault fault = std::move(it->second.front());
  it->second.pop_front();
  if (it->second.empty()) faults_.erase(it);
  return fault;
}

void Emulator::ApplyFault(const Fault& fault, const std::string& request_id,
                          httplib::Response& res) {
  res.status = fault.http_status;
  if (!fault.retry_after.empty()) res.set_header("Retry-After", fault.retry_after);
  std::string body;
  if (!fault.raw_body.empty()) {
    body = fault.raw_body;
  } else if (fault.body_status) {
    body = EnvelopeText(*fault.body_status, fault.message, request_id, nullptr, fault.api_code);
  }
  if (fault.truncate_body) {
    if (body.empty()) {
      body = EnvelopeText(fault.http_status, fault.message, request_id, nullptr, fault.api_code);
    }
    auto shared_body = std::make_shared<const std::string>(std::move(body));
    // Announces the full length, writes half, then fails: httplib drops the connection, so the
    // client sees a read error after the headers.
    res.set_content_provider(shared_body->size(), fault.content_type,
                             [shared_body](size_t offset, size_t, httplib::DataSink& sink) {
                               const size_t half = shared_body->size() / 2;
                               if (offset < half)
                                 sink.write(shared_body->data() + offset, half - offset);
                               return false;
                             });
    return;
  }
  if (fault.trickle_interval.count() > 0 && !body.empty()) {
    auto shared_body = std::make_shared<const std::string>(std::move(body));
    res.set_content_provider(shared_body->size(), fault.content_type,
                             [this, shared_body, interval = fault.trickle_interval](
                                 size_t offset, size_t, httplib::DataSink& sink) {
                               Wait(interval);
                               if (stopping()) return false;
                               sink.write(shared_body->data() + offset, 1);
                               return true;
                             });
    return;
  }
  if (!body.empty()) res.set_content(body, fault.content_type);
}

void Emulator::HandleGetToken(const httplib::Request& req, const std::string& request_id,
                              httplib::Response& res) {
  json body = ParseJson(req.body);
  if (body.is_discarded() || !body.is_object()) {
    SendEnvelope(res, 400, "request body must be a JSON object", request_id);
    return;
  }
  std::optional<std::string> key_id = StringField(body, "accessKeyId");
  std::optional<std::string> key_secret = StringField(body, "accessKeySecret");
  if (!key_id || !key_secret || key_id->empty() || key_secret->empty()) {
    SendEnvelope(res, 401, "accessKeyId and accessKeySecret are required", request_id);
    return;
  }
  std::string accepted_secret;
  {
    std::lock_guard<std::mutex> lock(mu_);
    accepted_secret = access_key_secret_;
  }
  if (*key_id != options_.access_key_id || *key_secret != accepted_secret) {
    SendEnvelope(res, 401, "invalid accessKeyId or accessKeySecret", request_id);
    return;
  }

  const auto now = std::chrono::system_clock::now();
  const int64_t iat =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  const int64_t expires_in = options_.token_expires_in_s;
  const std::string token = signer_.Sign({{"scoped_userpool_id", options_.userpool_id},
                                          {"iat", iat},
                                          {"exp", iat + expires_in},
                                          {"jti", RandomHex(16)}});
  {
    std::lock_guard<std::mutex> lock(mu_);
    tokens_[token] = IssuedToken{now + std::chrono::seconds(expires_in), false};
    issued_order_.push_back(token);
  }
  SendSuccess(res, request_id, json{{"access_token", token}, {"expires_in", expires_in}});
}

std::optional<Emulator::AuthFailure> Emulator::Authorize(const httplib::Request& req,
                                                         const std::string& path) {
  const std::string authorization = req.get_header_value("Authorization");
  if (authorization.empty()) return AuthFailure{"missing Authorization header", ""};
  if (IsSignatureAuthorization(authorization)) {
    SignedRequest signed_request{req.method, path, LowerCasedHeaders(req), ParseQuery(req.target),
                                 req.body};
    std::optional<SignatureRejection> rejection =
        signature_verifier_.Verify(signed_request, std::chrono::system_clock::now());
    if (!rejection) return std::nullopt;
    return AuthFailure{rejection->message, std::to_string(rejection->api_code)};
  }
  if (!IsBearer(authorization)) {
    return AuthFailure{
        "Authorization header must be 'Bearer <token>' or 'authing <accessKeyId>:<signature>'", ""};
  }
  if (std::string why = CheckToken(req, authorization); !why.empty()) return AuthFailure{why, ""};
  return std::nullopt;
}

std::string Emulator::CheckToken(const httplib::Request& req,
                                 const std::string& authorization) const {
  std::string token = authorization.substr(kBearer.size());
  token.erase(0, token.find_first_not_of(' '));
  token.erase(token.find_last_not_of(' ') + 1);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = tokens_.find(token);
    if (it == tokens_.end()) return "token was not issued by this server";
    if (it->second.revoked) return "token has been revoked";
    if (std::chrono::system_clock::now() >= it->second.expires_at) return "token has expired";
  }
  const std::string authing = req.get_header_value("x-authing-userpool-id");
  const std::string genauth = req.get_header_value("x-genauth-userpool-id");
  if (authing.empty() && genauth.empty()) return "missing x-authing-userpool-id header";
  if (authing != options_.userpool_id && genauth != options_.userpool_id) {
    return "x-authing-userpool-id does not match the token's user pool";
  }
  return "";
}

nlohmann::json Emulator::RequestsAsJson(const std::string& path, bool brief) const {
  json list = json::array();
  for (const RecordedRequest& request : Requests(path)) {
    if (brief) {  // what a soak check needs of 100k requests, without headers and query
      list.push_back({{"path", request.path}, {"body", request.body}, {"fault", request.fault}});
      continue;
    }
    json query = json::object();
    for (const auto& [key, value] : request.query) {
      if (!query.contains(key)) query[key] = value;  // repeated keys: the first wins
    }
    list.push_back({{"method", request.method},
                    {"path", request.path},
                    {"query", query},
                    {"headers", request.headers},
                    {"body", request.body},
                    {"authScheme", request.auth_scheme},
                    {"fault", request.fault},
                    {"atMs", std::chrono::duration_cast<std::chrono::milliseconds>(
                                 request.received_at - created_at_)
                                 .count()}});
  }
  return list;
}

void Emulator::HandleControl(const httplib::Request& req, httplib::Response& res) {
  const std::string name = req.path.substr(std::string_view(kControlPrefix).size());
  const bool post = req.method == "POST";
  const bool get = req.method == "GET";
  if (post && name == "faults") {
    json body = ParseJson(req.body);
    std::optional<std::string> path = StringField(body, "path");
    if (!path || path->empty() || (*path)[0] != '/') {
      SendControlError(res, 400, "body must be {\"path\": \"/...\", \"faults\": [...]}");
      return;
    }
    auto faults_it = body.find("faults");
    if (faults_it == body.end() || !faults_it->is_array()) {
      SendControlError(res, 400, "faults must be an array");
      return;
    }
    std::vector<Fault> faults;
    for (const json& item : *faults_it) {
      std::string error;
      std::optional<Fault> fault = FaultFromJson(item, &error);
      if (!fault) {
        SendControlError(res, 400, "fault " + std::to_string(faults.size()) + ": " + error);
        return;
      }
      faults.push_back(std::move(*fault));
    }
    const size_t queued = faults.size();
    ScriptFaults(*path, std::move(faults));
    SendControl(res, 200, json{{"queued", queued}, {"pending", PendingFaults(*path)}});
  } else if (get && name == "faults") {
    json pending = json::object();
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (const auto& [path, queue] : faults_) {
        json list = json::array();
        for (const Fault& fault : queue) list.push_back(FaultToJson(fault));
        pending[path] = list;
      }
    }
    SendControl(res, 200, pending);
  } else if (post && name == "chaos") {
    std::string error = "body is not JSON";
    json body = ParseJson(req.body);
    std::optional<Chaos> chaos = body.is_discarded() ? std::nullopt : ChaosFromJson(body, &error);
    if (!chaos) {
      SendControlError(res, 400, error);
      return;
    }
    const double probability = chaos->probability;
    SetChaos(std::move(*chaos));
    SendControl(res, 200, json{{"probability", probability}});
  } else if (get && name == "requests") {
    SendControl(res, 200,
                RequestsAsJson(req.get_param_value("path"), req.get_param_value("brief") == "1"));
  } else if (post && name == "revoke-tokens") {
    RevokeAllTokens();
    SendControl(res, 200, json{{"revoked", TokensIssued()}});
  } else if (post && name == "webhooks") {
    std::string error = "body is not JSON";
    json body = ParseJson(req.body);
    std::optional<json> stored = body.is_discarded() ? std::nullopt : webhooks_.Add(body, &error);
    if (!stored) {
      SendControlError(res, 400, error);
      return;
    }
    SendControl(res, 200, *stored);
  } else if (post && name == "reset") {
    Reset();
    SendControl(res, 200, json{{"reset", true}});
  } else if (get && name == "stats") {
    json counts = json::object();
    size_t tokens_issued = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (const auto& [path, count] : request_counts_) counts[path] = count;
      tokens_issued = issued_order_.size();
    }
    json injected = json::object();
    for (const auto& [path, count] : ChaosInjected()) injected[path] = count;
    SendControl(res, 200,
                json{{"tokensIssued", tokens_issued}, {"requests", counts}, {"chaos", injected}});
  } else {
    SendControlError(res, 404, "no such control endpoint: " + req.method + " " + req.path);
  }
}

}  // namespace genauth::emulator
