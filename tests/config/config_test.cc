// Tests of ParseConfig and Usage with an in-memory environment and file system (no real files).
#include "config/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cctype>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "support/param_name.h"

namespace genauth::config {
namespace {

using ::testing::AllOf;
using ::testing::Each;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

// Distinctive, so that any echo of it in an error is unmistakable.
constexpr char kSecret[] = "S3cr3t-Zq9vWx-do-not-print";

struct Fixture {
  std::map<std::string, std::string> env = {
      {"GENAUTH_ACCESS_KEY_ID", "key-id"},
      {"GENAUTH_ACCESS_KEY_SECRET", kSecret},
  };
  std::vector<std::string> args;
  std::map<std::string, std::string> files;
  std::map<std::string, mode_t> modes;  // a file's mode, 0400 when not listed
  // The secret file reader's error for a path, instead of the file.
  std::map<std::string, std::string> read_errors;

  ParseResult Parse() const {
    ConfigSource source;
    source.env = env;
    source.args = args;
    auto files_copy = files;
    source.read_file = [files_copy](const std::string& path) -> std::optional<std::string> {
      auto it = files_copy.find(path);
      if (it == files_copy.end()) return std::nullopt;
      return it->second;
    };
    source.read_secret_file =
        [files_copy, modes = modes, errors = read_errors](
            const std::string& path) -> absl::StatusOr<common::SecretFileContent> {
      if (auto error = errors.find(path); error != errors.end()) {
        return absl::FailedPreconditionError(error->second);
      }
      auto it = files_copy.find(path);
      if (it == files_copy.end()) {
        return absl::FailedPreconditionError("cannot open the file: No such file or directory");
      }
      auto mode = modes.find(path);
      return common::SecretFileContent{it->second, mode == modes.end() ? 0400u : mode->second};
    };
    return ParseConfig(source);
  }
};

std::string JoinErrors(const ParseResult& r) {
  std::string all;
  for (const auto& e : r.errors) all += e + "\n";
  return all;
}

Config MustParse(const Fixture& f) {
  ParseResult r = f.Parse();
  EXPECT_THAT(r.errors, IsEmpty()) << JoinErrors(r);
  EXPECT_TRUE(r.config.has_value());
  return r.config.value_or(Config{});
}

// The single error of a parse expected to fail in exactly one place.
std::string OnlyError(const Fixture& f) {
  ParseResult r = f.Parse();
  EXPECT_FALSE(r.config.has_value());
  EXPECT_THAT(r.errors, SizeIs(1)) << JoinErrors(r);
  return r.errors.empty() ? "" : r.errors.front();
}

TEST(ConfigTest, DefaultsWithOnlyRequiredSettings) {
  Fixture f;
  Config c = MustParse(f);
  EXPECT_EQ(c.genauth_host, "https://api.genauth.ai");
  EXPECT_EQ(c.access_key_id, "key-id");
  EXPECT_EQ(c.access_key_secret, kSecret);
  EXPECT_EQ(c.access_key_secret_file, "");
  EXPECT_EQ(c.tenant_id, "");
  EXPECT_EQ(c.header_prefix, "x-authing");
  EXPECT_EQ(c.lang, "zh-CN");
  EXPECT_EQ(c.auth_scheme, "token");
  EXPECT_EQ(c.ca_file, "");
  EXPECT_FALSE(c.allow_insecure_http);
  EXPECT_EQ(c.grpc_listen, "127.0.0.1:50051");
  EXPECT_EQ(c.log_level, "info");
  EXPECT_EQ(c.default_timeout, std::chrono::milliseconds(10000));
  EXPECT_EQ(c.attempt_timeout, std::chrono::milliseconds(10000));
  EXPECT_EQ(c.max_attempts, 3);
  EXPECT_EQ(c.retry_base_delay, std::chrono::milliseconds(100));
  EXPECT_EQ(c.retry_max_delay, std::chrono::milliseconds(2000));
  EXPECT_EQ(c.max_in_flight_calls, 4096);
  EXPECT_EQ(c.max_in_flight_bytes, 32 * 1024 * 1024);
  EXPECT_EQ(c.max_request_bytes, 4 * 1024 * 1024);
  EXPECT_EQ(c.upstream_max_connections, 64);
  EXPECT_EQ(c.proxy, "");
  EXPECT_EQ(c.no_proxy, "");
  EXPECT_EQ(c.shutdown_grace, std::chrono::milliseconds(10000));
  EXPECT_EQ(c.admin_listen, "127.0.0.1:9464");
  EXPECT_EQ(c.grpc_socket_mode, 0660u);
  EXPECT_EQ(c.secret_poll_interval, std::chrono::milliseconds(10000));
}

TEST(ConfigTest, EmptyEnvironmentValuesCountAsUnset) {
  Fixture f;
  for (const char* name :
       {"GENAUTH_HOST", "GENAUTH_TENANT_ID", "GENAUTH_HEADER_PREFIX", "GENAUTH_LANG",
        "GENAUTH_CA_FILE", "GENAUTH_ALLOW_INSECURE_HTTP", "GENAUTH_ACCESS_KEY_SECRET_FILE",
        "SIDECAR_LOG_LEVEL", "SIDECAR_DEFAULT_TIMEOUT", "SIDECAR_MAX_ATTEMPTS"}) {
    f.env[name] = "";
  }
  Config c = MustParse(f);
  EXPECT_EQ(c.genauth_host, "https://api.genauth.ai");
  EXPECT_EQ(c.max_attempts, 3);
  EXPECT_EQ(c.access_key_secret, kSecret);
}

TEST(ConfigTest, MissingRequiredSettings) {
  Fixture f;
  f.env.clear();
  ParseResult r = f.Parse();
  ASSERT_THAT(r.errors, SizeIs(2)) << JoinErrors(r);
  EXPECT_THAT(r.errors[0], HasSubstr("GENAUTH_ACCESS_KEY_ID"));
  EXPECT_THAT(r.errors[1], AllOf(HasSubstr("GENAUTH_ACCESS_KEY_SECRET"),
                                 HasSubstr("GENAUTH_ACCESS_KEY_SECRET_FILE")));
}

// One setting at a time: the value as given and what ends up in Config.
struct HappyCase {
  std::string env;
  std::string value;
  std::function<void(const Config&)> check;
};

// How a case appears in test names and failures. Without it gtest prints the object's bytes,
// pointers included, so the name ctest discovered at build time would differ at run time.
void PrintTo(const HappyCase& c, std::ostream* os) { *os << c.env << "=" << c.value; }

class HappyPathTest : public ::testing::TestWithParam<HappyCase> {};

TEST_P(HappyPathTest, FromEnvironment) {
  Fixture f;
  f.files["/etc/ca.pem"] = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  f.env[GetParam().env] = GetParam().value;
  GetParam().check(MustParse(f));
}

TEST_P(HappyPathTest, FromFlag) {
  Fixture f;
  f.files["/etc/ca.pem"] = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  std::string flag = "--" + GetParam().env;
  for (char& ch : flag) {
    ch = ch == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  }
  f.args = {flag + "=" + GetParam().value};
  GetParam().check(MustParse(f));
}

using std::chrono::milliseconds;

INSTANTIATE_TEST_SUITE_P(
    EachSetting, HappyPathTest,
    ::testing::Values(
        HappyCase{
            "GENAUTH_HOST", "https://genauth.example.com:8443",
            [](const Config& c) { EXPECT_EQ(c.genauth_host, "https://genauth.example.com:8443"); }},
        HappyCase{"GENAUTH_HOST", "HTTPS://API.Example.COM/",
                  [](const Config& c) { EXPECT_EQ(c.genauth_host, "https://api.example.com"); }},
        HappyCase{"GENAUTH_HOST", "https://[2001:db8::1]:443",
                  [](const Config& c) { EXPECT_EQ(c.genauth_host, "https://[2001:db8::1]:443"); }},
        HappyCase{"GENAUTH_ACCESS_KEY_ID", "AKID-123",
                  [](const Config& c) { EXPECT_EQ(c.access_key_id, "AKID-123"); }},
        HappyCase{"GENAUTH_TENANT_ID", "tenant-7",
                  [](const Config& c) { EXPECT_EQ(c.tenant_id, "tenant-7"); }},
        HappyCase{"GENAUTH_HEADER_PREFIX", "x-genauth",
                  [](const Config& c) { EXPECT_EQ(c.header_prefix, "x-genauth"); }},
        HappyCase{"GENAUTH_HEADER_PREFIX", "X-Authing",
                  [](const Config& c) { EXPECT_EQ(c.header_prefix, "x-authing"); }},
        HappyCase{"GENAUTH_LANG", "en-US", [](const Config& c) { EXPECT_EQ(c.lang, "en-US"); }},
        HappyCase{"GENAUTH_LANG", "ja-jp", [](const Config& c) { EXPECT_EQ(c.lang, "ja-JP"); }},
        HappyCase{"GENAUTH_LANG", "zh-TW", [](const Config& c) { EXPECT_EQ(c.lang, "zh-TW"); }},
        HappyCase{"GENAUTH_AUTH_SCHEME", "Signature",
                  [](const Config& c) { EXPECT_EQ(c.auth_scheme, "signature"); }},
        HappyCase{"GENAUTH_AUTH_SCHEME", "token",
                  [](const Config& c) { EXPECT_EQ(c.auth_scheme, "token"); }},
        HappyCase{"GENAUTH_CA_FILE", "/etc/ca.pem",
                  [](const Config& c) { EXPECT_EQ(c.ca_file, "/etc/ca.pem"); }},
        HappyCase{"GENAUTH_ALLOW_INSECURE_HTTP", "YES",
                  [](const Config& c) { EXPECT_TRUE(c.allow_insecure_http); }},
        HappyCase{"GENAUTH_ALLOW_INSECURE_HTTP", "1",
                  [](const Config& c) { EXPECT_TRUE(c.allow_insecure_http); }},
        HappyCase{"GENAUTH_ALLOW_INSECURE_HTTP", "False",
                  [](const Config& c) { EXPECT_FALSE(c.allow_insecure_http); }},
        HappyCase{"GENAUTH_ALLOW_INSECURE_HTTP", "no",
                  [](const Config& c) { EXPECT_FALSE(c.allow_insecure_http); }},
        HappyCase{"SIDECAR_GRPC_LISTEN", "0.0.0.0:9000",
                  [](const Config& c) { EXPECT_EQ(c.grpc_listen, "0.0.0.0:9000"); }},
        HappyCase{"SIDECAR_GRPC_LISTEN", "localhost:0",
                  [](const Config& c) { EXPECT_EQ(c.grpc_listen, "localhost:0"); }},
        HappyCase{"SIDECAR_GRPC_LISTEN", "[::]:50051",
                  [](const Config& c) { EXPECT_EQ(c.grpc_listen, "[::]:50051"); }},
        HappyCase{"SIDECAR_GRPC_LISTEN", "unix:/run/sidecar/grpc.sock",
                  [](const Config& c) { EXPECT_EQ(c.grpc_listen, "unix:/run/sidecar/grpc.sock"); }},
        HappyCase{"SIDECAR_LOG_LEVEL", "DEBUG",
                  [](const Config& c) { EXPECT_EQ(c.log_level, "debug"); }},
        HappyCase{"SIDECAR_LOG_LEVEL", "off",
                  [](const Config& c) { EXPECT_EQ(c.log_level, "off"); }},
        HappyCase{"SIDECAR_DEFAULT_TIMEOUT", "1.5m",
                  [](const Config& c) { EXPECT_EQ(c.default_timeout, milliseconds(90000)); }},
        HappyCase{"SIDECAR_DEFAULT_TIMEOUT", "1h",
                  [](const Config& c) { EXPECT_EQ(c.default_timeout, milliseconds(3600000)); }},
        HappyCase{"SIDECAR_ATTEMPT_TIMEOUT", "250ms",
                  [](const Config& c) { EXPECT_EQ(c.attempt_timeout, milliseconds(250)); }},
        HappyCase{"SIDECAR_ATTEMPT_TIMEOUT", "10us",  // rounded up, never to zero
                  [](const Config& c) { EXPECT_EQ(c.attempt_timeout, milliseconds(1)); }},
        HappyCase{"SIDECAR_MAX_ATTEMPTS", "10",
                  [](const Config& c) { EXPECT_EQ(c.max_attempts, 10); }},
        HappyCase{"SIDECAR_MAX_ATTEMPTS", "1",
                  [](const Config& c) { EXPECT_EQ(c.max_attempts, 1); }},
        HappyCase{"SIDECAR_RETRY_BASE_DELAY", "50ms",
                  [](const Config& c) { EXPECT_EQ(c.retry_base_delay, milliseconds(50)); }},
        HappyCase{"SIDECAR_RETRY_MAX_DELAY", "100ms",  // equal to the default base is fine
                  [](const Config& c) { EXPECT_EQ(c.retry_max_delay, milliseconds(100)); }},
        HappyCase{"SIDECAR_MAX_IN_FLIGHT_CALLS", "1000000",
                  [](const Config& c) { EXPECT_EQ(c.max_in_flight_calls, 1000000); }},
        HappyCase{"SIDECAR_MAX_IN_FLIGHT_CALLS", "1",
                  [](const Config& c) { EXPECT_EQ(c.max_in_flight_calls, 1); }},
        HappyCase{"SIDECAR_MAX_IN_FLIGHT_BYTES", "64Mi",
                  [](const Config& c) { EXPECT_EQ(c.max_in_flight_bytes, int64_t{64} << 20); }},
        HappyCase{"SIDECAR_MAX_IN_FLIGHT_BYTES", "16Gi",
                  [](const Config& c) { EXPECT_EQ(c.max_in_flight_bytes, int64_t{16} << 30); }},
        HappyCase{"SIDECAR_MAX_IN_FLIGHT_BYTES", "1048576",
                  [](const Config& c) { EXPECT_EQ(c.max_in_flight_bytes, int64_t{1} << 20); }},
        HappyCase{"SIDECAR_MAX_REQUEST_BYTES", "1Ki",
                  [](const Config& c) { EXPECT_EQ(c.max_request_bytes, 1024); }},
        HappyCase{"SIDECAR_MAX_REQUEST_BYTES", "64Mi",
                  [](const Config& c) { EXPECT_EQ(c.max_request_bytes, int64_t{64} << 20); }},
        HappyCase{"SIDECAR_UPSTREAM_MAX_CONNECTIONS", "10000",
                  [](const Config& c) { EXPECT_EQ(c.upstream_max_connections, 10000); }},
        HappyCase{"SIDECAR_UPSTREAM_MAX_CONNECTIONS", "1",
                  [](const Config& c) { EXPECT_EQ(c.upstream_max_connections, 1); }},
        HappyCase{"SIDECAR_SHUTDOWN_GRACE", "0s",
                  [](const Config& c) { EXPECT_EQ(c.shutdown_grace, milliseconds(0)); }},
        HappyCase{"SIDECAR_SHUTDOWN_GRACE", "10m",
                  [](const Config& c) { EXPECT_EQ(c.shutdown_grace, milliseconds(600000)); }},
        HappyCase{"SIDECAR_ADMIN_LISTEN", "0.0.0.0:9090",
                  [](const Config& c) { EXPECT_EQ(c.admin_listen, "0.0.0.0:9090"); }},
        HappyCase{"SIDECAR_ADMIN_LISTEN", "[::1]:0",
                  [](const Config& c) { EXPECT_EQ(c.admin_listen, "[::1]:0"); }},
        HappyCase{"SIDECAR_ADMIN_LISTEN", "off",
                  [](const Config& c) { EXPECT_EQ(c.admin_listen, ""); }},
        HappyCase{"SIDECAR_ADMIN_LISTEN", "OFF",
                  [](const Config& c) { EXPECT_EQ(c.admin_listen, ""); }},
        HappyCase{"SIDECAR_TOKEN_REFRESH_WINDOW", "60-80",
                  [](const Config& c) { EXPECT_EQ(c.token_refresh_window, "60%-80%"); }},
        HappyCase{"SIDECAR_TOKEN_REFRESH_WINDOW", "85%-85%",
                  [](const Config& c) { EXPECT_EQ(c.token_refresh_window, "85%-85%"); }},
        HappyCase{"SIDECAR_PORT_FILE", "/run/genauth/ports",
                  [](const Config& c) { EXPECT_EQ(c.port_file, "/run/genauth/ports"); }},
        HappyCase{"SIDECAR_GRPC_SOCKET_MODE", "0600",
                  [](const Config& c) { EXPECT_EQ(c.grpc_socket_mode, 0600u); }},
        HappyCase{"SIDECAR_GRPC_SOCKET_MODE", "666",
                  [](const Config& c) { EXPECT_EQ(c.grpc_socket_mode, 0666u); }},
        HappyCase{"SIDECAR_GRPC_SOCKET_MODE", "0",
                  [](const Config& c) { EXPECT_EQ(c.grpc_socket_mode, 0u); }},
        HappyCase{"SIDECAR_DRAIN_DELAY", "0s",
                  [](const Config& c) { EXPECT_EQ(c.drain_delay, milliseconds(0)); }},
        HappyCase{"SIDECAR_DRAIN_DELAY", "5s",
                  [](const Config& c) { EXPECT_EQ(c.drain_delay, milliseconds(5000)); }},
        HappyCase{"SIDECAR_RETRY_BUDGET_PERCENT", "0",
                  [](const Config& c) { EXPECT_EQ(c.retry_budget_percent, 0); }},
        HappyCase{"SIDECAR_RETRY_BUDGET_MIN_RETRIES", "100000",
                  [](const Config& c) { EXPECT_EQ(c.retry_budget_min_retries, 100000); }},
        HappyCase{"SIDECAR_BREAKER_FAILURES", "0",
                  [](const Config& c) { EXPECT_EQ(c.breaker_failures, 0); }},
        HappyCase{"SIDECAR_BREAKER_OPEN_TIME", "30s",
                  [](const Config& c) { EXPECT_EQ(c.breaker_open_time, milliseconds(30000)); }},
        HappyCase{"SIDECAR_SECRET_POLL_INTERVAL", "30s",
                  [](const Config& c) { EXPECT_EQ(c.secret_poll_interval, milliseconds(30000)); }},
        HappyCase{
            "SIDECAR_SECRET_POLL_INTERVAL", "1h",
            [](const Config& c) { EXPECT_EQ(c.secret_poll_interval, milliseconds(3600000)); }}),
    [](const auto& param_info) {
      return test_names::Indexed(param_info.index,
                                 param_info.param.env + "_" + param_info.param.value);
    });

TEST(ConfigTest, FlagsOverrideEnvironment) {
  Fixture f;
  f.env["SIDECAR_LOG_LEVEL"] = "error";
  f.env["SIDECAR_MAX_ATTEMPTS"] = "2";
  f.args = {"--sidecar-log-level=trace", "--sidecar-max-attempts", "7"};
  Config c = MustParse(f);
  EXPECT_EQ(c.log_level, "trace");
  EXPECT_EQ(c.max_attempts, 7);
}

TEST(ConfigTest, FlagWithSeparateValueAndWithEquals) {
  Fixture f;
  f.args = {"--genauth-host", "https://a.example.com", "--genauth-tenant-id=t1",
            "--sidecar-grpc-listen", "unix:/tmp/s.sock"};
  Config c = MustParse(f);
  EXPECT_EQ(c.genauth_host, "https://a.example.com");
  EXPECT_EQ(c.tenant_id, "t1");
  EXPECT_EQ(c.grpc_listen, "unix:/tmp/s.sock");
}

TEST(ConfigTest, EmptyFlagValueClearsEnvironment) {
  Fixture f;
  f.env["GENAUTH_TENANT_ID"] = "inherited";
  f.args = {"--genauth-tenant-id="};
  EXPECT_EQ(MustParse(f).tenant_id, "");
}

TEST(ConfigTest, BareBooleanFlagMeansTrue) {
  Fixture f;
  f.env["GENAUTH_ALLOW_INSECURE_HTTP"] = "false";
  f.args = {"--genauth-allow-insecure-http", "--genauth-host=http://genauth.internal"};
  Config c = MustParse(f);
  EXPECT_TRUE(c.allow_insecure_http);
  EXPECT_EQ(c.genauth_host, "http://genauth.internal");
}

TEST(ConfigTest, BooleanFlagTakesABooleanWordAsItsSeparateValue) {
  for (const char* word : {"false", "no", "0", "FALSE"}) {
    Fixture f;
    f.env["GENAUTH_ALLOW_INSECURE_HTTP"] = "true";
    f.args = {"--genauth-allow-insecure-http", word, "--sidecar-max-attempts", "2"};
    Config c = MustParse(f);
    EXPECT_FALSE(c.allow_insecure_http) << word;
    EXPECT_EQ(c.max_attempts, 2) << word;
  }
  Fixture f;
  f.args = {"--genauth-allow-insecure-http", "yes", "--genauth-host", "http://genauth.internal"};
  EXPECT_TRUE(MustParse(f).allow_insecure_http);
}

TEST(ConfigTest, BooleanFlagFollowedByAWordThatIsNotABooleanMeansTrue) {
  Fixture f;
  f.args = {"--genauth-allow-insecure-http", "serve"};
  ParseResult r = f.Parse();
  ASSERT_THAT(r.errors, SizeIs(1)) << JoinErrors(r);
  EXPECT_THAT(r.errors[0], HasSubstr("unexpected argument \"serve\""));
}

TEST(ConfigTest, BooleanFlagWithValue) {
  Fixture f;
  f.env["GENAUTH_ALLOW_INSECURE_HTTP"] = "true";
  f.args = {"--genauth-allow-insecure-http=no"};
  EXPECT_FALSE(MustParse(f).allow_insecure_http);
}

TEST(ConfigTest, Version) {
  Fixture f;
  f.args = {"--version"};
  EXPECT_TRUE(f.Parse().version_requested);
  EXPECT_FALSE(f.Parse().help_requested);
  // Honoured whatever else is wrong, as --help is; and never taken as another flag's value.
  f.env["SIDECAR_MAX_ATTEMPTS"] = "zero";
  f.args = {"--sidecar-log-level", "--version"};
  ParseResult r = f.Parse();
  EXPECT_TRUE(r.version_requested);
  EXPECT_THAT(JoinErrors(r), HasSubstr("--sidecar-log-level (SIDECAR_LOG_LEVEL) needs a value"));
  EXPECT_FALSE(Fixture().Parse().version_requested);
}

TEST(ConfigTest, Help) {
  for (const char* flag : {"--help", "-h"}) {
    Fixture f;
    f.args = {flag};
    EXPECT_TRUE(f.Parse().help_requested) << flag;
  }
  Fixture f;
  EXPECT_FALSE(f.Parse().help_requested);
}

TEST(ConfigTest, UnknownFlag) {
  Fixture f;
  f.args = {"--genauth-hots=https://x.example.com", "-v"};
  ParseResult r = f.Parse();
  ASSERT_THAT(r.errors, SizeIs(2)) << JoinErrors(r);
  EXPECT_EQ(r.errors[0], "unknown flag --genauth-hots (see --help)");
  EXPECT_THAT(r.errors[1], HasSubstr("unknown flag -v"));
  EXPECT_FALSE(r.config.has_value());
}

TEST(ConfigTest, UnknownFlagSwallowsItsValueSoAMisspeltSecretIsNotEchoed) {
  Fixture f;
  f.args = {"--genauth-acess-key-secret", "typed-secret-value", "--sidecar-log-level=warn"};
  ParseResult r = f.Parse();
  ASSERT_THAT(r.errors, SizeIs(1)) << JoinErrors(r);
  EXPECT_THAT(r.errors[0], HasSubstr("unknown flag --genauth-acess-key-secret"));
  EXPECT_THAT(r.errors[0], Not(HasSubstr("typed-secret-value")));
}

TEST(ConfigTest, UnexpectedPositionalArgument) {
  Fixture f;
  f.args = {"serve"};
  EXPECT_THAT(OnlyError(f), HasSubstr("unexpected argument \"serve\""));
}

TEST(ConfigTest, FlagMissingItsValue) {
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"--sidecar-log-level"},
                                             {"--sidecar-log-level", "--sidecar-max-attempts=2"},
                                             {"--sidecar-log-level", "--help"}}) {
    Fixture f;
    f.args = args;
    std::string error = OnlyError(f);
    EXPECT_THAT(error, AllOf(HasSubstr("--sidecar-log-level"), HasSubstr("SIDECAR_LOG_LEVEL"),
                             HasSubstr("needs a value")));
  }
}

