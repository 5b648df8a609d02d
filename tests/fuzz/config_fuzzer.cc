// Fuzzes configuration parsing (environment + flags + the secret and CA files) with an injected
// ConfigSource. It must never crash, must report every failure as a non-empty message, must only
// accept configurations inside the documented ranges, must never echo the access key secret (in
// errors or warnings), and must never accept the secret from a flag.
//
// Input: mode byte (how the secret is given), prefix byte, position byte, then NUL-separated
// pieces: the secret's tail, the content of readable files, then entries. An entry starting with
// \x01 is an environment variable (next byte picks the name, the rest is the value); one starting
// with \x02 is a known flag with "=" (next byte picks it, the rest is the value); anything else is
// one argv element as is.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/settings_table.h"
#include "fuzz_check.h"

namespace {

using genauth::config::Config;
using genauth::config::ConfigSource;
using genauth::config::ParseResult;

// Every setting of the table, and one name the sidecar does not know.
const std::vector<std::string>& EnvNames() {
  static const auto* const names = [] {
    auto* out = new std::vector<std::string>;
    for (const genauth::config::Setting& s : genauth::config::Settings()) out->emplace_back(s.env);
    out->emplace_back("SIDECAR_UNKNOWN_SETTING");
    return out;
  }();
  return *names;
}

// The secret always contains this marker; an error containing it leaked the secret.
constexpr std::string_view kMarker = "Zq7SeCrEt";
constexpr std::string_view kSecretPath = "/run/secrets/genauth-key";

std::string FlagFor(std::string_view env) {
  std::string flag = "--";
  for (char c : env) flag += c == '_' ? '-' : static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  return flag;
}

bool HasSpaceOrControl(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return true;
  }
  return false;
}

