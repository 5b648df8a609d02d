// Reads the sidecar's configuration from an injectable source (environment, argv, files) and
// validates every setting, reporting all problems at once so an operator fixes them in one pass.
#include "config/config.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstddef>
#include <initializer_list>
#include <string_view>
#include <system_error>
#include <utility>

#include "common/duration.h"
#include "common/file_reader.h"
#include "common/secret_memory.h"

namespace genauth::config {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;

// Environment names; each flag is derived from its name (FlagName).
constexpr std::string_view kHost = "GENAUTH_HOST";
constexpr std::string_view kAccessKeyId = "GENAUTH_ACCESS_KEY_ID";
constexpr std::string_view kAccessKeySecret = "GENAUTH_ACCESS_KEY_SECRET";
constexpr std::string_view kAccessKeySecretFile = "GENAUTH_ACCESS_KEY_SECRET_FILE";
constexpr std::string_view kTenantId = "GENAUTH_TENANT_ID";
constexpr std::string_view kHeaderPrefix = "GENAUTH_HEADER_PREFIX";
constexpr std::string_view kLang = "GENAUTH_LANG";
constexpr std::string_view kAuthScheme = "GENAUTH_AUTH_SCHEME";
constexpr std::string_view kCaFile = "GENAUTH_CA_FILE";
constexpr std::string_view kAllowInsecureHttp = "GENAUTH_ALLOW_INSECURE_HTTP";
constexpr std::string_view kSecretPollInterval = "SIDECAR_SECRET_POLL_INTERVAL";
constexpr std::string_view kGrpcListen = "SIDECAR_GRPC_LISTEN";
constexpr std::string_view kGrpcSocketMode = "SIDECAR_GRPC_SOCKET_MODE";
constexpr std::string_view kAdminListen = "SIDECAR_ADMIN_LISTEN";
constexpr std::string_view kPortFile = "SIDECAR_PORT_FILE";
constexpr std::string_view kLogLevel = "SIDECAR_LOG_LEVEL";
constexpr std::string_view kDefaultTimeout = "SIDECAR_DEFAULT_TIMEOUT";
constexpr std::string_view kAttemptTimeout = "SIDECAR_ATTEMPT_TIMEOUT";
constexpr std::string_view kMaxAttempts = "SIDECAR_MAX_ATTEMPTS";
constexpr std::string_view kRetryBaseDelay = "SIDECAR_RETRY_BASE_DELAY";
constexpr std::string_view kRetryMaxDelay = "SIDECAR_RETRY_MAX_DELAY";
constexpr std::string_view kMaxInFlightCalls = "SIDECAR_MAX_IN_FLIGHT_CALLS";
constexpr std::string_view kMaxInFlightBytes = "SIDECAR_MAX_IN_FLIGHT_BYTES";
constexpr std::string_view kMaxRequestBytes = "SIDECAR_MAX_REQUEST_BYTES";
constexpr std::string_view kUpstreamMaxConnections = "SIDECAR_UPSTREAM_MAX_CONNECTIONS";

// Settings that existed once: naming one is an error that says what replaced it, rather than a
// silent no-op (a value tuned for the old design would mean nothing now).
struct RemovedSetting {
  std::string_view env;
  std::string_view replacement;
};
constexpr RemovedSetting kRemovedSettings[] = {
    {"SIDECAR_WORKER_THREADS",
     "was removed: calls no longer wait for worker threads (the upstream is event-driven); "
     "SIDECAR_MAX_IN_FLIGHT_CALLS bounds the calls in flight and SIDECAR_UPSTREAM_MAX_CONNECTIONS "
     "the connections to GenAuth"},
    {"SIDECAR_MAX_QUEUED_CALLS",
     "was removed: calls are no longer queued; a call beyond SIDECAR_MAX_IN_FLIGHT_CALLS or "
     "SIDECAR_MAX_IN_FLIGHT_BYTES is refused at once with RESOURCE_EXHAUSTED"},
};

// The proxy variables, in the order libcurl reads them (the lower-case spelling first).
constexpr std::string_view kHttpsProxyVariables[] = {"https_proxy", "HTTPS_PROXY", "all_proxy",
                                                     "ALL_PROXY"};
// For an http:// host: HTTP_PROXY is deliberately not read (CGI's "httpoxy" problem), as curl.
constexpr std::string_view kHttpProxyVariables[] = {"http_proxy", "all_proxy", "ALL_PROXY"};
constexpr std::string_view kNoProxyVariables[] = {"no_proxy", "NO_PROXY"};
constexpr std::string_view kShutdownGrace = "SIDECAR_SHUTDOWN_GRACE";
constexpr std::string_view kDrainDelay = "SIDECAR_DRAIN_DELAY";
constexpr std::string_view kRetryBudgetPercent = "SIDECAR_RETRY_BUDGET_PERCENT";
constexpr std::string_view kRetryBudgetMinRetries = "SIDECAR_RETRY_BUDGET_MIN_RETRIES";
constexpr std::string_view kBreakerFailures = "SIDECAR_BREAKER_FAILURES";
constexpr std::string_view kBreakerOpenTime = "SIDECAR_BREAKER_OPEN_TIME";

enum class Kind {
  kText,    // echoed in errors
  kBool,    // a bare flag means true; `--flag false` and `--flag=false` both work
  kSecret,  // never echoed in errors; environment only, its flag is refused (see ReadFlags)
};

// Exact and short, in a unit ParseDuration accepts: 10s, 1500ms, 2m.
std::string FormatMillis(milliseconds d) {
  const int64_t ms = d.count();
  if (ms != 0 && ms % 3600000 == 0) return std::to_string(ms / 3600000) + "h";
  if (ms != 0 && ms % 60000 == 0) return std::to_string(ms / 60000) + "m";
  if (ms != 0 && ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

// A file mode as chmod(1) writes it: "0660".
std::string FormatMode(uint32_t mode) {
  std::string out = "0000";
  for (size_t i = 3; i >= 1; --i, mode >>= 3) out[i] = static_cast<char>('0' + (mode & 7));
  return out;
}

// A byte count in the largest binary unit that divides it: 4194304 -> "4Mi".
std::string FormatBytes(int64_t bytes) {
  if (bytes != 0 && bytes % (int64_t{1} << 30) == 0) return std::to_string(bytes >> 30) + "Gi";
  if (bytes != 0 && bytes % (int64_t{1} << 20) == 0) return std::to_string(bytes >> 20) + "Mi";
  if (bytes != 0 && bytes % (int64_t{1} << 10) == 0) return std::to_string(bytes >> 10) + "Ki";
  return std::to_string(bytes);
}

// One row of the settings table, which drives flag lookup and Usage(). The default is computed
// from a default-constructed Config so the help text cannot drift from the code.
struct Setting {
  std::string_view env;
  Kind kind;
  std::string (*default_text)(const Config&);
  std::string_view meaning;
};

const Setting kSettings[] = {
    {kHost, Kind::kText, [](const Config& c) { return c.genauth_host; },
     "GenAuth API base URL, http(s)://host[:port], no path. http:// only to a loopback host "
     "unless GENAUTH_ALLOW_INSECURE_HTTP is true."},
    {kAccessKeyId, Kind::kText, [](const Config&) { return std::string("(required)"); },
     "Access key ID."},
    {kAccessKeySecret, Kind::kSecret, [](const Config&) { return std::string("(one required)"); },
     "Access key secret. Set exactly one of this and GENAUTH_ACCESS_KEY_SECRET_FILE (preferred: "
     "a file can be rotated without a restart). Environment only: its flag is refused, since "
     "every process can read another's command line (ps, /proc/PID/cmdline)."},
    {kAccessKeySecretFile, Kind::kText, [](const Config&) { return std::string("(one required)"); },
     "File holding the access key secret (a regular file of at most 64 KiB); trailing whitespace "
     "and newlines are ignored. A warning is logged when every user may read it (mode 0644, the "
     "kubelet's default for a Secret volume: set defaultMode: 0400)."},
    {kTenantId, Kind::kText, [](const Config&) { return std::string("(none)"); },
     "Tenant ID, sent to GenAuth only when set."},
    {kHeaderPrefix, Kind::kText, [](const Config& c) { return c.header_prefix; },
     "Prefix of GenAuth request headers: x-authing or x-genauth."},
    {kLang, Kind::kText, [](const Config& c) { return c.lang; },
     "Language of GenAuth messages: zh-CN, en-US, ja-JP or zh-TW."},
    {kAuthScheme, Kind::kText, [](const Config& c) { return c.auth_scheme; },
     "How calls are authenticated: token (a cached management token) or signature (GenAuth's "
     "per-request AK/SK HMAC-SHA1 signature)."},
    {kCaFile, Kind::kText, [](const Config&) { return std::string("(none)"); },
     "PEM bundle of private CA certificates trusted for GenAuth (and an https:// proxy) in "
     "addition to the system bundle, /etc/ssl/certs/ca-certificates.crt."},
    {kAllowInsecureHttp, Kind::kBool,
     [](const Config& c) { return std::string(c.allow_insecure_http ? "true" : "false"); },
     "Allow an http:// GENAUTH_HOST that is not loopback (requests and responses then travel "
     "unencrypted)."},
    {kSecretPollInterval, Kind::kText,
     [](const Config& c) { return FormatMillis(c.secret_poll_interval); },
     "How often GENAUTH_ACCESS_KEY_SECRET_FILE is checked for a rotated secret (over 0, at most "
     "1h). Unused when the secret comes from GENAUTH_ACCESS_KEY_SECRET."},
    {kGrpcListen, Kind::kText, [](const Config& c) { return c.grpc_listen; },
     "gRPC listen address: host:port (IPv4, localhost or [IPv6]; port 0 picks one) or "
     "unix:/absolute/path. Must not be empty."},
    {kGrpcSocketMode, Kind::kText, [](const Config& c) { return FormatMode(c.grpc_socket_mode); },
     "File mode (octal, 0 to 0777) of the socket when SIDECAR_GRPC_LISTEN is unix:/path; "
     "connecting needs write permission."},
    {kAdminListen, Kind::kText, [](const Config& c) { return c.admin_listen; },
     "Admin HTTP endpoint (/metrics, /healthz, /readyz): host:port (IPv4, localhost or [IPv6]; "
     "port 0 picks one), or off."},
    {kPortFile, Kind::kText, [](const Config& c) { return c.port_file; },
     "File written once the sidecar serves: a line grpc=PORT (TCP listeners only) and a line "
     "admin=PORT (when the admin endpoint is on); removed on exit. For scripts that listen on port "
     "0. Empty: none."},
    {kLogLevel, Kind::kText, [](const Config& c) { return c.log_level; },
     "trace, debug, info, warn, error or off (warning is read as warn, the spelling log lines "
     "use)."},
    {kDefaultTimeout, Kind::kText, [](const Config& c) { return FormatMillis(c.default_timeout); },
     "Deadline of a call whose caller set none (over 0, at most 1h)."},
    {kAttemptTimeout, Kind::kText, [](const Config& c) { return FormatMillis(c.attempt_timeout); },
     "Timeout of one upstream attempt (over 0, at most 1h)."},
    {kMaxAttempts, Kind::kText, [](const Config& c) { return std::to_string(c.max_attempts); },
     "Upstream attempts per call, the first one included (1 to 10)."},
    {kRetryBaseDelay, Kind::kText, [](const Config& c) { return FormatMillis(c.retry_base_delay); },
     "Backoff before the first retry (over 0)."},
    {kRetryMaxDelay, Kind::kText, [](const Config& c) { return FormatMillis(c.retry_max_delay); },
     "Longest backoff between retries (at least SIDECAR_RETRY_BASE_DELAY)."},
    {kMaxInFlightCalls, Kind::kText,
     [](const Config& c) { return std::to_string(c.max_in_flight_calls); },
     "Calls accepted and not yet answered, at most; a call beyond is refused at once with "
     "RESOURCE_EXHAUSTED (1 to 1000000)."},
    {kMaxInFlightBytes, Kind::kText,
     [](const Config& c) { return FormatBytes(c.max_in_flight_bytes); },
     "Memory the calls in flight may hold for their requests (charged several times a request's "
     "size while it is transcoded, then its JSON body); a call beyond is refused at once with "
     "RESOURCE_EXHAUSTED. Bytes, or with a suffix Ki, Mi or Gi (1Mi to 16Gi)."},
    {kMaxRequestBytes, Kind::kText,
     [](const Config& c) { return FormatBytes(c.max_request_bytes); },
     "Largest request message accepted; gRPC refuses a larger one before reading it (1Ki to "
     "64Mi)."},
    {kUpstreamMaxConnections, Kind::kText,
     [](const Config& c) { return std::to_string(c.upstream_max_connections); },
     "Connections to GenAuth at most. Over HTTP/2 each carries many calls; over HTTP/1.1 it is "
     "also the number of requests in flight to GenAuth (1 to 10000)."},
    {kShutdownGrace, Kind::kText, [](const Config& c) { return FormatMillis(c.shutdown_grace); },
     "Time in-flight calls get to finish on shutdown (0 to 10m)."},
    {kDrainDelay, Kind::kText, [](const Config& c) { return FormatMillis(c.drain_delay); },
     "On SIGTERM: how long health reports NOT_SERVING (and /readyz 503) while calls are still "
     "served, before new calls are refused with UNAVAILABLE (0 to 1m)."},
    {kRetryBudgetPercent, Kind::kText,
     [](const Config& c) { return std::to_string(c.retry_budget_percent); },
     "Retry budget: retries allowed per 100 calls over the last 10 s (0 to 1000); beyond it "
     "failures are returned without retrying, so a failing GenAuth sees at most ~1.2x the calls."},
    {kRetryBudgetMinRetries, Kind::kText,
     [](const Config& c) { return std::to_string(c.retry_budget_min_retries); },
     "Retries allowed in any 10 s whatever the traffic, so that a quiet sidecar can retry "
     "(0 to 100000)."},
    {kBreakerFailures, Kind::kText,
     [](const Config& c) { return std::to_string(c.breaker_failures); },
     "Consecutive failed attempts (nothing sent, no reply, broken reply, 5xx) that open the "
     "circuit breaker (0 turns it off; at most 1000)."},
    {kBreakerOpenTime, Kind::kText,
     [](const Config& c) { return FormatMillis(c.breaker_open_time); },
     "How long an open circuit breaker answers UNAVAILABLE at once before one probe call may go "
     "(over 0, at most 10m)."},
};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// GENAUTH_HOST -> --genauth-host.
std::string FlagName(std::string_view env) {
  std::string flag = "--" + Lower(env);
  for (char& c : flag) {
    if (c == '_') c = '-';
  }
  return flag;
}

const Setting* FindByEnv(std::string_view env) {
  for (const Setting& s : kSettings) {
    if (s.env == env) return &s;
  }
  return nullptr;
}

const Setting* FindByFlag(std::string_view flag) {
  for (const Setting& s : kSettings) {
    if (FlagName(s.env) == flag) return &s;
  }
  return nullptr;
}

const RemovedSetting* FindRemovedByFlag(std::string_view flag) {
  for (const RemovedSetting& r : kRemovedSettings) {
    if (FlagName(r.env) == flag) return &r;
  }
  return nullptr;
}

bool IsHelpFlag(std::string_view arg) { return arg == "--help" || arg == "-h"; }

bool IsVersionFlag(std::string_view arg) { return arg == "--version"; }

// True when `arg` is itself a recognised flag, so it cannot be the value of the flag before it.
bool IsKnownFlag(std::string_view arg) {
  return IsHelpFlag(arg) || IsVersionFlag(arg) ||
         FindByFlag(arg.substr(0, arg.find('='))) != nullptr;
}

// Whether `next` is the value of `setting`'s flag given as `--flag value`. Something that looks
// like a flag is normally not a value ("--a --b" means --a lacks one); but a secret may start with
// "--", and reading it as a flag would put it into an "unknown flag" error, so a secret flag takes
// anything that is not a known flag.
bool TakesAsValue(const Setting& setting, std::string_view next) {
  if (IsKnownFlag(next)) return false;
  return setting.kind == Kind::kSecret || next.rfind("--", 0) != 0;
}

bool IsSpaceOrControl(char c) {
  auto u = static_cast<unsigned char>(c);
  return u <= 0x20 || u == 0x7f;
}

bool HasSpaceOrControl(std::string_view s) {
  for (char c : s) {
    if (IsSpaceOrControl(c)) return true;
  }
  return false;
}

std::string_view TrimTrailingSpace(std::string_view s) {
  while (!s.empty() && IsSpaceOrControl(s.back())) s.remove_suffix(1);
  return s;
}

// A value as it appears in an error: quoted, escaped onto one line, and cut short when long.
std::string Quote(std::string_view s) {
  constexpr size_t kMaxShown = 200;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (char c : s.substr(0, kMaxShown)) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (u < 0x20 || u == 0x7f) {
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    } else {
      out += c;
    }
  }
  out += '"';
  if (s.size() > kMaxShown) out += "...";
  return out;
}

std::optional<bool> ParseBool(std::string_view text) {
  std::string v = Lower(text);
  if (v == "true" || v == "1" || v == "yes") return true;
  if (v == "false" || v == "0" || v == "no") return false;
  return std::nullopt;
}

struct RawValue {
  std::string text;
  bool from_flag = false;
};

// Collects raw values (flags over environment) and errors; the Parse* functions below turn raw
// values into Config fields.
class Parser {
 public:
  Parser(const ConfigSource& source, ParseResult& result) : source_(source), result_(result) {
    for (const Setting& s : kSettings) {
      auto it = source.env.find(std::string(s.env));
      // Variables with our prefixes that we do not know are ignored: other tools may share them.
      if (it != source.env.end()) raw_[s.env] = RawValue{it->second, false};
    }
  }

  void ReadFlags() {
    const std::vector<std::string>& args = source_.args;
    for (size_t i = 0; i < args.size(); ++i) {
      const std::string& arg = args[i];
      if (IsHelpFlag(arg)) {
        result_.help_requested = true;
        continue;
      }
      if (IsVersionFlag(arg)) {
        result_.version_requested = true;
        continue;
      }
      if (arg.empty() || arg[0] != '-') {
        Error("unexpected argument " + Quote(arg) +
              ": settings are given as --name=value or --name value");
        continue;
      }
      size_t eq = arg.find('=');
      std::string name = arg.substr(0, eq);
      const Setting* setting = FindByFlag(name);
      if (const RemovedSetting* removed = FindRemovedByFlag(name); removed != nullptr) {
        Error(name + " (" + std::string(removed->env) + ") " + std::string(removed->replacement));
        if (eq == std::string::npos && i + 1 < args.size() && !IsKnownFlag(args[i + 1])) ++i;
        continue;
      }
      if (setting == nullptr) {
        // Only the name is shown: the value may be a secret given to a misspelt flag. For the same
        // reason the next argument, unless it is a known flag, is taken as this flag's value and
        // dropped rather than echoed as an unexpected argument or unknown flag.
        Error("unknown flag " + name + " (see --help)");
        if (eq == std::string::npos && i + 1 < args.size() && !IsKnownFlag(args[i + 1])) ++i;
        continue;
      }
      if (setting->kind == Kind::kSecret) {
        RefuseSecretFlag(name, *setting, eq == std::string::npos ? &i : nullptr);
        continue;
      }
      std::string value;
      if (eq != std::string::npos) {
        value = arg.substr(eq + 1);
      } else if (setting->kind == Kind::kBool) {
        // `--flag false` as well as `--flag=false`: the next argument is the flag's value when it
        // is a boolean word; otherwise (another flag, or nothing) the flag alone means true.
        // Positional arguments mean nothing here, so a boolean word can be nothing else.
        value = i + 1 < args.size() && ParseBool(args[i + 1]) ? args[++i] : "true";
      } else if (i + 1 < args.size() && TakesAsValue(*setting, args[i + 1])) {
        value = args[++i];
      } else {
        Error("flag " + name + " (" + std::string(setting->env) + ") needs a value: " + name +
              "=VALUE or " + name + " VALUE");
        continue;
      }
      raw_[setting->env] = RawValue{std::move(value), true};
    }
  }

  // Whether the secret's flag was given (and refused): then "the secret is required" would only
  // repeat the refusal.
  bool secret_flag_refused() const { return secret_flag_refused_; }

  // The value of a setting, or nullopt when unset. An empty value counts as unset, whether it
  // comes from the environment (Kubernetes and templating tools often render unset values as "")
  // or from a flag (so `--genauth-tenant-id=` clears an inherited variable).
  std::optional<RawValue> Get(std::string_view env) const {
    auto it = raw_.find(env);
    if (it == raw_.end() || it->second.text.empty()) return std::nullopt;
    return it->second;
  }

  bool IsSetButEmpty(std::string_view env) const {
    auto it = raw_.find(env);
    return it != raw_.end() && it->second.text.empty();
  }

  // `NAME="value"` or, for a secret, `NAME (value not shown)`; plus the flag when one set it.
  std::string Describe(std::string_view env, const RawValue& raw) const {
    std::string out(env);
    const Setting* setting = FindByEnv(env);
    if (setting != nullptr && setting->kind == Kind::kSecret) {
      out += " (value not shown)";
    } else {
      out += "=" + Quote(raw.text);
    }
    if (raw.from_flag) out += " (from " + FlagName(env) + ")";
    return out;
  }

  void Error(std::string message) { result_.errors.push_back(std::move(message)); }

  void Error(std::string_view env, const RawValue& raw, std::string_view why) {
    Error(Describe(env, raw) + ": " + std::string(why));
  }

  std::optional<std::string> ReadFile(const std::string& path) const {
    if (!source_.read_file) return std::nullopt;
    return source_.read_file(path);
  }

  absl::StatusOr<common::SecretFileContent> ReadSecretFile(const std::string& path) const {
    if (!source_.read_secret_file) return absl::FailedPreconditionError("cannot read the file");
    return source_.read_secret_file(path);
  }

  void Warning(std::string message) { result_.warnings.push_back(std::move(message)); }

  // Secret values are copied in here from the source; they go with the parser.
  ~Parser() {
    for (auto& [env, raw] : raw_) {
      const Setting* setting = FindByEnv(env);
      if (setting != nullptr && setting->kind == Kind::kSecret) common::WipeString(raw.text);
    }
  }
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

 private:
  // A secret on the command line is readable by every process (ps, /proc/PID/cmdline) for as long
  // as the sidecar runs, and a secret there is hard to rotate: the flag is refused. Its value is
  // consumed (the next argument when `next_index` is set and it is not a known flag) so that it is
  // never echoed as an unexpected argument, and never named in the error.
  void RefuseSecretFlag(const std::string& name, const Setting& setting, size_t* next_index) {
    const std::vector<std::string>& args = source_.args;
    if (next_index != nullptr && *next_index + 1 < args.size() &&
        TakesAsValue(setting, args[*next_index + 1])) {
      ++*next_index;
    }
    secret_flag_refused_ = true;
    Error(name +
          " is not accepted (value not shown): a secret on the command line is visible to "
          "every process on the machine (ps, /proc/PID/cmdline). Put the secret in a file "
          "and set " +
          std::string(kAccessKeySecretFile) + "=/path/to/file (or " +
          FlagName(kAccessKeySecretFile) + " /path/to/file), or set the environment variable " +
          std::string(setting.env));
  }

  const ConfigSource& source_;
  ParseResult& result_;
  std::map<std::string_view, RawValue, std::less<>> raw_;
  bool secret_flag_refused_ = false;
};

std::optional<int64_t> ParseInt(std::string_view text) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end) return std::nullopt;  // junk, overflow or empty
  return value;
}