TEST(ConfigTest, FlagFollowedByAnotherFlagLacksItsValue) {
  Fixture f;
  f.args = {"--sidecar-log-level", "--bogus"};
  ParseResult r = f.Parse();
  ASSERT_THAT(r.errors, SizeIs(2)) << JoinErrors(r);
  EXPECT_THAT(r.errors[0], HasSubstr("flag --sidecar-log-level (SIDECAR_LOG_LEVEL) needs a value"));
  EXPECT_THAT(r.errors[1], HasSubstr("unknown flag --bogus"));
}

TEST(ConfigTest, NegativeNumberIsAValueNotAFlag) {
  Fixture f;
  f.args = {"--sidecar-upstream-max-connections", "-1"};
  EXPECT_THAT(OnlyError(f), HasSubstr("SIDECAR_UPSTREAM_MAX_CONNECTIONS=\"-1\""));
}

TEST(ConfigTest, TheSecretFlagIsRefusedPointingAtTheFileVariable) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--genauth-access-key-secret", kSecret},
           {std::string("--genauth-access-key-secret=") + kSecret},
           // A value that looks like a flag is still the secret's: swallowed, never echoed.
           {"--genauth-access-key-secret", std::string("--") + kSecret},
           {"--genauth-access-key-secret="}}) {
    Fixture f;
    f.env.erase("GENAUTH_ACCESS_KEY_SECRET");
    f.args = args;
    // One error: the refusal, not also "the secret is required" nor an unexpected argument.
    std::string error = OnlyError(f);
    EXPECT_THAT(error,
                AllOf(HasSubstr("--genauth-access-key-secret is not accepted"),
                      HasSubstr("/proc/PID/cmdline"),
                      HasSubstr("GENAUTH_ACCESS_KEY_SECRET_FILE=/path/to/file"),
                      HasSubstr("--genauth-access-key-secret-file"), Not(HasSubstr(kSecret))))
        << args.size();
  }
}

