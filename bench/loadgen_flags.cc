// Flag parsing for genauth-loadgen (see loadgen_flags.h).
#include "loadgen_flags.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>

#include "common/flag_reader.h"

namespace genauth::bench {
namespace {

constexpr char kUsage[] = R"(Usage: genauth-loadgen [flags]
Open-loop load generator for genauth-sidecar: sends requests at a fixed rate, measures each
latency from the request's scheduled send time (no coordinated omission) and reports
p50/p90/p99/p99.9, the achieved rate and the status counts. Two modes, one harness:
  --mode sidecar   gRPC calls to the sidecar (generated stubs, async CompletionQueue)
  --mode direct    the equivalent REST call straight to GenAuth (or the emulator), with a pool
                   of kept-alive HTTP connections and a management token fetched once

Target:
  --target ADDR              sidecar address, host:port or unix:/path (sidecar mode)
  --channels N               gRPC channels (HTTP/2 connections), calls spread round-robin (1)
  --rest-url URL             GenAuth base URL, http(s)://host:port (direct mode)
  --access-key-id ID         access key id (direct mode)
  --access-key-secret-file F file holding the access key secret (direct mode; or the
                             GENAUTH_ACCESS_KEY_SECRET environment variable). Never printed.
  --ca-file FILE             CA bundle for an https --rest-url (default: system CAs)
  --connections N            direct mode: worker threads, one kept-alive connection each (64)
  --header-prefix P          x-authing or x-genauth, for direct-mode headers (x-authing)

Workload:
  --rpc trigger|get|list|mix TriggerWebhook, GetWebhook, ListWebhooks, or a weighted mix (trigger)
  --mix trigger=W,get=W,list=W  weights for --rpc mix (trigger=60,get=30,list=10)
  --webhook-id ID            webhook to trigger or read (wh-bench)
  --payload-bytes N          TriggerWebhook request_body size as JSON, bytes (1024)
  --seed N                   seed of the mix's per-request choice (1)
  --unique-payloads          mark each TriggerWebhook body with "soakSeq": <request index>
                             (make soak's duplicate check)
  --idempotency-keys         sidecar mode: send a new idempotency-key with every call
                             ("<run id>-<request index>"), as a caller using keys would
  --traceparent              sidecar mode: send a W3C traceparent with every call (a new trace
                             id per call), as an instrumented caller would

Schedule (durations: 500ms, 30s, 2m, 1h; a bare number is seconds):
  --rate R                   requests per second (1000)
  --warmup D                 sent at the same rate but not measured (5s)
  --duration D               the measured window (30s)
  --concurrency-limit N      outstanding requests at most; a request due beyond it is dropped
                             and counted (10000)
  --timeout D                deadline of each call (5s)
  --drain-timeout D          wait at most this for outstanding calls at the end (timeout + 1s)

Output:
  --json-out PATH            write the full result as JSON (latency spectrum included)
  --label TEXT               copied into the JSON
  --sample-pid NAME=PID      also report that process's CPU time and RSS over the measured
                             window, from /proc (repeatable)
  --progress-interval D      print a progress line to stderr this often (off)
  --max-error-rate X         exit 1 when (failed + dropped) / scheduled exceeds X (1 = never)
  --help                     this text
  --version                  print the version and exit

Status counts are by gRPC code name in sidecar mode; in direct mode by HTTP status ("200"), with
GenAuth's envelope statusCode when it is not 200 ("http 200 / genauth 404"), or "error: <what>"
for transport failures. Exit status: 0 run done, 1 setup failed or --max-error-rate exceeded,
2 bad flags.
)";

std::optional<double> ParseNumber(const std::string& text) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const double value = std::strtod(text.c_str(), &end);
  if (errno != 0 || end != text.c_str() + text.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

std::optional<std::chrono::milliseconds> ParseDuration(const std::string& text) {
  size_t unit_at = text.find_first_not_of("0123456789.");
  const std::string number = text.substr(0, unit_at);
  const std::string unit = unit_at == std::string::npos ? "s" : text.substr(unit_at);
  const std::optional<double> value = ParseNumber(number);
  if (!value || *value < 0) return std::nullopt;
  double ms = 0;
  if (unit == "ms") {
    ms = *value;
  } else if (unit == "s") {
    ms = *value * 1e3;
  } else if (unit == "m") {
    ms = *value * 60e3;
  } else if (unit == "h") {
    ms = *value * 3600e3;
  } else {
    return std::nullopt;
  }
  return std::chrono::milliseconds(static_cast<int64_t>(std::llround(ms)));
}

std::optional<int64_t> ParseInt(const std::string& text, int64_t min, int64_t max) {
  const std::optional<double> value = ParseNumber(text);
  if (!value || *value != std::floor(*value) || *value < static_cast<double>(min) ||
      *value > static_cast<double>(max)) {
    return std::nullopt;
  }
  return static_cast<int64_t>(*value);
}

std::string ParseMix(const std::string& text, std::array<uint32_t, kRpcKinds>* weights) {
  *weights = {0, 0, 0};
  std::stringstream items(text);
  std::string item;
  while (std::getline(items, item, ',')) {
    const size_t eq = item.find('=');
    const std::string name = item.substr(0, eq);
    const std::optional<int64_t> weight =
        eq == std::string::npos ? std::nullopt : ParseInt(item.substr(eq + 1), 0, 1000000);
    bool known = false;
    for (size_t i = 0; i < kRpcKinds; ++i) {
      if (name == RpcKindName(static_cast<RpcKind>(i)) && weight) {
        (*weights)[i] = static_cast<uint32_t>(*weight);
        known = true;
      }
    }
    if (!known) return "--mix takes trigger=W,get=W,list=W (integer weights)";
  }
  return "";
}

}  // namespace

const char* LoadgenUsage() { return kUsage; }

std::string ParseLoadgenFlags(const std::vector<std::string>& args, const char* env_secret,
                              LoadgenFlags* flags) {
  std::string mix = "trigger=60,get=30,list=10";
  std::string secret_file;
  std::optional<std::chrono::milliseconds> drain_timeout;
  std::string mode = "sidecar";
  common::FlagReader reader(args);
  while (reader.Next()) {
    const std::string& name = reader.name();
    if (reader.HelpOrVersion(&flags->help, &flags->version)) return "";
    // The bare flags.
    if (name == "--unique-payloads" && !reader.has_inline_value()) {
      flags->workload.unique_payloads = true;
      continue;
    }
    if (name == "--idempotency-keys" && !reader.has_inline_value()) {
      flags->grpc.idempotency_keys = true;
      continue;
    }
    if (name == "--traceparent" && !reader.has_inline_value()) {
      flags->grpc.traceparent = true;
      continue;
    }
    if (!reader.Value()) break;
    const std::string& value = *reader.Value();
    auto duration = [&](std::chrono::milliseconds max,
                        std::chrono::milliseconds* out) -> std::string {
      const auto parsed = ParseDuration(value);
      if (!parsed || *parsed > max)
        return name + " must be a duration such as 30s, at most " +
               std::to_string(max.count() / 1000) + "s";
      *out = *parsed;
      return "";
    };
    auto integer = [&](int64_t min, int64_t max, int64_t* out) -> std::string {
      const auto parsed = ParseInt(value, min, max);
      if (!parsed) {
        return name + " must be an integer in [" + std::to_string(min) + ", " +
               std::to_string(max) + "]";
      }
      *out = *parsed;
      return "";
    };
    int64_t number = 0;
    std::chrono::milliseconds time{0};
    std::string error;
    if (name == "--mode") {
      mode = value;
    } else if (name == "--target") {
      flags->grpc.target = value;
    } else if (name == "--channels") {
      if (error = integer(1, 64, &number); error.empty())
        flags->grpc.channels = static_cast<int>(number);
    } else if (name == "--rest-url") {
      flags->rest.base_url = value;
    } else if (name == "--access-key-id") {
      flags->rest.access_key_id = value;
    } else if (name == "--access-key-secret-file") {
      secret_file = value;
    } else if (name == "--ca-file") {
      flags->rest.ca_file = value;
    } else if (name == "--connections") {
      if (error = integer(1, 4096, &number); error.empty()) {
        flags->rest.connections = static_cast<int>(number);
      }
    } else if (name == "--header-prefix") {
      if (value != "x-authing" && value != "x-genauth")
        return "--header-prefix: x-authing or x-genauth";
      flags->rest.header_prefix = value;
    } else if (name == "--rpc") {
      flags->rpc = value;
    } else if (name == "--mix") {
      mix = value;
    } else if (name == "--webhook-id") {
      flags->workload.webhook_id = value;
    } else if (name == "--payload-bytes") {
      if (error = integer(0, 4 * 1024 * 1024, &number); error.empty()) {
        flags->workload.payload_bytes = static_cast<size_t>(number);
      }
    } else if (name == "--seed") {
      if (error = integer(0, INT64_MAX / 2, &number); error.empty()) {
        flags->workload.seed = static_cast<uint64_t>(number);
      }
    } else if (name == "--rate") {
      const std::optional<double> rate = ParseNumber(value);
      if (!rate || *rate <= 0 || *rate > 1e6) return "--rate must be in (0, 1000000]";
      flags->run.rate = *rate;
    } else if (name == "--warmup") {
      if (error = duration(std::chrono::hours(1), &time); error.empty()) flags->run.warmup = time;
    } else if (name == "--duration") {
      if (error = duration(std::chrono::hours(24), &time); error.empty()) {
        flags->run.duration = time;
      }
    } else if (name == "--concurrency-limit") {
      if (error = integer(1, 1000000, &number); error.empty()) {
        flags->run.concurrency_limit = number;
      }
    } else if (name == "--timeout") {
      if (error = duration(std::chrono::minutes(10), &time); error.empty()) {
        flags->grpc.timeout = flags->rest.timeout = time;
      }
    } else if (name == "--drain-timeout") {
      if (error = duration(std::chrono::minutes(10), &time); error.empty()) drain_timeout = time;
    } else if (name == "--json-out") {
      flags->json_out = value;
    } else if (name == "--label") {
      flags->label = value;
    } else if (name == "--sample-pid") {
      const size_t eq = value.find('=');
      const auto pid =
          eq == std::string::npos ? std::nullopt : ParseInt(value.substr(eq + 1), 1, 1 << 30);
      if (eq == 0 || !pid) return "--sample-pid takes NAME=PID";
      flags->sample.push_back({value.substr(0, eq), static_cast<pid_t>(*pid)});
    } else if (name == "--progress-interval") {
      if (error = duration(std::chrono::hours(1), &time); error.empty()) {
        flags->run.progress_interval = time;
      }
    } else if (name == "--max-error-rate") {
      const std::optional<double> rate = ParseNumber(value);
      if (!rate || *rate < 0 || *rate > 1) return "--max-error-rate must be in [0, 1]";
      flags->max_error_rate = *rate;
    } else {
      return "unknown flag " + name;
    }
    if (!error.empty()) return error;
  }
  if (!reader.error().empty()) return reader.error();

  if (flags->run.duration.count() == 0) return "--duration must be more than 0";
  flags->run.drain_timeout = drain_timeout.value_or(flags->grpc.timeout + std::chrono::seconds(1));
  if (flags->rpc == "mix") {
    if (std::string error = ParseMix(mix, &flags->workload.weights); !error.empty()) return error;
  } else {
    bool known = false;
    for (size_t i = 0; i < kRpcKinds; ++i) {
      flags->workload.weights[i] = flags->rpc == RpcKindName(static_cast<RpcKind>(i)) ? 1 : 0;
      known = known || flags->workload.weights[i] != 0;
    }
    if (!known) return "--rpc must be trigger, get, list or mix";
  }
  if (mode == "sidecar") {
    flags->mode = Mode::kSidecar;
    if (flags->grpc.target.empty()) return "sidecar mode needs --target";
  } else if (mode == "direct") {
    flags->mode = Mode::kDirect;
    if (flags->rest.base_url.empty() || flags->rest.access_key_id.empty()) {
      return "direct mode needs --rest-url and --access-key-id";
    }
    if (!secret_file.empty()) {
      std::ifstream in(secret_file);
      std::stringstream text;
      text << in.rdbuf();
      if (!in) return "cannot read --access-key-secret-file";
      flags->rest.access_key_secret = text.str();
      while (!flags->rest.access_key_secret.empty() &&
             std::isspace(static_cast<unsigned char>(flags->rest.access_key_secret.back()))) {
        flags->rest.access_key_secret.pop_back();
      }
    } else if (env_secret != nullptr) {
      flags->rest.access_key_secret = env_secret;
    }
    if (flags->rest.access_key_secret.empty()) {
      return "direct mode needs --access-key-secret-file or GENAUTH_ACCESS_KEY_SECRET";
    }
  } else {
    return "--mode must be sidecar or direct";
  }
  return "";
}

}  // namespace genauth::bench