bool IsIpv4(const std::string& s, unsigned char* first_octet) {
  in_addr addr{};
  if (inet_pton(AF_INET, s.c_str(), &addr) != 1) return false;
  if (first_octet != nullptr) *first_octet = static_cast<unsigned char>(ntohl(addr.s_addr) >> 24);
  return true;
}

bool IsIpv6(const std::string& s, bool* loopback) {
  in6_addr addr{};
  if (inet_pton(AF_INET6, s.c_str(), &addr) != 1) return false;
  if (loopback != nullptr) *loopback = IN6_IS_ADDR_LOOPBACK(&addr);
  return true;
}

// Port digits only (no sign, no spaces), within [min, 65535].
bool IsPort(std::string_view text, int64_t min) {
  if (text.empty() || text.size() > 5) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  auto port = ParseInt(text);
  return port && *port >= min && *port <= 65535;
}

bool IsHostNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_';
}

struct HostUrl {
  std::string url;  // normalised: lower-case, no trailing slash
  bool plain_http = false;
  bool loopback = false;
};

// Parses http(s)://host[:port][/...] where the only path allowed is trailing slashes.
std::optional<HostUrl> ParseHostUrl(std::string_view text, std::string* why) {
  const std::string lower = Lower(text);
  HostUrl result;
  std::string_view rest = lower;
  if (rest.rfind("https://", 0) == 0) {
    rest.remove_prefix(8);
  } else if (rest.rfind("http://", 0) == 0) {
    rest.remove_prefix(7);
    result.plain_http = true;
  } else {
    *why = "expected https://host[:port] (or http:// for a loopback host)";
    return std::nullopt;
  }
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.empty()) {
    *why = "expected a host after the scheme, as in https://api.genauth.ai";
    return std::nullopt;
  }
  if (rest.find_first_of("/?#") != std::string_view::npos) {
    *why = "expected scheme://host[:port] only, without a path, query or fragment";
    return std::nullopt;
  }
  if (rest.find('@') != std::string_view::npos) {
    *why = "expected no user info in the URL; credentials go in GENAUTH_ACCESS_KEY_*";
    return std::nullopt;
  }
  std::string_view host;
  std::string_view port;
  bool has_port = false;
  if (rest.front() == '[') {
    size_t close = rest.find(']');
    bool ipv6_loopback = false;
    if (close == std::string_view::npos ||
        !IsIpv6(std::string(rest.substr(1, close - 1)), &ipv6_loopback)) {
      *why = "expected a valid IPv6 address inside [ ]";
      return std::nullopt;
    }
    std::string_view after = rest.substr(close + 1);
    if (!after.empty() && after.front() != ':') {
      *why = "expected :port or nothing after the IPv6 address";
      return std::nullopt;
    }
    has_port = !after.empty();
    if (has_port) port = after.substr(1);
    result.loopback = ipv6_loopback;
  } else {
    size_t colon = rest.find(':');
    host = rest.substr(0, colon);
    if (colon != std::string_view::npos) {
      has_port = true;
      port = rest.substr(colon + 1);
    }
    bool valid_name = !host.empty();
    for (char c : host) valid_name = valid_name && IsHostNameChar(c);
    if (!valid_name) {
      *why = "expected a host name or address (letters, digits, '-', '.'; IPv6 inside [ ])";
      return std::nullopt;
    }
    unsigned char first_octet = 0;
    result.loopback =
        host == "localhost" || (IsIpv4(std::string(host), &first_octet) && first_octet == 127);
  }
  if (has_port && !IsPort(port, 1)) {
    *why = "expected a port from 1 to 65535 after ':'";
    return std::nullopt;
  }
  result.url = std::string(lower.substr(0, lower.find("://") + 3)) + std::string(rest);
  return result;
}