TEST(ConfigTest, TheSecretFlagIsRefusedEvenWithTheVariableSet) {
  Fixture f;
  f.args = {"--genauth-access-key-secret", "other"};
  EXPECT_THAT(OnlyError(f), HasSubstr("--genauth-access-key-secret is not accepted"));
}

TEST(ConfigTest, TheSecretVariableStillWorks) {
  Fixture f;  // GENAUTH_ACCESS_KEY_SECRET in the environment
  EXPECT_EQ(MustParse(f).access_key_secret, kSecret);
}

TEST(ConfigTest, AllErrorsAreReportedAtOnce) {
  Fixture f;
  f.env = {
      {"GENAUTH_HOST", "ftp://x"},
      {"GENAUTH_ACCESS_KEY_ID", "has space"},
      {"GENAUTH_HEADER_PREFIX", "x-other"},
      {"GENAUTH_LANG", "fr-FR"},
      {"SIDECAR_GRPC_LISTEN", "nowhere"},
      {"SIDECAR_LOG_LEVEL", "verbose"},
      {"SIDECAR_MAX_ATTEMPTS", "abc"},
      {"SIDECAR_MAX_IN_FLIGHT_CALLS", "0"},
      {"SIDECAR_DEFAULT_TIMEOUT", "10"},
      {"SIDECAR_SHUTDOWN_GRACE", "11m"},
      {"SIDECAR_GRPC_SOCKET_MODE", "999"},
      {"SIDECAR_ADMIN_LISTEN", "everywhere"},
      {"SIDECAR_SECRET_POLL_INTERVAL", "-1s"},
  };
  f.args = {"--sidecar-upstream-max-connections=-1"};
  ParseResult r = f.Parse();
  EXPECT_FALSE(r.config.has_value());
  const std::vector<std::string> expected = {
      "GENAUTH_HOST",
      "GENAUTH_ACCESS_KEY_ID",
      "GENAUTH_ACCESS_KEY_SECRET",
      "GENAUTH_HEADER_PREFIX",
      "GENAUTH_LANG",
      "SIDECAR_GRPC_LISTEN",
      "SIDECAR_GRPC_SOCKET_MODE",
      "SIDECAR_LOG_LEVEL",
      "SIDECAR_ADMIN_LISTEN",
      "SIDECAR_DEFAULT_TIMEOUT",
      "SIDECAR_MAX_ATTEMPTS",
      "SIDECAR_MAX_IN_FLIGHT_CALLS",
      "SIDECAR_UPSTREAM_MAX_CONNECTIONS",
      "SIDECAR_SHUTDOWN_GRACE",
      "SIDECAR_SECRET_POLL_INTERVAL",
  };
  ASSERT_THAT(r.errors, SizeIs(expected.size())) << JoinErrors(r);
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_THAT(r.errors[i], HasSubstr(expected[i])) << i;
  }
  EXPECT_EQ(r.errors[10], "SIDECAR_MAX_ATTEMPTS=\"abc\": expected a whole number from 1 to 10");
  EXPECT_EQ(r.errors[12],
            "SIDECAR_UPSTREAM_MAX_CONNECTIONS=\"-1\" (from --sidecar-upstream-max-connections): "
            "expected a whole number from 1 to 10000");
}

