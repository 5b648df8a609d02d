// The rows of the settings table (see settings_table.h). To add a setting: a Config field with its
// default, one row here, a case in tests/config/settings_table_test.cc and in
// tests/app/server_options_test.cc, then `make docs`.
#include "config/settings_table.h"

#include "config/text_settings.h"
#include "config/value_parsers.h"

namespace genauth::config {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;

constexpr int64_t kKi = int64_t{1} << 10;
constexpr int64_t kMi = int64_t{1} << 20;
constexpr int64_t kGi = int64_t{1} << 30;

std::vector<Setting> MakeSettings() {
  return {
      // ---- GenAuth ----
      {"GENAUTH_HOST", Section::kGenAuth,
       TextKind{&Config::genauth_host, CheckHostUrl, "http(s)://host[:port]"},
       "GenAuth API base URL, without a path, query or user info; a trailing / is dropped. "
       "http:// only to a loopback host (localhost, 127.0.0.0/8, [::1]) unless "
       "GENAUTH_ALLOW_INSECURE_HTTP is true.",
       "For the China region use `https://api.authing.cn`."},
      {"GENAUTH_ACCESS_KEY_ID",
       Section::kGenAuth,
       TextKind{&Config::access_key_id, CheckIdentifier, "text without whitespace"},
       "Access key ID (the user pool id for user-pool keys).",
       {},
       "(required)",
       {},
       "the access key ID"},
      {"GENAUTH_ACCESS_KEY_SECRET", Section::kGenAuth, SecretKind{},
       "Access key secret; trailing whitespace and newlines are ignored. Set exactly one of this "
       "and GENAUTH_ACCESS_KEY_SECRET_FILE (preferred: a file can be rotated without a restart). "
       "Environment only: its flag is refused, since every process can read another's command "
       "line (ps, /proc/PID/cmdline).",
       "Never shown in errors or logs. The sidecar wipes the value from its environment once it "
       "has read it.",
       "(one required)"},
      {"GENAUTH_ACCESS_KEY_SECRET_FILE", Section::kGenAuth, SecretFileKind{},
       "File holding the access key secret (a regular file of at most 64 KiB; symlinks are "
       "followed), such as a mounted Kubernetes Secret; trailing whitespace and newlines are "
       "ignored. A warning is logged when every user may read it (mode 0644, the kubelet's "
       "default for a Secret volume: set defaultMode: 0400).",
       "Use `0440` with an `fsGroup`, as the shipped manifests do. The file is read again every "
       "`SIDECAR_SECRET_POLL_INTERVAL` to pick up a rotated secret.",
       "(one required)"},
      {"GENAUTH_TENANT_ID", Section::kGenAuth,
       TextKind{&Config::tenant_id, CheckIdentifier, "text without whitespace"},
       "Tenant ID, sent to GenAuth (as <prefix>-app-tenant-id) only when set."},
      {"GENAUTH_HEADER_PREFIX", Section::kGenAuth,
       ChoiceKind{&Config::header_prefix, {"x-authing", "x-genauth"}},
       "Prefix of GenAuth request headers."},
      {"GENAUTH_LANG", Section::kGenAuth,
       ChoiceKind{&Config::lang, {"zh-CN", "en-US", "ja-JP", "zh-TW"}},
       "Language of GenAuth messages."},
      {"GENAUTH_AUTH_SCHEME", Section::kGenAuth,
       ChoiceKind{&Config::auth_scheme, {"token", "signature"}},
       "How calls are authenticated: token (a cached management token) or signature (GenAuth's "
       "per-request AK/SK HMAC-SHA1 signature).",
       "`signature` signs every request as the official Node.js SDK 4.x does; no token is "
       "fetched."},
      {"GENAUTH_CA_FILE", Section::kGenAuth, TextKind{&Config::ca_file, CheckCaFile, "a PEM file"},
       "PEM bundle of private CA certificates trusted for GenAuth (and an https:// proxy) in "
       "addition to the system bundle, /etc/ssl/certs/ca-certificates.crt.",
       "Checked at start-up (readable, at least one `CERTIFICATE` block). TLS is always "
       "verified."},
      {"GENAUTH_ALLOW_INSECURE_HTTP", Section::kGenAuth, BoolKind{&Config::allow_insecure_http},
       "Allow an http:// GENAUTH_HOST that is not loopback (requests and responses then travel "
       "unencrypted)."},

      // ---- listening and logging ----
      {"SIDECAR_GRPC_LISTEN",
       Section::kListening,
       TextKind{&Config::grpc_listen, CheckListenAddress, "host:port or unix:/absolute/path"},
       "gRPC listen address: host:port (IPv4, localhost or [IPv6]; port 0 picks one) or "
       "unix:/absolute/path. Must not be empty.",
       {},
       {},
       "expected host:port or unix:/absolute/path"},
      {"SIDECAR_GRPC_SOCKET_MODE", Section::kListening, FileModeKind{&Config::grpc_socket_mode},
       "File mode of the socket when SIDECAR_GRPC_LISTEN is unix:/path; connecting needs write "
       "permission.",
       "The socket is created with this mode and never exists with another: `0660` admits the "
       "owner and group, `0600` the owner only. Ignored for `host:port`. A stale socket left at "
       "the path is replaced; a socket some process serves on is never replaced, nor is any other "
       "file. While serving, the sidecar holds a lock on `<path>.lock`, so its directory must be "
       "writable."},
      {"SIDECAR_LOG_LEVEL", Section::kListening,
       ChoiceKind{&Config::log_level,
                  {"trace", "debug", "info", "warn", "error", "off"},
                  {{"warning", "warn"}}},
       "Lowest level logged; log lines spell levels the same way."},
      {"SIDECAR_ADMIN_LISTEN", Section::kListening,
       TextKind{&Config::admin_listen, CheckAdminListenAddress, "host:port or off"},
       "Admin HTTP endpoint (/metrics, /healthz, /readyz): host:port (IPv4, localhost or [IPv6]; "
       "port 0 picks one), or off. Must differ from SIDECAR_GRPC_LISTEN.",
       "Kubelet `httpGet` probes dial the pod IP, so probed pods set `0.0.0.0:9464`. The endpoint "
       "serves GET and HEAD only, with fixed limits: 64 connections, 3 s to send the request "
       "headers, 5 s to write the answer."},
      {"SIDECAR_PORT_FILE", Section::kListening,
       TextKind{&Config::port_file, CheckAnyText, "a file path"},
       "File written once the sidecar serves: a line grpc=PORT (TCP listeners only) and a line "
       "admin=PORT (when the admin endpoint is on); removed on exit. For scripts that listen on "
       "port 0.",
       "Written atomically. A file that cannot be written stops the start-up (exit 1). Scripts "
       "read it rather than the log, which is not an API."},

      // ---- calls ----
      {"SIDECAR_DEFAULT_TIMEOUT", Section::kCalls,
       DurationKind{&Config::default_timeout, false, hours(1)},
       "Deadline of a call whose caller set none."},
      {"SIDECAR_ATTEMPT_TIMEOUT", Section::kCalls,
       DurationKind{&Config::attempt_timeout, false, hours(1)}, "Timeout of one upstream attempt."},
      {"SIDECAR_MAX_ATTEMPTS", Section::kCalls, IntKind{&Config::max_attempts, 1, 10},
       "Upstream attempts per call, the first one included."},
      {"SIDECAR_RETRY_BASE_DELAY", Section::kCalls,
       DurationKind{&Config::retry_base_delay, false, std::nullopt},
       "Backoff ceiling before the first retry."},
      {"SIDECAR_RETRY_MAX_DELAY", Section::kCalls,
       DurationKind{&Config::retry_max_delay, false, std::nullopt, "SIDECAR_RETRY_BASE_DELAY"},
       "Longest backoff between retries."},
      {"SIDECAR_MAX_IN_FLIGHT_CALLS", Section::kCalls,
       IntKind{&Config::max_in_flight_calls, 1, 1000000},
       "Calls accepted and not yet done, at most; a call beyond is refused at once with "
       "RESOURCE_EXHAUSTED.",
       "The refusal carries reason `OVERLOADED` and a `RetryInfo` of 100 ms. The first call of an "
       "idempotency key whose caller left counts until GenAuth answers it (it is carried on)."},
      {"SIDECAR_MAX_IN_FLIGHT_BYTES", Section::kCalls,
       ByteSizeKind{&Config::max_in_flight_bytes, kMi, 16 * kGi},
       "Memory the calls in flight may hold for their requests (charged several times a "
       "request's size while it is transcoded, then its JSON body); a call beyond is refused at "
       "once with RESOURCE_EXHAUSTED.",
       "Each call is charged 24 KiB (its gRPC call, libcurl transfer and HTTP/2 stream) plus 8× "
       "its request size while it is parsed and transcoded, then 24 KiB plus its JSON body — so "
       "32Mi holds about 1300 small calls. A call is always admitted when nothing else is held."},
      {"SIDECAR_MAX_REQUEST_BYTES", Section::kCalls,
       ByteSizeKind{&Config::max_request_bytes, kKi, 64 * kMi},
       "Largest request message accepted; gRPC refuses a larger one before reading it.",
       "The refusal is gRPC's own `RESOURCE_EXHAUSTED`, without an `ErrorInfo`."},
      {"SIDECAR_UPSTREAM_MAX_CONNECTIONS", Section::kCalls,
       IntKind{&Config::upstream_max_connections, 1, 10000},
       "Connections to GenAuth at most. Over HTTP/2 each carries many calls; over HTTP/1.1 it is "
       "also the number of requests in flight to GenAuth.",
       "Over HTTP/1.1, further attempts wait in the transport's line within their timeout, token "
       "fetches first. 64 carry ~600 calls/s to an HTTP/1.1 GenAuth 100 ms away, thousands to one "
       "a few ms away; more connections mostly add load to a server already slowing down, so "
       "raise it only for a slow HTTP/1.1 GenAuth. Over HTTP/2 (when GenAuth offers `h2` by ALPN) "
       "each connection carries up to 100 calls and at most 48 are opened."},

      {"SIDECAR_IDEMPOTENCY_MAX_KEYS", Section::kCalls,
       IntKind{&Config::idempotency_max_keys, 0, 10000000},
       "Idempotency keys held at most (`idempotency-key` metadata on TriggerWebhook, "
       "CreateWebhook, UpdateWebhook and DeleteWebhooks): those of calls in progress and the "
       "answers kept for repeats. 0 turns idempotency keys off (they are then ignored).",
       "When full, the answers that finished longest ago make room; when calls in progress alone "
       "fill it, a call with a new key is refused at once (`RESOURCE_EXHAUSTED`, `OVERLOADED`). "
       "Keys are per sidecar: a repeat through another replica's sidecar is not recognised."},
      {"SIDECAR_IDEMPOTENCY_MAX_BYTES", Section::kCalls,
       ByteSizeKind{&Config::idempotency_max_bytes, kKi, 16 * kGi},
       "Memory the idempotency keys and the answers kept for repeats may take (each key is "
       "charged 256 bytes plus its key, fingerprint and answer).",
       "An answer larger than this by itself is not kept. At 16Mi about 30 000 small answers "
       "are kept; `genauth_sidecar_idempotency_evictions_total{why=\"capacity\"}` says when keys "
       "go before their window ends."},
      {"SIDECAR_IDEMPOTENCY_WINDOW", Section::kCalls,
       DurationKind{&Config::idempotency_window, false, hours(24 * 7)},
       "How long a finished call's answer is replayed to a repeat of its idempotency key; after "
       "it, the key may be used anew."},
      {"SIDECAR_START_TRACES", Section::kCalls, BoolKind{&Config::start_traces},
       "Start a W3C trace for a call that came without a valid `traceparent`: GenAuth's request "
       "then carries a new sampled traceparent, and the call's log line its traceId and spanId. "
       "Off: such a call carries no trace context. A valid incoming traceparent is always "
       "continued.",
       "OpenTelemetry SDKs start traces in the caller, so the caller's trace is normally continued "
       "and this stays off; turn it on when callers are not instrumented and GenAuth's side or the "
       "sidecar's log lines should still be correlated by trace id. The sidecar exports no spans "
       "itself: its span id appears in the log line and as the parent id GenAuth sees."},

      // ---- protecting GenAuth ----
      {"SIDECAR_RETRY_BUDGET_PERCENT", Section::kProtection,
       IntKind{&Config::retry_budget_percent, 0, 1000},
       "Retry budget: retries allowed per 100 calls over the last 10 s; beyond it failures are "
       "returned without retrying, so a failing GenAuth sees at most ~1.2x the calls."},
      {"SIDECAR_RETRY_BUDGET_MIN_RETRIES", Section::kProtection,
       IntKind{&Config::retry_budget_min_retries, 0, 100000},
       "Retries allowed in any 10 s whatever the traffic, so that a quiet sidecar can retry."},
      {"SIDECAR_BREAKER_FAILURES", Section::kProtection,
       IntKind{&Config::breaker_failures, 0, 1000},
       "Consecutive failed attempts (nothing sent, no reply, broken reply, 5xx) that open the "
       "circuit breaker; 0 turns it off."},
      {"SIDECAR_BREAKER_OPEN_TIME", Section::kProtection,
       DurationKind{&Config::breaker_open_time, false, minutes(10)},
       "How long an open circuit breaker answers UNAVAILABLE at once before one probe call may "
       "go."},
      {"SIDECAR_TOKEN_REFRESH_WINDOW", Section::kProtection,
       TextKind{&Config::token_refresh_window, CheckRefreshWindow, "START%-END%, 10 to 90"},
       "When the management token is renewed: at a random moment in this part of its lifetime, so "
       "that sidecars started together do not all ask GenAuth in the same second. A token "
       "fetched cold (at start-up, after expiry or a 401), as a whole rollout's were at once, "
       "draws from a window one and a half times its width wider (from 40 % with the default). "
       "START equal to END turns the randomness off.",
       "The refresh is in the background: no call waits for it. On average a token is used for "
       "80 % of its lifetime with the default (1.25 fetches per lifetime, 1.43 at most); "
       "`make fleet` measures what a fleet does (BENCHMARKS.md)."},

      // ---- shutdown ----
      {"SIDECAR_SHUTDOWN_GRACE", Section::kShutdown,
       DurationKind{&Config::shutdown_grace, true, minutes(10)},
       "Time in-flight calls get to finish on shutdown."},
      {"SIDECAR_DRAIN_DELAY", Section::kShutdown,
       DurationKind{&Config::drain_delay, true, minutes(1)},
       "On SIGTERM: how long health reports NOT_SERVING (and /readyz 503) while calls are still "
       "served, before new calls are refused with UNAVAILABLE."},

      // ---- secret rotation ----
      {"SIDECAR_SECRET_POLL_INTERVAL", Section::kSecretRotation,
       DurationKind{&Config::secret_poll_interval, false, hours(1)},
       "How often GENAUTH_ACCESS_KEY_SECRET_FILE is checked for a rotated secret. Unused when the "
       "secret comes from GENAUTH_ACCESS_KEY_SECRET."},
  };
}

}  // namespace

