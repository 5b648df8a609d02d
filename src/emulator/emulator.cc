// The emulator's server: one catch-all handler records the request, applies a scripted fault or the
// configured latency, authorizes management calls (token or AK/SK signature: emulator_auth.cc),
// then routes to a GenAuth endpoint (webhook_api.h) or a control endpoint (emulator_control.cc).
#include "emulator/emulator.h"

#include <httplib.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <exception>
#include <limits>
#include <string_view>
#include <utility>

#include "emulator/connection_drop.h"
#include "emulator/http_exchange.h"
#include "emulator/json_fields.h"
#include "emulator/random_id.h"

namespace genauth::emulator {
namespace {

using nlohmann::json;

constexpr char kTokenPath[] = "/api/v3/get-management-token";

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

}  // namespace genauth::emulator