TEST(ConfigTest, SecretNeverAppearsInErrors) {
  std::vector<Fixture> cases(5);
  // Secret given with other errors, and from a flag.
  cases[0].env["SIDECAR_MAX_ATTEMPTS"] = "0";
  cases[0].args = {std::string("--genauth-access-key-secret=") + kSecret, "--bogus"};
  // Both the secret and the file.
  cases[1].env["GENAUTH_ACCESS_KEY_SECRET_FILE"] = "/s";
  cases[1].files["/s"] = kSecret;
  // File content that is not a bare secret.
  cases[2].env.erase("GENAUTH_ACCESS_KEY_SECRET");
  cases[2].env["GENAUTH_ACCESS_KEY_SECRET_FILE"] = "/s";
  cases[2].files["/s"] = std::string("key: ") + kSecret + "\n";
  // A secret with a space in it.
  cases[3].env["GENAUTH_ACCESS_KEY_SECRET"] = std::string(kSecret) + " " + kSecret;
  // Secret given to a flag whose next argument looks like a flag.
  cases[4].args = {"--genauth-access-key-secret", std::string("--") + kSecret, "--x"};
  for (size_t i = 0; i < cases.size(); ++i) {
    ParseResult r = cases[i].Parse();
    EXPECT_THAT(r.errors, Not(IsEmpty())) << i;
    EXPECT_THAT(r.errors, Each(Not(HasSubstr(kSecret)))) << i << ":\n" << JoinErrors(r);
    EXPECT_THAT(r.warnings, Each(Not(HasSubstr(kSecret)))) << i;
  }
}

