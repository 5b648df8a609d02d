// Rules between settings (see cross_setting_rules.h).
#include "config/cross_setting_rules.h"

#include <string>
#include <variant>

#include "config/settings_table.h"
#include "config/value_parsers.h"

namespace genauth::config {
namespace {

constexpr std::string_view kHost = "GENAUTH_HOST";
constexpr std::string_view kGrpcListen = "SIDECAR_GRPC_LISTEN";
constexpr std::string_view kAdminListen = "SIDECAR_ADMIN_LISTEN";

// A setting given a value that was accepted (not unset, not refused).
bool Accepted(const RawSettings& raw, std::string_view env) {
  return raw.Get(env).has_value() && !raw.HasErrors(env);
}

// `NAME="value"` when set, `NAME (default)` or `NAME (default 2s)` otherwise: either side of a rule
// may be the default, so its error says which one is.
std::string Name(const RawSettings& raw, std::string_view env, const std::string& default_shown) {
  if (auto value = raw.Get(env)) return raw.Describe(env, *value);
  return std::string(env) +
         (default_shown.empty() ? " (default)" : " (default " + default_shown + ")");
}

}  // namespace

void CheckInsecureHost(RawSettings& raw, Config& config) {
  if (!Accepted(raw, kHost)) return;
  std::string why;
  std::optional<HostUrl> host = ParseHostUrl(config.genauth_host, &why);
  if (!host || !host->plain_http || host->loopback || config.allow_insecure_http) return;
  raw.Error(kHost, *raw.Get(kHost),
            "plain http:// is allowed only to a loopback host (localhost, 127.0.0.0/8, [::1]); use "
            "https://, or set GENAUTH_ALLOW_INSECURE_HTTP=true (or pass "
            "--genauth-allow-insecure-http) to send requests in clear");
  // As if unset, so that the proxy is chosen for the default https:// host.
  config.genauth_host = Config().genauth_host;
}

void CheckDurationsAtLeast(RawSettings& raw, const Config& config) {
  for (const Setting& s : Settings()) {
    const auto* kind = std::get_if<DurationKind>(&s.kind);
    if (kind == nullptr || kind->at_least.empty()) continue;
    const Setting* other = FindSetting(kind->at_least);
    const auto* other_kind = other ? std::get_if<DurationKind>(&other->kind) : nullptr;
    if (other_kind == nullptr || raw.HasErrors(s.env) || raw.HasErrors(other->env)) continue;
    if (config.*kind->field >= config.*other_kind->field) continue;
    raw.Error(s.env, Name(raw, s.env, FormatMillis(config.*kind->field)) + ": expected at least " +
                         Name(raw, other->env, "") + ", which is " +
                         FormatMillis(config.*other_kind->field));
  }
}

void CheckAdminDiffersFromGrpc(RawSettings& raw, const Config& config) {
  if (!Accepted(raw, kAdminListen) || config.admin_listen.empty()) return;
  const std::string& admin = config.admin_listen;
  // Port 0 twice is two free ports, whatever they are.
  if (admin != config.grpc_listen || admin.substr(admin.rfind(':')) == ":0") return;
  raw.Error(kAdminListen, *raw.Get(kAdminListen),
            "expected an address other than " + std::string(kGrpcListen) + "'s");
}

}  // namespace genauth::config
