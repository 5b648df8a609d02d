// Tests that walk the settings table itself: every row has a case here (a value it accepts, other
// than the default, and one it refuses with its exact error), so a setting added without a test
// fails; and --help and the Markdown reference show every row.
#include "config/settings_table.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <variant>

#include "config/config.h"

namespace genauth::config {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr char kPem[] = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

struct Case {
  std::string accepted;  // a valid value other than the default
  std::string refused;
  std::string error;  // the whole error the refused value gives
};

// One case per row of the table, by environment name.
const std::map<std::string, Case>& Cases() {
  static const auto* const cases = new std::map<std::string, Case>{
      {"GENAUTH_HOST",
       {"https://genauth.example.com", "ftp://x",
        "GENAUTH_HOST=\"ftp://x\": expected https://host[:port] (or http:// for a loopback host)"}},
      {"GENAUTH_ACCESS_KEY_ID",
       {"other-id", "a b",
        "GENAUTH_ACCESS_KEY_ID=\"a b\": expected no whitespace or control characters"}},
      {"GENAUTH_ACCESS_KEY_SECRET",
       {"other-secret", "a b",
        "GENAUTH_ACCESS_KEY_SECRET (value not shown): expected the secret alone, without "
        "whitespace or control characters"}},
      {"GENAUTH_ACCESS_KEY_SECRET_FILE",
       {"/secret", "/missing",
        "GENAUTH_ACCESS_KEY_SECRET_FILE=\"/missing\": cannot open the file: No such file or "
        "directory"}},
      {"GENAUTH_TENANT_ID",
       {"tenant-1", "t\n1",
        "GENAUTH_TENANT_ID=\"t\\n1\": expected no whitespace or control characters"}},
      {"GENAUTH_HEADER_PREFIX",
       {"x-genauth", "x-other",
        "GENAUTH_HEADER_PREFIX=\"x-other\": expected one of x-authing, x-genauth"}},
      {"GENAUTH_LANG",
       {"en-US", "fr", "GENAUTH_LANG=\"fr\": expected one of zh-CN, en-US, ja-JP, zh-TW"}},
      {"GENAUTH_AUTH_SCHEME",
       {"signature", "basic", "GENAUTH_AUTH_SCHEME=\"basic\": expected one of token, signature"}},
      {"GENAUTH_CA_FILE",
       {"/ca.pem", "/missing.pem", "GENAUTH_CA_FILE=\"/missing.pem\": cannot read the file"}},
      {"GENAUTH_ALLOW_INSECURE_HTTP",
       {"true", "maybe",
        "GENAUTH_ALLOW_INSECURE_HTTP=\"maybe\": expected true/false, 1/0 or yes/no"}},
      {"SIDECAR_GRPC_LISTEN",
       {"unix:/run/s.sock", "nowhere",
        "SIDECAR_GRPC_LISTEN=\"nowhere\": expected host:port (host an IPv4 address, localhost or "
        "[IPv6]; port 0 to 65535) or unix:/absolute/path"}},
      {"SIDECAR_GRPC_SOCKET_MODE",
       {"0600", "0800",
        "SIDECAR_GRPC_SOCKET_MODE=\"0800\": expected an octal file mode from 0 to 0777, such as "
        "0660 (owner and group may connect) or 0600 (owner only)"}},
      {"SIDECAR_LOG_LEVEL",
       {"debug", "loud",
        "SIDECAR_LOG_LEVEL=\"loud\": expected one of trace, debug, info, warn, error, off"}},
      {"SIDECAR_ADMIN_LISTEN",
       {"off", "9464",
        "SIDECAR_ADMIN_LISTEN=\"9464\": expected host:port (host an IPv4 address, localhost or "
        "[IPv6]; port 0 to 65535) or off"}},
      // Any path is accepted (whether it can be written is known only when the sidecar tries);
      // its refusal is the one every setting has from a flag without a value.
      {"SIDECAR_PORT_FILE", {"/run/ports", "", ""}},
      {"SIDECAR_DEFAULT_TIMEOUT",
       {"30s", "0s",
        "SIDECAR_DEFAULT_TIMEOUT=\"0s\": expected a duration such as 250ms, 10s or 1.5m, over 0 "
        "and up to 1h"}},
      {"SIDECAR_ATTEMPT_TIMEOUT",
       {"2s", "2h",
        "SIDECAR_ATTEMPT_TIMEOUT=\"2h\": expected a duration such as 250ms, 10s or 1.5m, over 0 "
        "and up to 1h"}},
      {"SIDECAR_MAX_ATTEMPTS",
       {"5", "11", "SIDECAR_MAX_ATTEMPTS=\"11\": expected a whole number from 1 to 10"}},
      {"SIDECAR_RETRY_BASE_DELAY",
       {"50ms", "0ms",
        "SIDECAR_RETRY_BASE_DELAY=\"0ms\": expected a duration such as 250ms, 10s or 1.5m, over "
        "0"}},
      {"SIDECAR_RETRY_MAX_DELAY",
       {"5s", "50ms",
        "SIDECAR_RETRY_MAX_DELAY=\"50ms\": expected at least SIDECAR_RETRY_BASE_DELAY (default), "
        "which is 100ms"}},
      {"SIDECAR_MAX_IN_FLIGHT_CALLS",
       {"100", "0",
        "SIDECAR_MAX_IN_FLIGHT_CALLS=\"0\": expected a whole number from 1 to 1000000"}},
      {"SIDECAR_MAX_IN_FLIGHT_BYTES",
       {"64Mi", "17Gi",
        "SIDECAR_MAX_IN_FLIGHT_BYTES=\"17Gi\": expected a size in bytes, or with a suffix Ki, Mi "
        "or Gi, from 1Mi to 16Gi"}},
      {"SIDECAR_MAX_REQUEST_BYTES",
       {"1Mi", "1023",
        "SIDECAR_MAX_REQUEST_BYTES=\"1023\": expected a size in bytes, or with a suffix Ki, Mi or "
        "Gi, from 1Ki to 64Mi"}},
      {"SIDECAR_UPSTREAM_MAX_CONNECTIONS",
       {"16", "10001",
        "SIDECAR_UPSTREAM_MAX_CONNECTIONS=\"10001\": expected a whole number from 1 to 10000"}},
      {"SIDECAR_RETRY_BUDGET_PERCENT",
       {"50", "1001",
        "SIDECAR_RETRY_BUDGET_PERCENT=\"1001\": expected a whole number from 0 to 1000"}},
      {"SIDECAR_RETRY_BUDGET_MIN_RETRIES",
       {"0", "-1",
        "SIDECAR_RETRY_BUDGET_MIN_RETRIES=\"-1\": expected a whole number from 0 to 100000"}},
      {"SIDECAR_IDEMPOTENCY_MAX_KEYS",
       {"0", "-1",
        "SIDECAR_IDEMPOTENCY_MAX_KEYS=\"-1\": expected a whole number from 0 to 10000000"}},
      {"SIDECAR_IDEMPOTENCY_MAX_BYTES",
       {"64Mi", "12",
        "SIDECAR_IDEMPOTENCY_MAX_BYTES=\"12\": expected a size in bytes, or with a suffix Ki, Mi "
        "or Gi, from 1Ki to 16Gi"}},
      {"SIDECAR_IDEMPOTENCY_WINDOW",
       {"24h", "0s",
        "SIDECAR_IDEMPOTENCY_WINDOW=\"0s\": expected a duration such as 250ms, 10s or 1.5m, over "
        "0 and up to 168h"}},
      {"SIDECAR_START_TRACES",
       {"yes", "sometimes",
        "SIDECAR_START_TRACES=\"sometimes\": expected true/false, 1/0 or yes/no"}},
      {"SIDECAR_BREAKER_FAILURES",
       {"0", "1001", "SIDECAR_BREAKER_FAILURES=\"1001\": expected a whole number from 0 to 1000"}},
      {"SIDECAR_BREAKER_OPEN_TIME",
       {"30s", "11m",
        "SIDECAR_BREAKER_OPEN_TIME=\"11m\": expected a duration such as 250ms, 10s or 1.5m, over "
        "0 and up to 10m"}},
      {"SIDECAR_TOKEN_REFRESH_WINDOW",
       {"50-60", "5%-95%",
        "SIDECAR_TOKEN_REFRESH_WINDOW=\"5%-95%\": expected START%-END% of the token's lifetime, "
        "such as 70%-90%: START at least 10, END at most 90 and not below START"}},
      {"SIDECAR_SHUTDOWN_GRACE",
       {"0s", "11m",
        "SIDECAR_SHUTDOWN_GRACE=\"11m\": expected a duration such as 250ms, 10s or 1.5m, from 0 "
        "up to 10m"}},
      {"SIDECAR_DRAIN_DELAY",
       {"5s", "2m",
        "SIDECAR_DRAIN_DELAY=\"2m\": expected a duration such as 250ms, 10s or 1.5m, from 0 up to "
        "1m"}},
      {"SIDECAR_SECRET_POLL_INTERVAL",
       {"30s", "0s",
        "SIDECAR_SECRET_POLL_INTERVAL=\"0s\": expected a duration such as 250ms, 10s or 1.5m, "
        "over 0 and up to 1h"}},
  };
  return *cases;
}

// The required settings plus `env=value`; the secret comes from the file when `env` is the file.
ParseResult ParseWith(const std::string& env, const std::string& value) {
  ConfigSource source;
  source.env = {{"GENAUTH_ACCESS_KEY_ID", "key-id"}, {"GENAUTH_ACCESS_KEY_SECRET", "s3cret"}};
  if (env == "GENAUTH_ACCESS_KEY_SECRET_FILE") source.env.erase("GENAUTH_ACCESS_KEY_SECRET");
  source.env[env] = value;
  source.read_file = [](const std::string& path) -> std::optional<std::string> {
    if (path == "/ca.pem") return std::string(kPem);
    return std::nullopt;
  };
  source.read_secret_file =
      [](const std::string& path) -> absl::StatusOr<common::SecretFileContent> {
    if (path == "/secret") return common::SecretFileContent{"file-secret\n", 0400};
    return absl::FailedPreconditionError("cannot open the file: No such file or directory");
  };
  return ParseConfig(source);
}

// Whether the setting's field in `c` differs from a default-constructed Config's.
bool DiffersFromDefault(const Setting& setting, const Config& c) {
  const Config d;
  struct Visitor {
    const Config& c;
    const Config& d;
    bool operator()(const DurationKind& k) const { return c.*k.field != d.*k.field; }
    bool operator()(const IntKind& k) const { return c.*k.field != d.*k.field; }
    bool operator()(const ByteSizeKind& k) const { return c.*k.field != d.*k.field; }
    bool operator()(const FileModeKind& k) const { return c.*k.field != d.*k.field; }
    bool operator()(const ChoiceKind& k) const { return c.*k.field != d.*k.field; }
    bool operator()(const BoolKind& k) const { return c.*k.field != d.*k.field; }
    bool operator()(const TextKind& k) const { return c.*k.field != d.*k.field; }
    bool operator()(const SecretKind&) const { return c.access_key_secret == "other-secret"; }
    bool operator()(const SecretFileKind&) const {
      return c.access_key_secret == "file-secret" && c.access_key_secret_file == "/secret";
    }
  };
  return std::visit(Visitor{c, d}, setting.kind);
}

TEST(SettingsTableTest, EverySettingHasACase) {
  std::set<std::string> rows;
  for (const Setting& s : Settings()) {
    rows.insert(std::string(s.env));
    EXPECT_EQ(Cases().count(std::string(s.env)), 1u)
        << s.env << " has no case in tests/config/settings_table_test.cc";
  }
  for (const auto& [env, c] : Cases()) EXPECT_EQ(rows.count(env), 1u) << env << " is not a row";
}

TEST(SettingsTableTest, EverySettingAcceptsANonDefaultValue) {
  for (const Setting& s : Settings()) {
    auto it = Cases().find(std::string(s.env));
    if (it == Cases().end()) continue;  // EverySettingHasACase fails
    ParseResult r = ParseWith(std::string(s.env), it->second.accepted);
    ASSERT_THAT(r.errors, IsEmpty()) << s.env << "=" << it->second.accepted;
    ASSERT_TRUE(r.config.has_value());
    EXPECT_TRUE(DiffersFromDefault(s, *r.config)) << s.env << "=" << it->second.accepted;
  }
}

TEST(SettingsTableTest, EverySettingRefusesABadValueWithItsError) {
  for (const Setting& s : Settings()) {
    auto it = Cases().find(std::string(s.env));
    if (it == Cases().end() || it->second.refused.empty()) continue;
    ParseResult r = ParseWith(std::string(s.env), it->second.refused);
    EXPECT_FALSE(r.config.has_value()) << s.env;
    ASSERT_THAT(r.errors, SizeIs(1)) << s.env << "=" << it->second.refused;
    EXPECT_EQ(r.errors[0], it->second.error);
  }
}

TEST(SettingsTableTest, EveryFlagNeedsAValueExceptBooleansAndTheRefusedSecret) {
  for (const Setting& s : Settings()) {
    if (std::holds_alternative<BoolKind>(s.kind) || std::holds_alternative<SecretKind>(s.kind)) {
      continue;
    }
    ConfigSource source;
    source.env = {{"GENAUTH_ACCESS_KEY_ID", "key-id"}, {"GENAUTH_ACCESS_KEY_SECRET", "s3cret"}};
    source.args = {FlagName(s.env)};
    ParseResult r = ParseConfig(source);
    ASSERT_THAT(r.errors, SizeIs(1)) << s.env;
    EXPECT_EQ(r.errors[0], "flag " + FlagName(s.env) + " (" + std::string(s.env) +
                               ") needs a value: " + FlagName(s.env) + "=VALUE or " +
                               FlagName(s.env) + " VALUE");
  }
}

TEST(SettingsTableTest, RowsAreWellFormed) {
  std::set<Section> finished;
  std::optional<Section> current;
  for (const Setting& s : Settings()) {
    EXPECT_FALSE(s.help.empty()) << s.env;
    EXPECT_EQ(s.help.back(), '.') << s.env;
    EXPECT_TRUE(s.env.rfind("GENAUTH_", 0) == 0 || s.env.rfind("SIDECAR_", 0) == 0) << s.env;
    EXPECT_EQ(FindSetting(s.env), &s) << s.env << " appears twice";
    EXPECT_EQ(FindSettingByFlag(FlagName(s.env)), &s) << s.env;
    if (current != s.section) {
      if (current) finished.insert(*current);
      EXPECT_EQ(finished.count(s.section), 0u) << s.env << ": its section is not contiguous";
      current = s.section;
    }
  }
}

TEST(SettingsTableTest, HelpAndReferenceShowEveryRowWithItsDefaultAndRange) {
  const std::string usage = Usage();
  const std::string reference = ConfigurationReference();
  for (const Setting& s : Settings()) {
    EXPECT_THAT(usage, HasSubstr(std::string(s.env) + " ")) << s.env;
    EXPECT_THAT(usage, HasSubstr(FlagColumn(s))) << s.env;
    EXPECT_THAT(usage, HasSubstr(DefaultText(s))) << s.env;
    EXPECT_THAT(reference, HasSubstr("| `" + std::string(s.env) + "` |")) << s.env;
    EXPECT_THAT(reference, HasSubstr(DefaultText(s))) << s.env;
  }
  for (const RemovedSetting& r : RemovedSettings()) {
    EXPECT_THAT(reference, HasSubstr("`" + std::string(r.env) + "`")) << r.env;
  }
  EXPECT_THAT(usage, HasSubstr("Accepts: 1 to 10."));  // SIDECAR_MAX_ATTEMPTS's range
  EXPECT_THAT(reference, HasSubstr("| 1 to 10 |"));
}

TEST(SettingsTableTest, DefaultsComeFromConfig) {
  Config c;
  EXPECT_EQ(DefaultText(*FindSetting("SIDECAR_DRAIN_DELAY")), "1s");
  EXPECT_EQ(DefaultText(*FindSetting("SIDECAR_MAX_IN_FLIGHT_BYTES")), "32Mi");
  EXPECT_EQ(DefaultText(*FindSetting("SIDECAR_GRPC_SOCKET_MODE")), "0660");
  EXPECT_EQ(DefaultText(*FindSetting("GENAUTH_HOST")), c.genauth_host);
  EXPECT_EQ(DefaultText(*FindSetting("GENAUTH_TENANT_ID")), "(none)");
  EXPECT_EQ(DefaultText(*FindSetting("GENAUTH_ACCESS_KEY_ID")), "(required)");
}

}  // namespace
}  // namespace genauth::config