// host:port with an IPv4 address, localhost or [IPv6].
bool IsTcpListenAddress(std::string_view text) {
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || !IsPort(text.substr(colon + 1), 0)) return false;
  std::string_view host = text.substr(0, colon);
  if (host == "localhost") return true;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    return IsIpv6(std::string(host.substr(1, host.size() - 2)), nullptr);
  }
  return IsIpv4(std::string(host), nullptr);
}

// host:port with an IPv4 address, localhost or [IPv6]; or unix:/absolute/path.
bool IsListenAddress(std::string_view text, std::string* why) {
  if (text.rfind("unix:", 0) == 0) {
    std::string_view path = text.substr(5);
    // sun_path holds 108 bytes including the terminating NUL; bind() fails on longer paths.
    constexpr size_t kMaxUnixPath = 107;
    if (path.size() < 2 || path.front() != '/' || HasSpaceOrControl(path)) {
      *why = "expected unix:/absolute/path (an absolute path, without spaces)";
      return false;
    }
    if (path.size() > kMaxUnixPath) {
      *why = "expected a unix socket path of at most 107 bytes";
      return false;
    }
    return true;
  }
  *why =
      "expected host:port (host an IPv4 address, localhost or [IPv6]; port 0 to 65535) or "
      "unix:/absolute/path";
  return IsTcpListenAddress(text);
}

