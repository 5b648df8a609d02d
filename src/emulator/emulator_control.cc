// The emulator's control endpoints under /_emulator/ (faults, chaos, recorded requests, token
// revocation, seeding webhooks, reset, stats): how tests and scripts steer it over HTTP.
#include <chrono>
#include <mutex>
#include <string_view>

#include "emulator/emulator.h"
#include "emulator/http_exchange.h"
#include "emulator/json_fields.h"

namespace genauth::emulator {

using nlohmann::json;

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