const std::vector<Setting>& Settings() {
  static const std::vector<Setting>* const settings = new std::vector<Setting>(MakeSettings());
  return *settings;
}

const std::vector<RemovedSetting>& RemovedSettings() {
  static const std::vector<RemovedSetting>* const removed = new std::vector<RemovedSetting>{
      {"SIDECAR_WORKER_THREADS",
       "was removed: calls no longer wait for worker threads (the upstream is event-driven); "
       "SIDECAR_MAX_IN_FLIGHT_CALLS bounds the calls in flight and "
       "SIDECAR_UPSTREAM_MAX_CONNECTIONS the connections to GenAuth"},
      {"SIDECAR_MAX_QUEUED_CALLS",
       "was removed: calls are no longer queued; a call beyond SIDECAR_MAX_IN_FLIGHT_CALLS or "
       "SIDECAR_MAX_IN_FLIGHT_BYTES is refused at once with RESOURCE_EXHAUSTED"},
  };
  return *removed;
}

const Setting* FindSetting(std::string_view env) {
  for (const Setting& s : Settings()) {
    if (s.env == env) return &s;
  }
  return nullptr;
}

const Setting* FindSettingByFlag(std::string_view flag) {
  for (const Setting& s : Settings()) {
    if (FlagName(s.env) == flag) return &s;
  }
  return nullptr;
}