// Octal digits only, as in chmod: "0660", "660", "600".
std::optional<uint32_t> ParseFileMode(std::string_view text) {
  if (text.empty() || text.size() > 4) return std::nullopt;
  uint32_t mode = 0;
  for (char c : text) {
    if (c < '0' || c > '7') return std::nullopt;
    mode = mode * 8 + static_cast<uint32_t>(c - '0');
  }
  // setuid, setgid and sticky mean nothing on a socket; a 4-digit mode must start with 0.
  if (mode > 0777) return std::nullopt;
  return mode;
}

// Accepts any case and stores the canonical spelling from `allowed`.
void ParseChoice(Parser& p, std::string_view env, std::initializer_list<std::string_view> allowed,
                 std::string* out) {
  auto raw = p.Get(env);
  if (!raw) return;
  for (std::string_view choice : allowed) {
    if (Lower(choice) == Lower(raw->text)) {
      *out = std::string(choice);
      return;
    }
  }
  std::string expected = "expected one of";
  const char* separator = " ";
  for (std::string_view choice : allowed) {
    expected += separator + std::string(choice);
    separator = ", ";
  }
  p.Error(env, *raw, expected);
}

void ParseIntSetting(Parser& p, std::string_view env, int min, int max, int* out) {
  auto raw = p.Get(env);
  if (!raw) return;
  auto value = ParseInt(raw->text);
  if (!value || *value < min || *value > max) {
    p.Error(env, *raw,
            "expected a whole number from " + std::to_string(min) + " to " + std::to_string(max));
    return;
  }
  *out = static_cast<int>(*value);
}