TEST(ConfigTest, BothSecretAndFileIsAnError) {
  Fixture f;
  f.env["GENAUTH_ACCESS_KEY_SECRET_FILE"] = "/s";
  f.files["/s"] = "x";
  EXPECT_THAT(OnlyError(f), AllOf(HasSubstr("GENAUTH_ACCESS_KEY_SECRET and "
                                            "GENAUTH_ACCESS_KEY_SECRET_FILE are both set"),
                                  HasSubstr("exactly one")));
}

TEST(ConfigTest, SecretFileIsReadAndTrimmed) {
  Fixture f;
  f.env.erase("GENAUTH_ACCESS_KEY_SECRET");
  f.env["GENAUTH_ACCESS_KEY_SECRET_FILE"] = "/var/run/secrets/genauth/secret";
  f.files["/var/run/secrets/genauth/secret"] = std::string(kSecret) + " \r\n\n\t";
  Config c = MustParse(f);
  EXPECT_EQ(c.access_key_secret, kSecret);
  EXPECT_EQ(c.access_key_secret_file, "/var/run/secrets/genauth/secret");
}

TEST(ConfigTest, SecretFromEnvironmentIsTrimmed) {
  Fixture f;
  f.env["GENAUTH_ACCESS_KEY_SECRET"] = std::string(kSecret) + "\n";
  EXPECT_EQ(MustParse(f).access_key_secret, kSecret);
}

TEST(ConfigTest, SecretFileProblems) {
  struct Case {
    std::optional<std::string> content;  // nullopt: unreadable
    std::string expected;
  };
  for (const Case& c : std::vector<Case>{
           {std::nullopt, "GENAUTH_ACCESS_KEY_SECRET_FILE=\"/s\": cannot open the file"},
           {"", "the file is empty"},
           {" \n\n", "the file is empty"},
           {"two\nlines", "whitespace or control characters"}}) {
    Fixture f;
    f.env.erase("GENAUTH_ACCESS_KEY_SECRET");
    f.env["GENAUTH_ACCESS_KEY_SECRET_FILE"] = "/s";
    if (c.content) f.files["/s"] = *c.content;
    std::string error = OnlyError(f);
    EXPECT_THAT(error,
                AllOf(HasSubstr("GENAUTH_ACCESS_KEY_SECRET_FILE=\"/s\""), HasSubstr(c.expected)));
  }
}

TEST(ConfigTest, TheSecretFileReadersErrorIsReportedWithTheVariable) {
  Fixture f;
  f.env.erase("GENAUTH_ACCESS_KEY_SECRET");
  f.env["GENAUTH_ACCESS_KEY_SECRET_FILE"] = "/big";
  f.read_errors["/big"] = "the file holds more than 64 KiB (the most a secret file may hold)";
  EXPECT_EQ(OnlyError(f),
            "GENAUTH_ACCESS_KEY_SECRET_FILE=\"/big\": the file holds more than 64 KiB (the most a "
            "secret file may hold)");
}

TEST(ConfigTest, ASecretFileEveryUserCanReadIsAcceptedWithAWarning) {
  Fixture f;
  f.env.erase("GENAUTH_ACCESS_KEY_SECRET");
  f.env["GENAUTH_ACCESS_KEY_SECRET_FILE"] = "/s";
  f.files["/s"] = std::string(kSecret) + "\n";
  f.modes["/s"] = 0644;  // the kubelet's default for a Secret volume
  ParseResult r = f.Parse();
  ASSERT_TRUE(r.config.has_value()) << JoinErrors(r);
  EXPECT_EQ(r.config->access_key_secret, kSecret);
  ASSERT_THAT(r.warnings, SizeIs(1));
  EXPECT_THAT(r.warnings[0], AllOf(HasSubstr("GENAUTH_ACCESS_KEY_SECRET_FILE=\"/s\" has mode 0644"),
                                   HasSubstr("defaultMode: 0400"), Not(HasSubstr(kSecret))));
}

TEST(ConfigTest, ASecretFileOnlyItsOwnerOrGroupCanReadGivesNoWarning) {
  for (mode_t mode : {0400u, 0440u, 0600u, 0640u}) {
    Fixture f;
    f.env.erase("GENAUTH_ACCESS_KEY_SECRET");
    f.env["GENAUTH_ACCESS_KEY_SECRET_FILE"] = "/s";
    f.files["/s"] = kSecret;
    f.modes["/s"] = mode;
    ParseResult r = f.Parse();
    EXPECT_TRUE(r.config.has_value()) << mode;
    EXPECT_THAT(r.warnings, IsEmpty()) << mode;
  }
}