const RemovedSetting* FindRemovedByFlag(std::string_view flag) {
  for (const RemovedSetting& r : RemovedSettings()) {
    if (FlagName(r.env) == flag) return &r;
  }
  return nullptr;
}

std::string FlagName(std::string_view env) {
  std::string flag = "--" + Lower(env);
  for (char& c : flag) {
    if (c == '_') c = '-';
  }
  return flag;
}

std::string FlagColumn(const Setting& setting) {
  return std::holds_alternative<SecretKind>(setting.kind) ? "(no flag)" : FlagName(setting.env);
}

std::string DefaultText(const Setting& setting) {
  if (!setting.default_text.empty()) return std::string(setting.default_text);
  const Config defaults;
  struct Visitor {
    const Config& c;
    std::string operator()(const DurationKind& k) const { return FormatMillis(c.*k.field); }
    std::string operator()(const IntKind& k) const { return std::to_string(c.*k.field); }
    std::string operator()(const ByteSizeKind& k) const { return FormatBytes(c.*k.field); }
    std::string operator()(const FileModeKind& k) const { return FormatMode(c.*k.field); }
    std::string operator()(const ChoiceKind& k) const { return c.*k.field; }
    std::string operator()(const BoolKind& k) const { return c.*k.field ? "true" : "false"; }
    std::string operator()(const TextKind& k) const {
      return (c.*k.field).empty() ? "(none)" : c.*k.field;
    }
    std::string operator()(const SecretKind&) const { return "(none)"; }
    std::string operator()(const SecretFileKind&) const { return "(none)"; }
  };
  return std::visit(Visitor{defaults}, setting.kind);
}

