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

// Each field is the value of the setting named beside it; what it accepts, and its help, are the
// setting's row in settings_table.cc. The defaults are stated here (the layers' own defaults are
// checked against them by tests/app/server_options_test.cc).
struct Config {
  // --- GenAuth ---
  std::string genauth_host = "https://api.genauth.ai";  // GENAUTH_HOST, without a trailing slash
  std::string access_key_id;                            // GENAUTH_ACCESS_KEY_ID (required)
  // The secret itself, from GENAUTH_ACCESS_KEY_SECRET or from the file
  // GENAUTH_ACCESS_KEY_SECRET_FILE names (the path is then in access_key_secret_file). Never log
  // it; main wipes it once it has handed it to the server.
  std::string access_key_secret;
  std::string access_key_secret_file;
  std::string tenant_id;                    // GENAUTH_TENANT_ID
  std::string header_prefix = "x-authing";  // GENAUTH_HEADER_PREFIX
  std::string lang = "zh-CN";               // GENAUTH_LANG
  std::string auth_scheme = "token";        // GENAUTH_AUTH_SCHEME
  std::string ca_file;                      // GENAUTH_CA_FILE
  bool allow_insecure_http = false;         // GENAUTH_ALLOW_INSECURE_HTTP
  // The proxy for GenAuth, from the standard variables rather than a setting of ours
  // (proxy_settings.h), and the hosts reached without it. Empty when none.
  std::string proxy;
  std::string proxy_variable;  // which variable it came from, for the start-up log
  std::string no_proxy;

  // --- listening and logging ---
  std::string grpc_listen = "127.0.0.1:50051";  // SIDECAR_GRPC_LISTEN
  uint32_t grpc_socket_mode = 0660;             // SIDECAR_GRPC_SOCKET_MODE
  std::string log_level = "info";               // SIDECAR_LOG_LEVEL
  std::string admin_listen = "127.0.0.1:9464";  // SIDECAR_ADMIN_LISTEN; empty when "off"
  std::string port_file;                        // SIDECAR_PORT_FILE; empty for none

  // --- calls ---
  std::chrono::milliseconds default_timeout{10000};       // SIDECAR_DEFAULT_TIMEOUT
  std::chrono::milliseconds attempt_timeout{10000};       // SIDECAR_ATTEMPT_TIMEOUT
  int max_attempts = 3;                                   // SIDECAR_MAX_ATTEMPTS
  std::chrono::milliseconds retry_base_delay{100};        // SIDECAR_RETRY_BASE_DELAY
  std::chrono::milliseconds retry_max_delay{2000};        // SIDECAR_RETRY_MAX_DELAY
  int max_in_flight_calls = 4096;                         // SIDECAR_MAX_IN_FLIGHT_CALLS
  int64_t max_in_flight_bytes = 32 * 1024 * 1024;         // SIDECAR_MAX_IN_FLIGHT_BYTES
  int64_t max_request_bytes = 4 * 1024 * 1024;            // SIDECAR_MAX_REQUEST_BYTES
  int upstream_max_connections = 64;                      // SIDECAR_UPSTREAM_MAX_CONNECTIONS
  bool start_traces = false;                              // SIDECAR_START_TRACES
  int idempotency_max_keys = 50000;                       // SIDECAR_IDEMPOTENCY_MAX_KEYS
  int64_t idempotency_max_bytes = 16 * 1024 * 1024;       // SIDECAR_IDEMPOTENCY_MAX_BYTES
  std::chrono::milliseconds idempotency_window{3600000};  // SIDECAR_IDEMPOTENCY_WINDOW

  // --- protecting GenAuth ---
  int retry_budget_percent = 20;                      // SIDECAR_RETRY_BUDGET_PERCENT
  int retry_budget_min_retries = 10;                  // SIDECAR_RETRY_BUDGET_MIN_RETRIES
  int breaker_failures = 5;                           // SIDECAR_BREAKER_FAILURES
  std::chrono::milliseconds breaker_open_time{5000};  // SIDECAR_BREAKER_OPEN_TIME
  std::string token_refresh_window = "70%-90%";       // SIDECAR_TOKEN_REFRESH_WINDOW

  // --- shutdown ---
  std::chrono::milliseconds shutdown_grace{10000};  // SIDECAR_SHUTDOWN_GRACE
  std::chrono::milliseconds drain_delay{1000};      // SIDECAR_DRAIN_DELAY

  // --- secret rotation ---
  std::chrono::milliseconds secret_poll_interval{10000};  // SIDECAR_SECRET_POLL_INTERVAL
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
