// Config -> SidecarServerOptions (see server_options.h).
#include "app/server_options.h"

#include <sys/types.h>

#include "config/value_parsers.h"
#include "sidecar_version.h"

namespace genauth::app {

std::string SdkVersion() { return std::string("genauth-sidecar:") + kVersion; }

server::SidecarServerOptions ServerOptionsFromConfig(const config::Config& c) {
  const std::string sdk_version = SdkVersion();
  server::SidecarServerOptions o;
  o.listen_address = c.grpc_listen;
  o.unix_socket_mode = static_cast<mode_t>(c.grpc_socket_mode);
  o.access_key_id = c.access_key_id;
  o.access_key_secret = c.access_key_secret;
  if (!c.access_key_secret_file.empty()) {
    o.secret_rotation =
        auth::SecretWatcherOptions{c.access_key_secret_file, c.secret_poll_interval};
  }
  if (!c.admin_listen.empty()) o.admin = admin::AdminServerOptions{c.admin_listen};
  o.transport.base_url = c.genauth_host;
  o.transport.ca_file = c.ca_file;
  o.transport.proxy = c.proxy;
  o.transport.no_proxy = c.no_proxy;
  o.transport.max_connections = c.upstream_max_connections;
  o.token_fetcher = {c.header_prefix, c.lang, sdk_version};
  o.token_cache.fallback_userpool_id = c.access_key_id;
  o.token_cache.prefetch = true;
  // Checked by the configuration (CheckRefreshWindow); a Config built by hand keeps the defaults.
  if (auto window = config::ParsePercentRange(c.token_refresh_window)) {
    o.token_cache.refresh_window_start = window->start / 100.0;
    o.token_cache.refresh_window_end = window->end / 100.0;
  }
  if (c.auth_scheme == "signature") o.signature = auth::RequestSignerOptions{c.header_prefix};
  o.client.header_prefix = c.header_prefix;
  o.client.lang = c.lang;
  o.client.tenant_id = c.tenant_id;
  o.client.sdk_version = sdk_version;
  o.client.retry.max_attempts = c.max_attempts;
  o.client.retry.base_delay = c.retry_base_delay;
  o.client.retry.max_delay = c.retry_max_delay;
  o.client.retry_budget.ratio = c.retry_budget_percent / 100.0;
  o.client.retry_budget.min_retries = c.retry_budget_min_retries;
  o.client.circuit_breaker.failure_threshold = c.breaker_failures;
  o.client.circuit_breaker.open_duration = c.breaker_open_time;
  o.client.attempt_timeout = c.attempt_timeout;
  o.handler.default_timeout = c.default_timeout;
  o.handler.start_traces = c.start_traces;
  o.handler.idempotency.max_entries = static_cast<size_t>(c.idempotency_max_keys);
  o.handler.idempotency.max_bytes = static_cast<size_t>(c.idempotency_max_bytes);
  o.handler.idempotency.window = c.idempotency_window;
  o.handler.admission.max_calls = static_cast<size_t>(c.max_in_flight_calls);
  o.handler.admission.max_bytes = static_cast<size_t>(c.max_in_flight_bytes);
  o.max_request_bytes = static_cast<size_t>(c.max_request_bytes);
  o.shutdown_grace = c.shutdown_grace;
  o.drain_delay = c.drain_delay;
  return o;
}

}  // namespace genauth::app