std::optional<int64_t> ParseByteSize(std::string_view text) {
  int shift = 0;
  if (text.size() > 2 && text.substr(text.size() - 2) == "Ki") shift = 10;
  if (text.size() > 2 && text.substr(text.size() - 2) == "Mi") shift = 20;
  if (text.size() > 2 && text.substr(text.size() - 2) == "Gi") shift = 30;
  if (shift != 0) text.remove_suffix(2);
  auto value = ParseInt(text);
  if (!value || *value < 0 || *value > (int64_t{1} << 40)) return std::nullopt;
  return *value << shift;
}

void ParseByteSetting(Parser& p, std::string_view env, int64_t min, int64_t max, int64_t* out) {
  auto raw = p.Get(env);
  if (!raw) return;
  auto value = ParseByteSize(raw->text);
  if (!value || *value < min || *value > max) {
    p.Error(env, *raw,
            "expected a size in bytes, or with a suffix Ki, Mi or Gi, from " + FormatBytes(min) +
                " to " + FormatBytes(max));
    return;
  }
  *out = *value;
}

struct DurationRange {
  bool allow_zero;
  std::optional<nanoseconds> max;
  std::string_view max_text;  // as shown in errors, e.g. "1h"
};

// Returns false on an invalid value (already reported); `out` keeps its default when unset.
bool ParseDurationSetting(Parser& p, std::string_view env, const DurationRange& range,
                          milliseconds* out) {
  auto raw = p.Get(env);
  if (!raw) return true;
  std::optional<nanoseconds> value = common::ParseDuration(raw->text);
  bool ok =
      value && (range.allow_zero || value->count() > 0) && (!range.max || *value <= *range.max);
  if (!ok) {
    std::string expected = "expected a duration such as 250ms, 10s or 1.5m, ";
    if (range.max) {
      expected += std::string(range.allow_zero ? "from 0" : "over 0 and") + " up to " +
                  std::string(range.max_text);
    } else {
      expected += range.allow_zero ? "0 or more" : "over 0";
    }
    p.Error(env, *raw, expected);
    return false;
  }
  // Round up so that a small non-zero setting never becomes 0 (which would mean "no time").
  auto ms = std::chrono::duration_cast<milliseconds>(*value);
  if (ms < *value) ++ms;
  *out = ms;
  return true;
}