TEST(ConfigTest, MissingSourceReadFileMeansUnreadable) {
  ConfigSource source;
  source.env = {{"GENAUTH_ACCESS_KEY_ID", "id"}, {"GENAUTH_ACCESS_KEY_SECRET_FILE", "/s"}};
  ParseResult r = ParseConfig(source);
  ASSERT_THAT(r.errors, SizeIs(1));
  EXPECT_THAT(r.errors[0], HasSubstr("cannot read the file"));
}

TEST(ConfigTest, CaFileProblems) {
  Fixture f;
  f.env["GENAUTH_CA_FILE"] = "/missing.pem";
  EXPECT_EQ(OnlyError(f), "GENAUTH_CA_FILE=\"/missing.pem\": cannot read the file");
  f.env["GENAUTH_CA_FILE"] = "/key.pem";
  f.files["/key.pem"] = "-----BEGIN PRIVATE KEY-----\n";
  EXPECT_THAT(OnlyError(f), HasSubstr("expected a PEM file"));
}

TEST(ConfigTest, PlainHttpToNonLoopbackIsRefused) {
  Fixture f;
  f.env["GENAUTH_HOST"] = "http://genauth.example.com";
  std::string error = OnlyError(f);
  EXPECT_THAT(error, AllOf(HasSubstr("GENAUTH_HOST=\"http://genauth.example.com\""),
                           HasSubstr("GENAUTH_ALLOW_INSECURE_HTTP=true"),
                           HasSubstr("--genauth-allow-insecure-http")));
}

TEST(ConfigTest, PlainHttpToLookalikeOfLoopbackIsRefused) {
  for (const char* host : {"http://127.0.0.1.example.com", "http://localhost.example.com",
                           "http://128.0.0.1", "http://[::2]"}) {
    Fixture f;
    f.env["GENAUTH_HOST"] = host;
    EXPECT_THAT(OnlyError(f), HasSubstr("loopback")) << host;
  }
}

TEST(ConfigTest, PlainHttpToLoopbackIsAccepted) {
  for (const char* host : {"http://localhost:8080", "http://127.0.0.1:3000", "http://127.9.8.7",
                           "http://[::1]:8080", "http://LOCALHOST"}) {
    Fixture f;
    f.env["GENAUTH_HOST"] = host;
    Config c = MustParse(f);
    EXPECT_EQ(c.genauth_host.rfind("http://", 0), 0u) << host;
  }
}

TEST(ConfigTest, InsecureSettingAllowsPlainHttp) {
  Fixture f;
  f.env["GENAUTH_HOST"] = "http://genauth.internal:8080";
  f.env["GENAUTH_ALLOW_INSECURE_HTTP"] = "true";
  EXPECT_EQ(MustParse(f).genauth_host, "http://genauth.internal:8080");
}

TEST(ConfigTest, TrailingSlashesAreStripped) {
  for (const char* host : {"https://api.example.com/", "https://api.example.com///"}) {
    Fixture f;
    f.env["GENAUTH_HOST"] = host;
    EXPECT_EQ(MustParse(f).genauth_host, "https://api.example.com") << host;
  }
}

TEST(ConfigTest, BadHosts) {
  for (const char* host :
       {"api.genauth.ai", "ftp://api.genauth.ai", "https://", "https:///", "https://a.com/v3",
        "https://a.com?x=1", "https://a.com#f", "https://user:pw@a.com", "https://a.com:0",
        "https://a.com:65536", "https://a.com:80x", "https://a b.com", "https://[::1",
        "https://[zz]:1", "https://::1"}) {
    Fixture f;
    f.env["GENAUTH_HOST"] = host;
    std::string error = OnlyError(f);
    EXPECT_THAT(error, AllOf(HasSubstr("GENAUTH_HOST="), HasSubstr("expected"))) << host;
  }
}

TEST(ConfigTest, BadListenAddresses) {
  for (const char* listen : {"50051", ":50051", "example.com:50051", "127.0.0.1", "127.0.0.1:65536",
                             "127.0.0.1:-1", "256.0.0.1:1", "::1:50051", "[::1]", "[nope]:1",
                             "unix:", "unix:/", "unix:relative.sock", "unix:/a b"}) {
    Fixture f;
    f.env["SIDECAR_GRPC_LISTEN"] = listen;
    EXPECT_THAT(OnlyError(f), AllOf(HasSubstr("SIDECAR_GRPC_LISTEN="), HasSubstr("expected")))
        << listen;
  }
}

TEST(ConfigTest, UnixSocketPathLengthIsChecked) {
  Fixture f;
  f.env["SIDECAR_GRPC_LISTEN"] = "unix:/" + std::string(107, 'a');
  EXPECT_THAT(OnlyError(f), HasSubstr("at most 107 bytes"));
  f.env["SIDECAR_GRPC_LISTEN"] = "unix:/" + std::string(106, 'a');
  MustParse(f);
}

TEST(ConfigTest, BadAdminListenAddresses) {
  for (const char* listen : {"9464", ":9464", "localhost", "unix:/run/admin.sock", "example.com:80",
                             "127.0.0.1:65536", "no", "[::1]"}) {
    Fixture f;
    f.env["SIDECAR_ADMIN_LISTEN"] = listen;
    EXPECT_THAT(OnlyError(f), AllOf(HasSubstr("SIDECAR_ADMIN_LISTEN="), HasSubstr("or off")))
        << listen;
  }
}

TEST(ConfigTest, AdminListenMustDifferFromGrpcListen) {
  Fixture f;
  f.env["SIDECAR_GRPC_LISTEN"] = "127.0.0.1:9000";
  f.env["SIDECAR_ADMIN_LISTEN"] = "127.0.0.1:9000";
  EXPECT_THAT(OnlyError(f), HasSubstr("other than SIDECAR_GRPC_LISTEN"));
  f.env["SIDECAR_GRPC_LISTEN"] = "127.0.0.1:0";  // two free ports, whatever they are
  f.env["SIDECAR_ADMIN_LISTEN"] = "127.0.0.1:0";
  MustParse(f);
}

TEST(ConfigTest, EmptyAdminListenMeansTheDefault) {
  Fixture f;
  f.env["SIDECAR_ADMIN_LISTEN"] = "";
  EXPECT_EQ(MustParse(f).admin_listen, "127.0.0.1:9464");
}

TEST(ConfigTest, BadSocketModes) {
  for (const char* mode : {"0800", "1777", "4660", "00660", "rw-rw----", "-660", "0x1b6", "6 60"}) {
    Fixture f;
    f.env["SIDECAR_GRPC_SOCKET_MODE"] = mode;
    EXPECT_THAT(OnlyError(f),
                AllOf(HasSubstr("SIDECAR_GRPC_SOCKET_MODE="), HasSubstr("octal file mode")))
        << mode;
  }
}

TEST(ConfigTest, EmptyListenAddressIsAnError) {
  Fixture f;
  f.env["SIDECAR_GRPC_LISTEN"] = "";
  EXPECT_THAT(OnlyError(f), HasSubstr("SIDECAR_GRPC_LISTEN is set but empty"));
}

