// The sidecar's whole configuration, read from the environment (primary) and command-line flags
// (which mirror the environment names and win over them). Read by main alone; each layer receives
// only its own small options struct, built from this by app/server_options.h. Each setting's
// name, kind, range and help are its row in settings_table.cc; the defaults are here.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/secret_file.h"

namespace genauth::config {

struct Config {
  // --- upstream (GenAuth) ---
  std::string genauth_host = "https://api.genauth.ai";  // GENAUTH_HOST; no trailing slash
  std::string access_key_id;                            // GENAUTH_ACCESS_KEY_ID (required)
  // The secret itself, read from GENAUTH_ACCESS_KEY_SECRET or the file named by
  // GENAUTH_ACCESS_KEY_SECRET_FILE (exactly one of the two; never from a flag). Never log it; main
  // wipes it once it has handed it to the server.
  std::string access_key_secret;
  std::string access_key_secret_file;       // the path, when the secret came from a file
  std::string tenant_id;                    // GENAUTH_TENANT_ID; header sent only when non-empty
  std::string header_prefix = "x-authing";  // GENAUTH_HEADER_PREFIX: x-authing | x-genauth
  std::string lang = "zh-CN";               // GENAUTH_LANG: zh-CN | en-US | ja-JP | zh-TW
  std::string auth_scheme = "token";        // GENAUTH_AUTH_SCHEME: token | signature
  std::string ca_file;               // GENAUTH_CA_FILE: extra CA bundle; system CAs otherwise
  bool allow_insecure_http = false;  // GENAUTH_ALLOW_INSECURE_HTTP: http:// to a non-loopback host
  // The proxy for GenAuth, from the standard variables (https_proxy, HTTPS_PROXY, all_proxy,
  // ALL_PROXY for an https:// host; http_proxy, all_proxy, ALL_PROXY for http://), and the hosts
  // reached without it (no_proxy, NO_PROXY). Empty when none.
  std::string proxy;
  std::string proxy_variable;  // which variable it came from, for the start-up log
  std::string no_proxy;

  // SIDECAR_SECRET_POLL_INTERVAL: how often the secret file is checked for a rotated secret.
  std::chrono::milliseconds secret_poll_interval{10000};

  // --- gRPC server ---
  std::string grpc_listen = "127.0.0.1:50051";  // SIDECAR_GRPC_LISTEN: host:port or unix:/path
  // SIDECAR_GRPC_SOCKET_MODE: file mode of a unix:/path socket (0 to 0777).
  uint32_t grpc_socket_mode = 0660;
  // SIDECAR_LOG_LEVEL: trace|debug|info|warn|error|off ("warning" is read as warn).
  std::string log_level = "info";

  // --- admin endpoint ---
  // SIDECAR_ADMIN_LISTEN: host:port of /metrics, /healthz and /readyz; empty when "off".
  std::string admin_listen = "127.0.0.1:9464";
  // SIDECAR_PORT_FILE: where to write the bound ports (grpc=PORT, admin=PORT lines) once serving;
  // empty for none. For scripts and tests that listen on port 0.
  std::string port_file;

  // --- calls ---
  std::chrono::milliseconds default_timeout{
      10000};  // SIDECAR_DEFAULT_TIMEOUT: when caller sets none
  std::chrono::milliseconds attempt_timeout{
      10000};            // SIDECAR_ATTEMPT_TIMEOUT: one upstream attempt
  int max_attempts = 3;  // SIDECAR_MAX_ATTEMPTS: 1..10, first try included
  std::chrono::milliseconds retry_base_delay{100};  // SIDECAR_RETRY_BASE_DELAY
  std::chrono::milliseconds retry_max_delay{2000};  // SIDECAR_RETRY_MAX_DELAY (>= base)
  // SIDECAR_MAX_IN_FLIGHT_CALLS: calls accepted and not yet answered; beyond, refused at once.
  int max_in_flight_calls = 4096;
  // SIDECAR_MAX_IN_FLIGHT_BYTES: memory charged to those calls (their requests); beyond, refused.
  int64_t max_in_flight_bytes = 32 * 1024 * 1024;
  int64_t max_request_bytes = 4 * 1024 * 1024;  // SIDECAR_MAX_REQUEST_BYTES: one request message
  int upstream_max_connections = 64;            // SIDECAR_UPSTREAM_MAX_CONNECTIONS: to GenAuth
  std::chrono::milliseconds shutdown_grace{10000};  // SIDECAR_SHUTDOWN_GRACE
  std::chrono::milliseconds drain_delay{1000};  // SIDECAR_DRAIN_DELAY: NOT_SERVING, still serving

  // --- protecting GenAuth ---
  int retry_budget_percent = 20;  // SIDECAR_RETRY_BUDGET_PERCENT: retries per 100 calls, 0..1000
  int retry_budget_min_retries = 10;  // SIDECAR_RETRY_BUDGET_MIN_RETRIES: per 10 s, 0..100000
  int breaker_failures = 5;           // SIDECAR_BREAKER_FAILURES: consecutive; 0 = no breaker
  std::chrono::milliseconds breaker_open_time{5000};  // SIDECAR_BREAKER_OPEN_TIME
};

// Where settings come from. Injectable so tests never touch the real environment.
struct ConfigSource {
  std::map<std::string, std::string> env;  // variable name -> value
  std::vector<std::string> args;           // argv[1..]
  // Reads a whole file (the CA bundle). Returns nullopt when it cannot be read.
  std::function<std::optional<std::string>(const std::string& path)> read_file;
  // Reads the secret file: its content (which ParseConfig wipes once copied) and mode, or why it
  // cannot be used (common::ReadSecretFile: bounded size, regular files only).
  std::function<absl::StatusOr<common::SecretFileContent>(const std::string& path)>
      read_secret_file;
};

// The process environment and argv, with the real filesystem.
ConfigSource ProcessConfigSource(int argc, char** argv, char** envp);

// Wipes the copies of secrets a ConfigSource holds (GENAUTH_ACCESS_KEY_SECRET's value), once it
// has been parsed.
void WipeSecrets(ConfigSource& source);

struct ParseResult {
  std::optional<Config> config;     // set when there were no errors
  std::vector<std::string> errors;  // every problem found, in plain words; empty on success
  // Settings that work but deserve the operator's attention (a secret file every user can read),
  // for the log once it exists. Never contain a secret.
  std::vector<std::string> warnings;
  bool help_requested = false;  // --help: print Usage() and exit 0
  // --help-markdown: print ConfigurationReference() (docs/configuration.md) and exit 0
  bool help_markdown_requested = false;
  bool version_requested = false;  // --version: print the version and exit 0
};

// Reads and validates every setting, collecting all problems instead of stopping at the first.
ParseResult ParseConfig(const ConfigSource& source);

// The --help text: every setting with its environment name, flag, default and meaning.
std::string Usage();

// The same as a Markdown page, docs/configuration.md (regenerated by `make docs`).
std::string ConfigurationReference();

// Exit status for invalid configuration (EX_USAGE), used before any port is opened.
inline constexpr int kExitBadConfig = 64;

}  // namespace genauth::config