void ParseHost(Parser& p, Config& config) {
  auto raw = p.Get(kHost);
  if (!raw) return;
  std::string why;
  std::optional<HostUrl> host = ParseHostUrl(raw->text, &why);
  if (!host) {
    p.Error(kHost, *raw, why);
    return;
  }
  if (host->plain_http && !host->loopback && !config.allow_insecure_http) {
    p.Error(kHost, *raw,
            "plain http:// is allowed only to a loopback host (localhost, 127.0.0.0/8, [::1]); use "
            "https://, or set GENAUTH_ALLOW_INSECURE_HTTP=true (or pass "
            "--genauth-allow-insecure-http) to send requests in clear");
    return;
  }
  config.genauth_host = host->url;
}

void ParseAccessKey(Parser& p, Config& config) {
  if (auto id = p.Get(kAccessKeyId)) {
    if (HasSpaceOrControl(id->text)) {
      p.Error(kAccessKeyId, *id, "expected no whitespace or control characters");
    } else {
      config.access_key_id = id->text;
    }
  } else {
    p.Error(std::string(kAccessKeyId) + " is required: set it (or pass " + FlagName(kAccessKeyId) +
            ") to the access key ID");
  }

  // No message below may contain the secret or the secret file's content.
  auto secret = p.Get(kAccessKeySecret);
  auto file = p.Get(kAccessKeySecretFile);
  if (secret && file) {
    p.Error(std::string(kAccessKeySecret) + " and " + std::string(kAccessKeySecretFile) +
            " are both set (from the environment or flags): set exactly one");
    return;
  }
  if (!secret && !file) {
    if (p.secret_flag_refused()) return;
    p.Error("the access key secret is required: set " + std::string(kAccessKeySecret) + " or " +
            std::string(kAccessKeySecretFile) + " (exactly one)");
    return;
  }
  // Trailing whitespace is dropped from both sources: files usually end with a newline, and a
  // Kubernetes Secret created from such a file carries it into the environment too.
  if (secret) {
    std::string_view value = TrimTrailingSpace(secret->text);
    if (value.empty() || HasSpaceOrControl(value)) {
      p.Error(kAccessKeySecret, *secret,
              "expected the secret alone, without whitespace or control characters");
      return;
    }
    config.access_key_secret = std::string(value);
    return;
  }
  absl::StatusOr<common::SecretFileContent> read = p.ReadSecretFile(file->text);
  if (!read.ok()) {
    p.Error(kAccessKeySecretFile, *file, std::string(read.status().message()));
    return;
  }
  // Wiped on every way out: the file's content is the secret (plus a newline).
  struct Wipe {
    std::string& content;
    ~Wipe() { common::WipeString(content); }
  } wipe{read->content};
  std::string_view value = TrimTrailingSpace(read->content);
  if (value.empty()) {
    p.Error(kAccessKeySecretFile, *file, "the file is empty; expected the access key secret");
    return;
  }
  if (HasSpaceOrControl(value)) {
    p.Error(kAccessKeySecretFile, *file,
            "the file has whitespace or control characters before its end (content not shown); "
            "expected the access key secret alone");
    return;
  }
  if (auto warning =
          common::SecretFileWarning(p.Describe(kAccessKeySecretFile, *file), read->mode)) {
    p.Warning(*std::move(warning));
  }
  config.access_key_secret = std::string(value);
  config.access_key_secret_file = file->text;
}

void ParseUpstreamExtras(Parser& p, Config& config) {
  if (auto tenant = p.Get(kTenantId)) {
    // Sent as a header value: whitespace or control characters would corrupt the request.
    if (HasSpaceOrControl(tenant->text)) {
      p.Error(kTenantId, *tenant, "expected no whitespace or control characters");
    } else {
      config.tenant_id = tenant->text;
    }
  }
  ParseChoice(p, kHeaderPrefix, {"x-authing", "x-genauth"}, &config.header_prefix);
  ParseChoice(p, kAuthScheme, {"token", "signature"}, &config.auth_scheme);
  ParseChoice(p, kLang, {"zh-CN", "en-US", "ja-JP", "zh-TW"}, &config.lang);
  if (auto ca = p.Get(kCaFile)) {
    std::optional<std::string> content = p.ReadFile(ca->text);
    if (!content) {
      p.Error(kCaFile, *ca, "cannot read the file");
    } else if (content->find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
      // Checked now because TLS would otherwise fail only at the first upstream call.
      p.Error(kCaFile, *ca, "expected a PEM file with at least one CERTIFICATE block");
    } else {
      config.ca_file = ca->text;
    }
  }
}