TEST(ConfigTest, BadBoolean) {
  Fixture f;
  f.env["GENAUTH_ALLOW_INSECURE_HTTP"] = "maybe";
  EXPECT_EQ(OnlyError(f),
            "GENAUTH_ALLOW_INSECURE_HTTP=\"maybe\": expected true/false, 1/0 or yes/no");
}

TEST(ConfigTest, BadDurations) {
  struct Case {
    std::string env;
    std::string value;
  };
  for (const Case& c : std::vector<Case>{
           {"SIDECAR_DEFAULT_TIMEOUT", "10"},
           {"SIDECAR_DEFAULT_TIMEOUT", "0s"},
           {"SIDECAR_DEFAULT_TIMEOUT", "61m"},
           {"SIDECAR_ATTEMPT_TIMEOUT", "-1s"},
           {"SIDECAR_ATTEMPT_TIMEOUT", "2h"},
           {"SIDECAR_ATTEMPT_TIMEOUT", "1 s"},
           {"SIDECAR_RETRY_BASE_DELAY", "0ms"},
           {"SIDECAR_RETRY_BASE_DELAY", "fast"},
           {"SIDECAR_RETRY_MAX_DELAY", "1d"},
           {"SIDECAR_SHUTDOWN_GRACE", "10m1s"},
           {"SIDECAR_SHUTDOWN_GRACE", "601s"},
           {"SIDECAR_SECRET_POLL_INTERVAL", "0s"},
           {"SIDECAR_SECRET_POLL_INTERVAL", "61m"},
           {"SIDECAR_SECRET_POLL_INTERVAL", "often"},
           {"SIDECAR_DRAIN_DELAY", "2m"},
           {"SIDECAR_BREAKER_OPEN_TIME", "0s"},
           {"SIDECAR_BREAKER_OPEN_TIME", "11m"},
       }) {
    Fixture f;
    f.env[c.env] = c.value;
    EXPECT_THAT(OnlyError(f),
                AllOf(HasSubstr(c.env + "=\"" + c.value + "\""), HasSubstr("expected a duration")))
        << c.env << "=" << c.value;
  }
}

TEST(ConfigTest, ATokenRefreshWindowOutsideTenToNinetyPercentOrBackwardsIsRefused) {
  for (const std::string value : {"90%-70%", "5%-50%", "70%-95%", "70%", "70%-", "a-b", "70%%-90%",
                                  "-70-90", "1000-90", "70 %-90 %"}) {
    Fixture f;
    f.env["SIDECAR_TOKEN_REFRESH_WINDOW"] = value;
    EXPECT_THAT(OnlyError(f), AllOf(HasSubstr("SIDECAR_TOKEN_REFRESH_WINDOW=\"" + value + "\""),
                                    HasSubstr("expected START%-END%")))
        << value;
  }
}

TEST(ConfigTest, ResilienceNumbersAreRangeChecked) {
  for (const auto& [env, value] : std::vector<std::pair<std::string, std::string>>{
           {"SIDECAR_RETRY_BUDGET_PERCENT", "-1"},
           {"SIDECAR_RETRY_BUDGET_PERCENT", "1001"},
           {"SIDECAR_RETRY_BUDGET_PERCENT", "20%"},
           {"SIDECAR_RETRY_BUDGET_MIN_RETRIES", "-5"},
           {"SIDECAR_BREAKER_FAILURES", "1001"},
           {"SIDECAR_BREAKER_FAILURES", "five"},
       }) {
    Fixture f;
    f.env[env] = value;
    EXPECT_THAT(OnlyError(f),
                AllOf(HasSubstr(env + "=\"" + value + "\""), HasSubstr("expected a whole number")))
        << env << "=" << value;
  }
}

TEST(ConfigTest, DurationsRoundUpToWholeMilliseconds) {
  Fixture f;
  f.env["SIDECAR_RETRY_BASE_DELAY"] = "1500us";
  f.env["SIDECAR_SHUTDOWN_GRACE"] = "1ns";
  Config c = MustParse(f);
  EXPECT_EQ(c.retry_base_delay, milliseconds(2));
  EXPECT_EQ(c.shutdown_grace, milliseconds(1));
}

TEST(ConfigTest, RetryMaxDelayBelowBase) {
  Fixture f;
  f.env["SIDECAR_RETRY_MAX_DELAY"] = "50ms";
  EXPECT_EQ(OnlyError(f),
            "SIDECAR_RETRY_MAX_DELAY=\"50ms\": expected at least SIDECAR_RETRY_BASE_DELAY "
            "(default), which is 100ms");

  Fixture g;
  g.env["SIDECAR_RETRY_BASE_DELAY"] = "5s";
  EXPECT_EQ(OnlyError(g),
            "SIDECAR_RETRY_MAX_DELAY (default 2s): expected at least "
            "SIDECAR_RETRY_BASE_DELAY=\"5s\", which is 5s");
}

TEST(ConfigTest, BadIntegers) {
  struct Case {
    std::string env;
    std::string value;
    std::string range;
  };
  for (const Case& c : std::vector<Case>{
           {"SIDECAR_MAX_ATTEMPTS", "0", "1 to 10"},
           {"SIDECAR_MAX_ATTEMPTS", "11", "1 to 10"},
           {"SIDECAR_MAX_ATTEMPTS", "3x", "1 to 10"},
           {"SIDECAR_MAX_ATTEMPTS", "+3", "1 to 10"},
           {"SIDECAR_MAX_ATTEMPTS", " 3", "1 to 10"},
           {"SIDECAR_MAX_ATTEMPTS", "3.0", "1 to 10"},
           {"SIDECAR_MAX_IN_FLIGHT_CALLS", "1000001", "1 to 1000000"},
           {"SIDECAR_MAX_IN_FLIGHT_CALLS", "99999999999999999999999", "1 to 1000000"},
           {"SIDECAR_UPSTREAM_MAX_CONNECTIONS", "0", "1 to 10000"},
           {"SIDECAR_UPSTREAM_MAX_CONNECTIONS", "10001", "1 to 10000"},
       }) {
    Fixture f;
    f.env[c.env] = c.value;
    EXPECT_EQ(OnlyError(f),
              c.env + "=\"" + c.value + "\": expected a whole number from " + c.range);
  }
}

TEST(ConfigTest, BadByteSizes) {
  for (const auto& [env, value] : std::vector<std::pair<std::string, std::string>>{
           {"SIDECAR_MAX_IN_FLIGHT_BYTES", "1023Ki"},
           {"SIDECAR_MAX_IN_FLIGHT_BYTES", "17Gi"},
           {"SIDECAR_MAX_IN_FLIGHT_BYTES", "48MB"},
           {"SIDECAR_MAX_IN_FLIGHT_BYTES", "-1Mi"},
           {"SIDECAR_MAX_REQUEST_BYTES", "1023"},
           {"SIDECAR_MAX_REQUEST_BYTES", "65Mi"},
           {"SIDECAR_MAX_REQUEST_BYTES", "4 Mi"},
       }) {
    Fixture f;
    f.env[env] = value;
    EXPECT_THAT(OnlyError(f), AllOf(HasSubstr(env + "=\"" + value + "\""),
                                    HasSubstr("expected a size in bytes, or with a suffix")))
        << env << "=" << value;
  }
}