namespace {

// "a or b", "a, b or c".
std::string Alternatives(const std::vector<std::string_view>& words) {
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += i + 1 == words.size() ? " or " : ", ";
    out += words[i];
  }
  return out;
}

}  // namespace

std::string AcceptedText(const Setting& setting) {
  struct Visitor {
    std::string operator()(const DurationKind& k) const {
      std::string out;
      if (k.max) {
        out = (k.allow_zero ? "0 to " : "over 0, at most ") + FormatMillis(*k.max);
      } else {
        out = k.allow_zero ? "0 or more" : "over 0";
      }
      if (!k.at_least.empty()) out += ", at least " + std::string(k.at_least);
      return out;
    }
    std::string operator()(const IntKind& k) const {
      return std::to_string(k.min) + " to " + std::to_string(k.max);
    }
    std::string operator()(const ByteSizeKind& k) const {
      return FormatBytes(k.min) + " to " + FormatBytes(k.max);
    }
    std::string operator()(const FileModeKind&) const { return "octal, 0 to 0777"; }
    std::string operator()(const ChoiceKind& k) const {
      std::string out = Alternatives(k.choices);
      for (const auto& [alias, choice] : k.aliases) {
        out += " (" + std::string(alias) + " is read as " + std::string(choice) + ")";
      }
      return out;
    }
    std::string operator()(const BoolKind&) const { return "true/false, 1/0 or yes/no"; }
    std::string operator()(const TextKind& k) const { return std::string(k.accepts); }
    std::string operator()(const SecretKind&) const { return "text without whitespace"; }
    std::string operator()(const SecretFileKind&) const { return "a file path"; }
  };
  return std::visit(Visitor{}, setting.kind);
}

std::string_view SectionTitle(Section section) {
  switch (section) {
    case Section::kGenAuth:
      return "GenAuth";
    case Section::kListening:
      return "Listening and logging";
    case Section::kCalls:
      return "Calls";
    case Section::kProtection:
      return "Protecting GenAuth";
    case Section::kShutdown:
      return "Shutdown";
    case Section::kSecretRotation:
      return "Secret rotation";
  }
  return "";
}

}  // namespace genauth::config