void ParseServer(Parser& p, Config& config) {
  // The one exception to "empty means unset": an empty listen address is more likely a broken
  // template than a wish for the default, and it decides which port the sidecar opens.
  if (p.IsSetButEmpty(kGrpcListen)) {
    p.Error(std::string(kGrpcListen) +
            " is set but empty: expected host:port or unix:/absolute/path (unset it for the "
            "default " +
            config.grpc_listen + ")");
  } else if (auto listen = p.Get(kGrpcListen)) {
    std::string why;
    if (IsListenAddress(listen->text, &why)) {
      config.grpc_listen = listen->text;
    } else {
      p.Error(kGrpcListen, *listen, why);
    }
  }
  if (auto mode = p.Get(kGrpcSocketMode)) {
    if (auto parsed = ParseFileMode(mode->text)) {
      config.grpc_socket_mode = *parsed;
    } else {
      p.Error(kGrpcSocketMode, *mode,
              "expected an octal file mode from 0 to 0777, such as 0660 (owner and group may "
              "connect) or 0600 (owner only)");
    }
  }
  // Log lines spell the level "warn", as this setting always has; "warning" (spdlog's, Python's
  // and syslog's spelling, and what log lines said before) is accepted for it.
  if (auto level = p.Get(kLogLevel); level && Lower(level->text) == "warning") {
    config.log_level = "warn";
  } else {
    ParseChoice(p, kLogLevel, {"trace", "debug", "info", "warn", "error", "off"},
                &config.log_level);
  }

  if (auto admin = p.Get(kAdminListen)) {
    if (Lower(admin->text) == "off") {
      config.admin_listen.clear();
    } else if (!IsTcpListenAddress(admin->text)) {
      p.Error(kAdminListen, *admin,
              "expected host:port (host an IPv4 address, localhost or [IPv6]; port 0 to 65535) "
              "or off");
    } else if (admin->text == config.grpc_listen &&
               admin->text.substr(admin->text.rfind(':')) != ":0") {
      // Both would fail to bind at start-up; saying why now is clearer.
      p.Error(kAdminListen, *admin, "expected an address other than SIDECAR_GRPC_LISTEN's");
    } else {
      config.admin_listen = admin->text;
    }
  }
  if (auto port_file = p.Get(kPortFile)) config.port_file = port_file->text;
}

void ParseCalls(Parser& p, Config& config) {
  constexpr auto kHour = std::chrono::hours(1);
  constexpr auto kTenMinutes = std::chrono::minutes(10);
  ParseDurationSetting(p, kDefaultTimeout, {false, kHour, "1h"}, &config.default_timeout);
  ParseDurationSetting(p, kAttemptTimeout, {false, kHour, "1h"}, &config.attempt_timeout);
  ParseIntSetting(p, kMaxAttempts, 1, 10, &config.max_attempts);
  bool base_ok =
      ParseDurationSetting(p, kRetryBaseDelay, {false, std::nullopt, ""}, &config.retry_base_delay);
  bool max_ok =
      ParseDurationSetting(p, kRetryMaxDelay, {false, std::nullopt, ""}, &config.retry_max_delay);
  if (base_ok && max_ok && config.retry_max_delay < config.retry_base_delay) {
    // Either side may be the default, so the message says which one is.
    std::string max_text = p.Get(kRetryMaxDelay)
                               ? p.Describe(kRetryMaxDelay, *p.Get(kRetryMaxDelay))
                               : std::string(kRetryMaxDelay) + " (default " +
                                     FormatMillis(config.retry_max_delay) + ")";
    std::string base_text = p.Get(kRetryBaseDelay)
                                ? p.Describe(kRetryBaseDelay, *p.Get(kRetryBaseDelay))
                                : std::string(kRetryBaseDelay) + " (default)";
    p.Error(max_text + ": expected at least " + base_text + ", which is " +
            FormatMillis(config.retry_base_delay));
  }
  ParseIntSetting(p, kMaxInFlightCalls, 1, 1000000, &config.max_in_flight_calls);
  ParseByteSetting(p, kMaxInFlightBytes, int64_t{1} << 20, int64_t{16} << 30,
                   &config.max_in_flight_bytes);
  ParseByteSetting(p, kMaxRequestBytes, int64_t{1} << 10, int64_t{64} << 20,
                   &config.max_request_bytes);
  ParseIntSetting(p, kUpstreamMaxConnections, 1, 10000, &config.upstream_max_connections);
  ParseDurationSetting(p, kShutdownGrace, {true, kTenMinutes, "10m"}, &config.shutdown_grace);
  ParseDurationSetting(p, kDrainDelay, {true, std::chrono::minutes(1), "1m"}, &config.drain_delay);
  ParseIntSetting(p, kRetryBudgetPercent, 0, 1000, &config.retry_budget_percent);
  ParseIntSetting(p, kRetryBudgetMinRetries, 0, 100000, &config.retry_budget_min_retries);
  ParseIntSetting(p, kBreakerFailures, 0, 1000, &config.breaker_failures);
  ParseDurationSetting(p, kBreakerOpenTime, {false, kTenMinutes, "10m"}, &config.breaker_open_time);
  ParseDurationSetting(p, kSecretPollInterval, {false, kHour, "1h"}, &config.secret_poll_interval);
}

// Word-wraps `text` into lines of at most `width` columns, each starting with `indent`.
std::string Wrap(std::string_view text, std::string_view indent, size_t width) {
  std::string out;
  std::string line(indent);
  while (!text.empty()) {
    size_t space = text.find(' ');
    std::string_view word = text.substr(0, space);
    text = space == std::string_view::npos ? std::string_view() : text.substr(space + 1);
    if (line.size() > indent.size() && line.size() + 1 + word.size() > width) {
      out += line + "\n";
      line = std::string(indent);
    }
    if (line.size() > indent.size()) line += ' ';
    line += word;
  }
  return out + line + "\n";
}

