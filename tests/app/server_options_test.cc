// Tests of the Config -> server options mapping: every setting of the table reaches the options
// (or is named here as one main uses itself), and the layers' own defaults agree with the
// settings' defaults, so that a layer built without the configuration behaves as configured.
#include "app/server_options.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "config/settings_table.h"

namespace genauth::app {
namespace {

using config::Config;
using config::ConfigSource;
using server::SidecarServerOptions;
using std::chrono::milliseconds;
using ::testing::IsEmpty;

struct Case {
  std::string value;  // not the default
  // What the value must change in the options; empty for a setting main uses itself, or one that
  // only decides whether other values are valid (`why` says which).
  std::function<void(const SidecarServerOptions&)> check;
  std::string why = {};
};

const std::map<std::string, Case>& Cases() {
  static const auto* const cases = new std::map<std::string, Case>{
      {"GENAUTH_HOST",
       {"https://genauth.example.com:8443",
        [](const SidecarServerOptions& o) {
          EXPECT_EQ(o.transport.base_url, "https://genauth.example.com:8443");
        }}},
      {"GENAUTH_ACCESS_KEY_ID",
       {"id-2",
        [](const SidecarServerOptions& o) {
          EXPECT_EQ(o.access_key_id, "id-2");
          EXPECT_EQ(o.token_cache.fallback_userpool_id, "id-2");
        }}},
      {"GENAUTH_ACCESS_KEY_SECRET",
       {"secret-2",
        [](const SidecarServerOptions& o) {
          EXPECT_EQ(o.access_key_secret, "secret-2");
          EXPECT_FALSE(o.secret_rotation.has_value());
        }}},
      {"GENAUTH_ACCESS_KEY_SECRET_FILE",
       {"/secret",
        [](const SidecarServerOptions& o) {
          EXPECT_EQ(o.access_key_secret, "file-secret");
          ASSERT_TRUE(o.secret_rotation.has_value());
          EXPECT_EQ(o.secret_rotation->path, "/secret");
        }}},
      {"GENAUTH_TENANT_ID",
       {"tenant-2",
        [](const SidecarServerOptions& o) { EXPECT_EQ(o.client.tenant_id, "tenant-2"); }}},
      {"GENAUTH_HEADER_PREFIX",
       {"x-genauth",
        [](const SidecarServerOptions& o) {
          EXPECT_EQ(o.client.header_prefix, "x-genauth");
          EXPECT_EQ(o.token_fetcher.header_prefix, "x-genauth");
        }}},
      {"GENAUTH_LANG",
       {"ja-JP",
        [](const SidecarServerOptions& o) {
          EXPECT_EQ(o.client.lang, "ja-JP");
          EXPECT_EQ(o.token_fetcher.lang, "ja-JP");
        }}},
      {"GENAUTH_AUTH_SCHEME",
       {"signature",
        [](const SidecarServerOptions& o) {
          ASSERT_TRUE(o.signature.has_value());
          EXPECT_EQ(o.signature->header_prefix, "x-authing");
        }}},
      {"GENAUTH_CA_FILE",
       {"/ca.pem",
        [](const SidecarServerOptions& o) { EXPECT_EQ(o.transport.ca_file, "/ca.pem"); }}},
      {"GENAUTH_ALLOW_INSECURE_HTTP",
       {"true", nullptr, "only decides whether an http:// GENAUTH_HOST is accepted"}},
      {"SIDECAR_GRPC_LISTEN",
       {"unix:/run/s.sock",
        [](const SidecarServerOptions& o) { EXPECT_EQ(o.listen_address, "unix:/run/s.sock"); }}},
      {"SIDECAR_GRPC_SOCKET_MODE",
       {"0600", [](const SidecarServerOptions& o) { EXPECT_EQ(o.unix_socket_mode, 0600u); }}},
      {"SIDECAR_LOG_LEVEL", {"debug", nullptr, "main builds the logger with it"}},
      {"SIDECAR_ADMIN_LISTEN",
       {"off", [](const SidecarServerOptions& o) { EXPECT_FALSE(o.admin.has_value()); }}},
      {"SIDECAR_PORT_FILE", {"/run/ports", nullptr, "main writes the file once serving"}},
      {"SIDECAR_DEFAULT_TIMEOUT",
       {"30s",
        [](const SidecarServerOptions& o) {
          EXPECT_EQ(o.handler.default_timeout, milliseconds(30000));
        }}},
      {"SIDECAR_ATTEMPT_TIMEOUT",
       {"2s",
        [](const SidecarServerOptions& o) {
          EXPECT_EQ(o.client.attempt_timeout, milliseconds(2000));
        }}},
      {"SIDECAR_MAX_ATTEMPTS",
       {"5", [](const SidecarServerOptions& o) { EXPECT_EQ(o.client.retry.max_attempts, 5); }}},
      {"SIDECAR_RETRY_BASE_DELAY",
       {"50ms",
        [](const SidecarServerOptions& o) {
          EXPECT_EQ(o.client.retry.base_delay, milliseconds(50));
        }}},
      {"SIDECAR_RETRY_MAX_DELAY",
       {"5s",
        [](const SidecarServerOptions& o) {
          EXPECT_EQ(o.client.retry.max_delay, milliseconds(5000));
        }}},
      {"SIDECAR_MAX_IN_FLIGHT_CALLS",
       {"100",
        [](const SidecarServerOptions& o) { EXPECT_EQ(o.handler.admission.max_calls, 100u); }}},
      {"SIDECAR_MAX_IN_FLIGHT_BYTES",
       {"64Mi",
        [](const SidecarServerOptions& o) {
          EXPECT_EQ(o.handler.admission.max_bytes, size_t{64} << 20);
        }}},
      {"SIDECAR_MAX_REQUEST_BYTES",
       {"1Mi",
        [](const SidecarServerOptions& o) { EXPECT_EQ(o.max_request_bytes, size_t{1} << 20); }}},
      {"SIDECAR_UPSTREAM_MAX_CONNECTIONS",
       {"16", [](const SidecarServerOptions& o) { EXPECT_EQ(o.transport.max_connections, 16); }}},
      {"SIDECAR_IDEMPOTENCY_MAX_KEYS",
       {"0",
        [](const SidecarServerOptions& o) { EXPECT_EQ(o.handler.idempotency.max_entries, 0u); }}},
      {"SIDECAR_IDEMPOTENCY_MAX_BYTES",
       {"1Mi",
        [](const SidecarServerOptions& o) {
          EXPECT_EQ(o.handler.idempotency.max_bytes, size_t{1} << 20);
        }}},
      {"SIDECAR_IDEMPOTENCY_WINDOW",
       {"10m",
        [](const SidecarServerOptions& o) {
          EXPECT_EQ(o.handler.idempotency.window, milliseconds(600000));
        }}},
      {"SIDECAR_START_TRACES",
       {"true", [](const SidecarServerOptions& o) { EXPECT_TRUE(o.handler.start_traces); }}},
      {"SIDECAR_RETRY_BUDGET_PERCENT",
       {"50",
        [](const SidecarServerOptions& o) { EXPECT_DOUBLE_EQ(o.client.retry_budget.ratio, 0.5); }}},
      {"SIDECAR_RETRY_BUDGET_MIN_RETRIES",
       {"0",
        [](const SidecarServerOptions& o) { EXPECT_EQ(o.client.retry_budget.min_retries, 0); }}},
      {"SIDECAR_BREAKER_FAILURES",
       {"0",
        [](const SidecarServerOptions& o) {
          EXPECT_EQ(o.client.circuit_breaker.failure_threshold, 0);
        }}},
      {"SIDECAR_BREAKER_OPEN_TIME",
       {"30s",
        [](const SidecarServerOptions& o) {
          EXPECT_EQ(o.client.circuit_breaker.open_duration, milliseconds(30000));
        }}},
      {"SIDECAR_TOKEN_REFRESH_WINDOW",
       {"50%-60%",
        [](const SidecarServerOptions& o) {
          EXPECT_DOUBLE_EQ(o.token_cache.refresh_window_start, 0.5);
          EXPECT_DOUBLE_EQ(o.token_cache.refresh_window_end, 0.6);
        }}},
      {"SIDECAR_SHUTDOWN_GRACE",
       {"0s", [](const SidecarServerOptions& o) { EXPECT_EQ(o.shutdown_grace, milliseconds(0)); }}},
      {"SIDECAR_DRAIN_DELAY",
       {"5s", [](const SidecarServerOptions& o) { EXPECT_EQ(o.drain_delay, milliseconds(5000)); }}},
      {"SIDECAR_SECRET_POLL_INTERVAL",
       {"30s",
        [](const SidecarServerOptions& o) {
          ASSERT_TRUE(o.secret_rotation.has_value());  // with the file (see Parse)
          EXPECT_EQ(o.secret_rotation->poll_interval, milliseconds(30000));
        }}},
  };
  return *cases;
}

// The required settings plus `env=value`; the secret comes from a file for the file's settings.
Config Parse(const std::string& env, const std::string& value) {
  ConfigSource source;
  source.env = {{"GENAUTH_ACCESS_KEY_ID", "key-id"}, {"GENAUTH_ACCESS_KEY_SECRET", "s3cret"}};
  if (env == "GENAUTH_ACCESS_KEY_SECRET_FILE" || env == "SIDECAR_SECRET_POLL_INTERVAL") {
    source.env.erase("GENAUTH_ACCESS_KEY_SECRET");
    source.env["GENAUTH_ACCESS_KEY_SECRET_FILE"] = "/secret";
  }
  source.env[env] = value;
  source.read_file = [](const std::string&) -> std::optional<std::string> {
    return "-----BEGIN CERTIFICATE-----\n";
  };
  source.read_secret_file = [](const std::string&) -> absl::StatusOr<common::SecretFileContent> {
    return common::SecretFileContent{"file-secret\n", 0400};
  };
  config::ParseResult r = config::ParseConfig(source);
  EXPECT_THAT(r.errors, IsEmpty()) << env << "=" << value;
  return r.config.value_or(Config{});
}

TEST(ServerOptionsTest, EverySettingReachesTheOptionsOrIsNamedAsMains) {
  for (const config::Setting& s : config::Settings()) {
    auto it = Cases().find(std::string(s.env));
    ASSERT_NE(it, Cases().end()) << s.env << " has no case in tests/app/server_options_test.cc";
    const Case& c = it->second;
    if (!c.check) {
      EXPECT_FALSE(c.why.empty()) << s.env << ": say why it does not reach the server";
      continue;
    }
    SCOPED_TRACE(std::string(s.env) + "=" + c.value);
    c.check(ServerOptionsFromConfig(Parse(std::string(s.env), c.value)));
  }
}

TEST(ServerOptionsTest, TheSdkVersionAndTokenPrefetchAreSet) {
  SidecarServerOptions o = ServerOptionsFromConfig(Parse("GENAUTH_TENANT_ID", "t"));
  EXPECT_EQ(o.client.sdk_version, SdkVersion());
  EXPECT_EQ(o.token_fetcher.sdk_version, SdkVersion());
  EXPECT_EQ(SdkVersion().rfind("genauth-sidecar:", 0), 0u);
  EXPECT_TRUE(o.token_cache.prefetch);
  EXPECT_FALSE(o.signature.has_value());
}

// A layer's default is what that layer does when built by hand (in tests, tools): it must be
// what the setting's default makes it in the sidecar.
TEST(ServerOptionsTest, TheLayersDefaultsAgreeWithTheSettingsDefaults) {
  const SidecarServerOptions layer;
  const SidecarServerOptions configured = ServerOptionsFromConfig(Config{});
  EXPECT_EQ(layer.listen_address, configured.listen_address);
  EXPECT_EQ(layer.unix_socket_mode, configured.unix_socket_mode);
  ASSERT_TRUE(configured.admin.has_value());
  EXPECT_EQ(admin::AdminServerOptions{}.listen_address, configured.admin->listen_address);
  EXPECT_EQ(auth::SecretWatcherOptions{}.poll_interval, Config{}.secret_poll_interval);
  EXPECT_EQ(layer.transport.max_connections, configured.transport.max_connections);
  EXPECT_EQ(layer.token_fetcher.header_prefix, configured.token_fetcher.header_prefix);
  EXPECT_EQ(layer.token_fetcher.lang, configured.token_fetcher.lang);
  EXPECT_EQ(auth::RequestSignerOptions{}.header_prefix, configured.client.header_prefix);
  EXPECT_EQ(layer.client.header_prefix, configured.client.header_prefix);
  EXPECT_EQ(layer.client.lang, configured.client.lang);
  EXPECT_EQ(layer.client.retry.max_attempts, configured.client.retry.max_attempts);
  EXPECT_EQ(layer.client.retry.base_delay, configured.client.retry.base_delay);
  EXPECT_EQ(layer.client.retry.max_delay, configured.client.retry.max_delay);
  EXPECT_DOUBLE_EQ(layer.client.retry_budget.ratio, configured.client.retry_budget.ratio);
  EXPECT_EQ(layer.client.retry_budget.min_retries, configured.client.retry_budget.min_retries);
  EXPECT_EQ(layer.client.circuit_breaker.failure_threshold,
            configured.client.circuit_breaker.failure_threshold);
  EXPECT_EQ(layer.client.circuit_breaker.open_duration,
            configured.client.circuit_breaker.open_duration);
  EXPECT_EQ(layer.client.attempt_timeout, configured.client.attempt_timeout);
  EXPECT_DOUBLE_EQ(layer.token_cache.refresh_window_start,
                   configured.token_cache.refresh_window_start);
  EXPECT_DOUBLE_EQ(layer.token_cache.refresh_window_end, configured.token_cache.refresh_window_end);
  EXPECT_EQ(layer.handler.default_timeout, configured.handler.default_timeout);
  EXPECT_EQ(layer.handler.start_traces, configured.handler.start_traces);
  EXPECT_EQ(layer.handler.idempotency.max_entries, configured.handler.idempotency.max_entries);
  EXPECT_EQ(layer.handler.idempotency.max_bytes, configured.handler.idempotency.max_bytes);
  EXPECT_EQ(layer.handler.idempotency.window, configured.handler.idempotency.window);
  EXPECT_EQ(layer.handler.admission.max_calls, configured.handler.admission.max_calls);
  EXPECT_EQ(layer.handler.admission.max_bytes, configured.handler.admission.max_bytes);
  EXPECT_EQ(layer.max_request_bytes, configured.max_request_bytes);
  EXPECT_EQ(layer.shutdown_grace, configured.shutdown_grace);
  EXPECT_EQ(layer.drain_delay, configured.drain_delay);
}

}  // namespace
}  // namespace genauth::app
