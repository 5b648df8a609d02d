// Direct REST calls with kept-alive connections (see rest_driver.h).
#include "rest_driver.h"

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

namespace genauth::bench {
namespace {

constexpr char kSdkVersion[] = "genauth-bench:0.1.0";

std::unique_ptr<httplib::Client> NewClient(const RestDriverOptions& options) {
  auto client = std::make_unique<httplib::Client>(options.base_url);
  client->set_keep_alive(true);
  client->set_tcp_nodelay(true);
  client->enable_server_certificate_verification(true);
  if (!options.ca_file.empty()) client->set_ca_cert_path(options.ca_file);
  const auto seconds = static_cast<time_t>(options.timeout.count() / 1000);
  const auto micros = static_cast<time_t>((options.timeout.count() % 1000) * 1000);
  client->set_connection_timeout(seconds, micros);
  client->set_read_timeout(seconds, micros);
  client->set_write_timeout(seconds, micros);
  return client;
}

// The payload of a JWT (base64url, unpadded), or "" when it is not one.
std::string JwtPayload(const std::string& jwt) {
  const size_t first = jwt.find('.');
  const size_t second = first == std::string::npos ? first : jwt.find('.', first + 1);
  if (second == std::string::npos) return "";
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (size_t i = first + 1; i < second; ++i) {
    const char c = jwt[i];
    int v = -1;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    if (c >= '0' && c <= '9') v = c - '0' + 52;
    if (c == '-' || c == '+') v = 62;
    if (c == '_' || c == '/') v = 63;
    if (v < 0) return "";
    buffer = (buffer << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xff);
    }
  }
  return out;
}

// "200" for a success; otherwise the HTTP status and the envelope's statusCode when it differs.
std::string StatusOf(const httplib::Response& response) {
  const nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
  std::optional<int> status_code;
  if (body.is_object()) {
    auto it = body.find("statusCode");
    if (it != body.end() && it->is_number_integer()) status_code = it->get<int>();
  }
  const std::string http = std::to_string(response.status);
  if (!status_code) return "http " + http + " / no envelope";
  if (*status_code == 200 && response.status == 200) return http;
  return "http " + http + " / genauth " + std::to_string(*status_code);
}

}  // namespace

RestDriver::RestDriver(const RestDriverOptions& options, const Workload* workload,
                       CompletionSink* sink)
    : options_(options), workload_(workload), sink_(sink) {}

RestDriver::~RestDriver() { Shutdown(); }

bool RestDriver::Init(std::string* error) {
  if (!RenewToken(nullptr, error)) return false;
  for (int i = 0; i < std::max(1, options_.connections); ++i) {
    workers_.emplace_back([this] { Work(); });
  }
  return true;
}

std::shared_ptr<const RestDriver::Token> RestDriver::CurrentToken() {
  std::lock_guard<std::mutex> lock(token_mu_);
  return token_;
}

std::shared_ptr<const RestDriver::Token> RestDriver::RenewToken(
    const std::shared_ptr<const Token>& stale, std::string* error) {
  std::lock_guard<std::mutex> lock(token_mu_);
  if (stale != nullptr && token_ != stale) return token_;  // another caller renewed it
  auto client = NewClient(options_);
  const nlohmann::json request = {{"accessKeyId", options_.access_key_id},
                                  {"accessKeySecret", options_.access_key_secret}};
  httplib::Headers headers = {{options_.header_prefix + "-sdk-version", kSdkVersion},
                              {options_.header_prefix + "-lang", options_.lang}};
  token_fetches_.fetch_add(1);
  auto result =
      client->Post("/api/v3/get-management-token", headers, request.dump(), "application/json");
  if (!result) {
    *error = "token request failed: " + httplib::to_string(result.error());
    return nullptr;
  }
  const nlohmann::json reply = nlohmann::json::parse(result->body, nullptr, false);
  const nlohmann::json* data =
      reply.is_object() && reply.contains("data") ? &reply["data"] : nullptr;
  if (data == nullptr || !data->is_object() || !data->contains("access_token") ||
      !(*data)["access_token"].is_string()) {
    *error =
        "the token endpoint answered HTTP " + std::to_string(result->status) + " without a token";
    return nullptr;
  }
  auto token = std::make_shared<Token>();
  const std::string access_token = (*data)["access_token"].get<std::string>();
  token->authorization = "Bearer " + access_token;
  // The user pool header is the token's scoped_userpool_id claim, else the key id (as the SDKs).
  token->userpool_id = options_.access_key_id;
  const nlohmann::json claims = nlohmann::json::parse(JwtPayload(access_token), nullptr, false);
  if (claims.is_object() && claims.contains("scoped_userpool_id") &&
      claims["scoped_userpool_id"].is_string()) {
    token->userpool_id = claims["scoped_userpool_id"].get<std::string>();
  }
  token_ = token;
  return token_;
}

void RestDriver::Start(const CallSpec& call) {
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    queue_.push_back(call);
  }
  queue_cv_.notify_one();
}

void RestDriver::Work() {
  auto client = NewClient(options_);
  const std::string& prefix = options_.header_prefix;
  for (;;) {
    CallSpec call;
    {
      std::unique_lock<std::mutex> lock(queue_mu_);
      queue_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left to send
      call = queue_.front();
      queue_.pop_front();
    }
    const RestCall& rest = workload_->rest(call.kind);
    std::string status;
    std::shared_ptr<const Token> token = CurrentToken();
    for (int attempt = 0; attempt < 2; ++attempt) {
      httplib::Request request;
      request.method = rest.method;
      request.path = rest.target;
      request.set_header("Authorization", token->authorization);
      request.set_header(prefix + "-userpool-id", token->userpool_id);
      request.set_header(prefix + "-sdk-version", kSdkVersion);
      request.set_header(prefix + "-lang", options_.lang);
      if (rest.method != "GET") {
        request.body = rest.body;
        request.set_header("Content-Type", "application/json");
      }
      httplib::Response response;
      httplib::Error error = httplib::Error::Success;
      if (!client->send(request, response, error)) {
        status = "error: " + httplib::to_string(error);
        break;
      }
      status = StatusOf(response);
      // GenAuth refused the token: renew it once and repeat, as the sidecar does.
      if (attempt > 0 || status.find("genauth 401") == std::string::npos) break;
      std::string renew_error;
      std::shared_ptr<const Token> renewed = RenewToken(token, &renew_error);
      if (renewed == nullptr) break;
      token = renewed;
    }
    sink_->OnCompleted(call, NowNanos(), status);
  }
}

void RestDriver::Shutdown() {
  std::deque<CallSpec> unsent;
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    if (stopping_) return;
    stopping_ = true;
    unsent.swap(queue_);  // the drain gave up on these: they are reported, not sent
  }
  queue_cv_.notify_all();
  for (const CallSpec& call : unsent) sink_->OnCompleted(call, NowNanos(), "error: not sent");
  for (auto& worker : workers_) worker.join();
  workers_.clear();
}

}  // namespace genauth::bench