bool IsProxyVariable(std::string_view name) {
  for (std::string_view known : kHttpsProxyVariables) {
    if (name == known) return true;
  }
  for (std::string_view known : kNoProxyVariables) {
    if (name == known) return true;
  }
  return name == "http_proxy";
}

// The first of `names` set (non-empty) in the environment.
std::optional<std::pair<std::string, std::string>> FirstSet(
    const ConfigSource& source, std::initializer_list<std::string_view> names) {
  for (std::string_view name : names) {
    auto it = source.env.find(std::string(name));
    if (it != source.env.end() && !it->second.empty()) return *it;
  }
  return std::nullopt;
}

// The standard proxy variables, as libcurl would read them for GENAUTH_HOST's scheme. Read here,
// not by libcurl, so that the start-up log can name the proxy and a bad URL is a clear error.
void ParseProxy(const ConfigSource& source, Parser& p, Config& config) {
  const bool https = config.genauth_host.rfind("https://", 0) == 0;
  auto proxy = https ? FirstSet(source, {kHttpsProxyVariables[0], kHttpsProxyVariables[1],
                                         kHttpsProxyVariables[2], kHttpsProxyVariables[3]})
                     : FirstSet(source, {kHttpProxyVariables[0], kHttpProxyVariables[1],
                                         kHttpProxyVariables[2]});
  if (auto no_proxy = FirstSet(source, {kNoProxyVariables[0], kNoProxyVariables[1]})) {
    config.no_proxy = no_proxy->second;
  }
  if (!proxy) return;
  const std::string lower = Lower(proxy->second);
  bool known_scheme = false;
  for (std::string_view scheme :
       {"http://", "https://", "socks4://", "socks4a://", "socks5://", "socks5h://"}) {
    if (lower.rfind(scheme, 0) == 0 && lower.size() > scheme.size()) known_scheme = true;
  }
  if (!known_scheme || HasSpaceOrControl(proxy->second)) {
    // The value may carry credentials: only the variable is named.
    p.Error(proxy->first +
            " (the proxy for GENAUTH_HOST, value not shown): expected a URL such as "
            "http://proxy.internal:3128 (schemes: http, https, socks4, socks4a, socks5, socks5h)");
    return;
  }
  config.proxy = proxy->second;
  config.proxy_variable = proxy->first;
}

}  // namespace

ConfigSource ProcessConfigSource(int argc, char** argv, char** envp) {
  ConfigSource source;
  for (char** entry = envp; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view var(*entry);
    size_t eq = var.find('=');
    if (eq == std::string_view::npos) continue;
    if (var.rfind("GENAUTH_", 0) != 0 && var.rfind("SIDECAR_", 0) != 0 &&
        !IsProxyVariable(var.substr(0, eq))) {
      continue;
    }
    source.env[std::string(var.substr(0, eq))] = std::string(var.substr(eq + 1));
  }
  for (int i = 1; i < argc; ++i) source.args.emplace_back(argv[i]);
  source.read_file = common::ReadWholeFile;
  source.read_secret_file = [](const std::string& path) { return common::ReadSecretFile(path); };
  return source;
}

void WipeSecrets(ConfigSource& source) {
  auto it = source.env.find(std::string(kAccessKeySecret));
  if (it != source.env.end()) common::WipeString(it->second);
}

ParseResult ParseConfig(const ConfigSource& source) {
  ParseResult result;
  Config config;
  Parser p(source, result);
  p.ReadFlags();

  // Read before the host, whose http:// check depends on it.
  if (auto insecure = p.Get(kAllowInsecureHttp)) {
    if (auto value = ParseBool(insecure->text)) {
      config.allow_insecure_http = *value;
    } else {
      p.Error(kAllowInsecureHttp, *insecure, "expected true/false, 1/0 or yes/no");
    }
  }
  for (const RemovedSetting& removed : kRemovedSettings) {
    if (source.env.count(std::string(removed.env)) != 0) {
      p.Error(std::string(removed.env) + " " + std::string(removed.replacement));
    }
  }
  ParseHost(p, config);
  ParseProxy(source, p, config);
  ParseAccessKey(p, config);
  ParseUpstreamExtras(p, config);
  ParseServer(p, config);
  ParseCalls(p, config);

  if (result.errors.empty()) result.config = std::move(config);
  // A moved short string keeps its bytes in the moved-from one.
  common::WipeString(config.access_key_secret);  // NOLINT(bugprone-use-after-move)
  return result;
}

std::string Usage() {
  const Config defaults;
  std::string out =
      "Usage: genauth-sidecar [--name=value | --name value]... [--help] [--version]\n"
      "\n"
      "Every setting is read from its environment variable; the matching flag overrides it.\n"
      "An empty value counts as unset, except for SIDECAR_GRPC_LISTEN.\n"
      "Booleans: true/false, 1/0, yes/no (--name=false or --name false); a bare boolean flag\n"
      "means true.\n"
      "Durations: a number and a unit (ns, us, ms, s, m, h), e.g. 250ms, 10s, 1.5m.\n"
      "Invalid settings are all reported, and the sidecar exits with status 64.\n"
      "\n";
  auto pad = [](std::string s, size_t width) {
    if (s.size() < width) s.append(width - s.size(), ' ');
    return s + " ";
  };
  out += pad("ENVIRONMENT", 31) + pad("FLAG", 33) + "DEFAULT\n";
  for (const Setting& s : kSettings) {
    const std::string flag = s.kind == Kind::kSecret ? "(no flag)" : FlagName(s.env);
    out += pad(std::string(s.env), 31) + pad(flag, 33) + s.default_text(defaults) + "\n";
    out += Wrap(s.meaning, "    ", 100);
  }
  out += pad("", 31) + "--help, -h\n    Print this text and exit.\n";
  out += pad("", 31) + "--version\n    Print the version and exit.\n";
  out +=
      "\nProxy: GenAuth is reached through the proxy named by https_proxy, HTTPS_PROXY,\n"
      "all_proxy or ALL_PROXY (http_proxy, all_proxy or ALL_PROXY for an http:// host), except\n"
      "for the hosts listed in no_proxy or NO_PROXY; the start-up log says which is used.\n";
  return out;
}

}  // namespace genauth::config