// Settings of the worker-pool design name what replaced them instead of being ignored.
TEST(ConfigTest, RemovedSettingsSayWhatReplacedThem) {
  Fixture from_env;
  from_env.env["SIDECAR_WORKER_THREADS"] = "64";
  EXPECT_THAT(OnlyError(from_env), AllOf(HasSubstr("SIDECAR_WORKER_THREADS was removed"),
                                         HasSubstr("SIDECAR_MAX_IN_FLIGHT_CALLS")));
  Fixture from_flag;
  from_flag.args = {"--sidecar-max-queued-calls", "100"};
  EXPECT_THAT(OnlyError(from_flag),
              AllOf(HasSubstr("--sidecar-max-queued-calls (SIDECAR_MAX_QUEUED_CALLS) was removed"),
                    HasSubstr("refused at once")));
}

TEST(ConfigTest, TheProxyComesFromTheStandardVariablesForTheHostsScheme) {
  Fixture https;
  https.env["HTTPS_PROXY"] = "http://upper.internal:3128";
  https.env["https_proxy"] = "http://lower.internal:3128";  // the lower-case one wins, as in curl
  https.env["http_proxy"] = "http://plain.internal:3128";   // not for an https:// host
  https.env["NO_PROXY"] = "localhost,.svc";
  Config c = MustParse(https);
  EXPECT_EQ(c.proxy, "http://lower.internal:3128");
  EXPECT_EQ(c.proxy_variable, "https_proxy");
  EXPECT_EQ(c.no_proxy, "localhost,.svc");

  Fixture all;
  all.env["ALL_PROXY"] = "socks5h://socks.internal:1080";
  EXPECT_EQ(MustParse(all).proxy, "socks5h://socks.internal:1080");

  Fixture plain;
  plain.env["GENAUTH_HOST"] = "http://127.0.0.1:8080";
  plain.env["HTTP_PROXY"] = "http://ignored.internal:3128";  // never read (httpoxy), as in curl
  plain.env["HTTPS_PROXY"] = "http://not-for-http.internal:3128";
  EXPECT_EQ(MustParse(plain).proxy, "");
  plain.env["http_proxy"] = "http://plain.internal:3128";
  EXPECT_EQ(MustParse(plain).proxy, "http://plain.internal:3128");
}

TEST(ConfigTest, ABadProxyUrlIsAnErrorThatDoesNotShowItsValue) {
  Fixture f;
  f.env["HTTPS_PROXY"] = "user:p4ssw0rd@proxy.internal:3128";  // no scheme
  const std::string error = OnlyError(f);
  EXPECT_THAT(error, AllOf(HasSubstr("HTTPS_PROXY"), HasSubstr("expected a URL")));
  EXPECT_THAT(error, Not(HasSubstr("p4ssw0rd")));
}

TEST(ConfigTest, BadEnumerationsAndIdentifiers) {
  struct Case {
    std::string env;
    std::string value;
    std::string expected;
  };
  for (const Case& c : std::vector<Case>{
           {"GENAUTH_HEADER_PREFIX", "x-foo", "expected one of x-authing, x-genauth"},
           {"GENAUTH_LANG", "fr", "expected one of zh-CN, en-US, ja-JP, zh-TW"},
           {"SIDECAR_LOG_LEVEL", "warnings",
            "expected one of trace, debug, info, warn, error, off"},
           {"GENAUTH_ACCESS_KEY_ID", "id\twith tab", "expected no whitespace"},
           {"GENAUTH_TENANT_ID", "t\r\nX-Injected: 1", "expected no whitespace"},
       }) {
    Fixture f;
    f.env[c.env] = c.value;
    EXPECT_THAT(OnlyError(f), AllOf(HasSubstr(c.env + "="), HasSubstr(c.expected))) << c.env;
  }
}

TEST(ConfigTest, LogLevelWarningIsReadAsWarn) {
  for (const char* spelling : {"warning", "WARNING", "warn", "Warn"}) {
    Fixture f;
    f.env["SIDECAR_LOG_LEVEL"] = spelling;
    EXPECT_EQ(MustParse(f).log_level, "warn") << spelling;
  }
}

TEST(ConfigTest, ErrorValuesAreEscapedOntoOneLine) {
  Fixture f;
  f.env["GENAUTH_TENANT_ID"] = "a\nb\x01";
  EXPECT_EQ(OnlyError(f),
            "GENAUTH_TENANT_ID=\"a\\nb\\x01\": expected no whitespace or control characters");
}

TEST(ConfigTest, UsageListsEverySettingWithItsFlagAndDefault) {
  const std::string usage = Usage();
  for (const char* name : {"GENAUTH_HOST",
                           "GENAUTH_ACCESS_KEY_ID",
                           "GENAUTH_ACCESS_KEY_SECRET",
                           "GENAUTH_ACCESS_KEY_SECRET_FILE",
                           "GENAUTH_TENANT_ID",
                           "GENAUTH_HEADER_PREFIX",
                           "GENAUTH_LANG",
                           "GENAUTH_CA_FILE",
                           "GENAUTH_ALLOW_INSECURE_HTTP",
                           "SIDECAR_GRPC_LISTEN",
                           "SIDECAR_LOG_LEVEL",
                           "SIDECAR_DEFAULT_TIMEOUT",
                           "SIDECAR_ATTEMPT_TIMEOUT",
                           "SIDECAR_MAX_ATTEMPTS",
                           "SIDECAR_RETRY_BASE_DELAY",
                           "SIDECAR_RETRY_MAX_DELAY",
                           "SIDECAR_MAX_IN_FLIGHT_CALLS",
                           "SIDECAR_MAX_IN_FLIGHT_BYTES",
                           "SIDECAR_MAX_REQUEST_BYTES",
                           "SIDECAR_UPSTREAM_MAX_CONNECTIONS",
                           "SIDECAR_SHUTDOWN_GRACE",
                           "SIDECAR_ADMIN_LISTEN",
                           "SIDECAR_GRPC_SOCKET_MODE",
                           "SIDECAR_SECRET_POLL_INTERVAL"}) {
    std::string flag = "--";
    for (const char* p = name; *p != '\0'; ++p) {
      flag += *p == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(*p)));
    }
    EXPECT_THAT(usage, HasSubstr(std::string(name) + " ")) << name;
    if (std::string(name) == "GENAUTH_ACCESS_KEY_SECRET") continue;  // no flag, see below
    EXPECT_THAT(usage, HasSubstr(flag + " ")) << flag;
  }
  EXPECT_THAT(usage, HasSubstr("GENAUTH_ACCESS_KEY_SECRET       (no flag)"));
  EXPECT_THAT(usage, HasSubstr("--version"));
  for (const char* default_text :
       {"https://api.genauth.ai", "x-authing", "zh-CN", "127.0.0.1:50051", "10s", "100ms", "2s",
        "4096", "64", "--help", "127.0.0.1:9464", "0660"}) {
    EXPECT_THAT(usage, HasSubstr(default_text));
  }
  size_t start = 0;
  while (start < usage.size()) {
    size_t end = usage.find('\n', start);
    EXPECT_LE(end - start, 100u) << usage.substr(start, end - start);
    start = end + 1;
  }
}

}  // namespace
}  // namespace genauth::config