void CheckAccepted(const Config& c) {
  using std::chrono::hours;
  using std::chrono::milliseconds;
  using std::chrono::minutes;
  FUZZ_CHECK(!c.access_key_id.empty() && !HasSpaceOrControl(c.access_key_id));
  FUZZ_CHECK(!c.access_key_secret.empty() && !HasSpaceOrControl(c.access_key_secret));
  FUZZ_CHECK(!HasSpaceOrControl(c.tenant_id));
  FUZZ_CHECK(c.genauth_host.rfind("https://", 0) == 0 || c.genauth_host.rfind("http://", 0) == 0);
  FUZZ_CHECK(c.genauth_host.back() != '/');
  FUZZ_CHECK(c.header_prefix == "x-authing" || c.header_prefix == "x-genauth");
  FUZZ_CHECK(c.auth_scheme == "token" || c.auth_scheme == "signature");
  FUZZ_CHECK(!c.grpc_listen.empty());
  FUZZ_CHECK(c.grpc_socket_mode <= 0777);
  FUZZ_CHECK(c.max_attempts >= 1 && c.max_attempts <= 10);
  FUZZ_CHECK(c.max_in_flight_calls >= 1 && c.max_in_flight_calls <= 1000000);
  FUZZ_CHECK(c.max_in_flight_bytes >= (int64_t{1} << 20) &&
             c.max_in_flight_bytes <= (int64_t{16} << 30));
  FUZZ_CHECK(c.max_request_bytes >= 1024 && c.max_request_bytes <= (int64_t{64} << 20));
  FUZZ_CHECK(c.default_timeout > milliseconds(0) && c.default_timeout <= hours(1));
  FUZZ_CHECK(c.attempt_timeout > milliseconds(0) && c.attempt_timeout <= hours(1));
  FUZZ_CHECK(c.secret_poll_interval > milliseconds(0) && c.secret_poll_interval <= hours(1));
  FUZZ_CHECK(c.shutdown_grace >= milliseconds(0) && c.shutdown_grace <= minutes(10));
  FUZZ_CHECK(c.retry_base_delay > milliseconds(0));
  FUZZ_CHECK(c.retry_max_delay >= c.retry_base_delay);
  FUZZ_CHECK(c.drain_delay >= milliseconds(0) && c.drain_delay <= minutes(1));
  FUZZ_CHECK(c.breaker_open_time > milliseconds(0) && c.breaker_open_time <= minutes(10));
  FUZZ_CHECK(c.upstream_max_connections >= 1 && c.upstream_max_connections <= 10000);
  FUZZ_CHECK(c.retry_budget_percent >= 0 && c.retry_budget_percent <= 1000);
  FUZZ_CHECK(c.retry_budget_min_retries >= 0 && c.retry_budget_min_retries <= 100000);
  FUZZ_CHECK(c.breaker_failures >= 0 && c.breaker_failures <= 1000);
  FUZZ_CHECK(c.lang == "zh-CN" || c.lang == "en-US" || c.lang == "ja-JP" || c.lang == "zh-TW");
  FUZZ_CHECK(c.log_level == "trace" || c.log_level == "debug" || c.log_level == "info" ||
             c.log_level == "warn" || c.log_level == "error" || c.log_level == "off");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  genauth::fuzz::FuzzInput input(data, size);
  const uint8_t mode = input.Byte() % 5;
  const uint8_t prefix = input.Byte() % 3;
  const uint8_t position = input.Byte();
  const std::string secret = std::string(prefix == 0   ? ""
                                         : prefix == 1 ? "--"
                                                       : "-") +
                             std::string(kMarker) + std::string(input.Piece());
  const std::string file_content(input.Piece());

  ConfigSource source;
  bool marker_elsewhere = file_content.find(kMarker) != std::string::npos;
  while (!input.empty()) {
    std::string_view entry = input.Piece();
    marker_elsewhere = marker_elsewhere || entry.find(kMarker) != std::string_view::npos;
    if (!entry.empty() && (entry[0] == '\x01' || entry[0] == '\x02') && entry.size() >= 2) {
      const std::string& name = EnvNames()[static_cast<uint8_t>(entry[1]) % EnvNames().size()];
      std::string value(entry.substr(2));
      if (entry[0] == '\x01') {
        source.env[name] = value;
      } else {
        source.args.push_back(FlagFor(name) + "=" + value);
      }
    } else {
      source.args.emplace_back(entry);
    }
  }

  // The secret, given the way `mode` says, at a place in argv the input chose.
  std::vector<std::string> secret_args;
  switch (mode) {
    case 0:
      source.env["GENAUTH_ACCESS_KEY_SECRET"] = secret;
      break;
    case 1:
      secret_args = {"--genauth-access-key-secret=" + secret};
      break;
    case 2:
      secret_args = {"--genauth-access-key-secret", secret};
      break;
    case 3:  // a misspelt flag: reported by name only
      secret_args = {"--genauth-acces-key-secret=" + secret};
      break;
    default:
      source.env["GENAUTH_ACCESS_KEY_SECRET_FILE"] = std::string(kSecretPath);
      break;
  }
  const size_t at = source.args.empty() ? 0 : position % (source.args.size() + 1);
  source.args.insert(source.args.begin() + static_cast<std::ptrdiff_t>(at), secret_args.begin(),
                     secret_args.end());
  source.read_file = [&](const std::string& path) -> std::optional<std::string> {
    if (path == kSecretPath) return secret + "\n";
    if (path.rfind("/ok", 0) == 0) return file_content;
    return std::nullopt;
  };
  // Secret files: the same files, world-readable ones under /ok (which only warns).
  source.read_secret_file =
      [&](const std::string& path) -> absl::StatusOr<genauth::common::SecretFileContent> {
    if (path == kSecretPath) return genauth::common::SecretFileContent{secret + "\n", 0400};
    if (path.rfind("/ok", 0) == 0) return genauth::common::SecretFileContent{file_content, 0644};
    return absl::FailedPreconditionError("cannot open the file: No such file or directory");
  };

  const ParseResult result = genauth::config::ParseConfig(source);
  FUZZ_CHECK(result.config.has_value() == result.errors.empty());
  for (const std::string& error : result.errors) {
    FUZZ_CHECK(!error.empty());
    if (!marker_elsewhere) FUZZ_CHECK(error.find(kMarker) == std::string::npos);
  }
  for (const std::string& warning : result.warnings) {
    if (!marker_elsewhere) FUZZ_CHECK(warning.find(kMarker) == std::string::npos);
  }
  if (mode == 1 || mode == 2) FUZZ_CHECK(!result.config.has_value());  // the flag is refused
  if (result.config) CheckAccepted(*result.config);
  return 0;
}
