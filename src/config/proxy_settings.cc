// The proxy variables (see proxy_settings.h).
#include "config/proxy_settings.h"

#include <optional>
#include <string>
#include <utility>

#include "config/value_parsers.h"

namespace genauth::config {
namespace {

// The first of `names` set (non-empty) in the environment.
std::optional<std::pair<std::string, std::string>> FirstSet(
    const ConfigSource& source, const std::vector<std::string_view>& names) {
  for (std::string_view name : names) {
    auto it = source.env.find(std::string(name));
    if (it != source.env.end() && !it->second.empty()) return *it;
  }
  return std::nullopt;
}

}  // namespace

const std::vector<std::string_view>& HttpsProxyVariables() {
  static const auto* const names =
      new std::vector<std::string_view>{"https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"};
  return *names;
}

const std::vector<std::string_view>& HttpProxyVariables() {
  static const auto* const names =
      new std::vector<std::string_view>{"http_proxy", "all_proxy", "ALL_PROXY"};
  return *names;
}

const std::vector<std::string_view>& NoProxyVariables() {
  static const auto* const names = new std::vector<std::string_view>{"no_proxy", "NO_PROXY"};
  return *names;
}

bool IsProxyVariable(std::string_view name) {
  for (const auto* names : {&HttpsProxyVariables(), &HttpProxyVariables(), &NoProxyVariables()}) {
    for (std::string_view known : *names) {
      if (name == known) return true;
    }
  }
  return false;
}

void ApplyProxy(RawSettings& raw, Config& config) {
  const ConfigSource& source = raw.source();
  const bool https = config.genauth_host.rfind("https://", 0) == 0;
  auto proxy = FirstSet(source, https ? HttpsProxyVariables() : HttpProxyVariables());
  if (auto no_proxy = FirstSet(source, NoProxyVariables())) config.no_proxy = no_proxy->second;
  if (!proxy) return;
  const std::string lower = Lower(proxy->second);
  bool known_scheme = false;
  for (std::string_view scheme :
       {"http://", "https://", "socks4://", "socks4a://", "socks5://", "socks5h://"}) {
    if (lower.rfind(scheme, 0) == 0 && lower.size() > scheme.size()) known_scheme = true;
  }
  if (!known_scheme || HasSpaceOrControl(proxy->second)) {
    // The value may carry credentials: only the variable is named. Reported with GENAUTH_HOST,
    // whose traffic it carries.
    raw.Error("GENAUTH_HOST",
              proxy->first +
                  " (the proxy for GENAUTH_HOST, value not shown): expected a URL such as "
                  "http://proxy.internal:3128 (schemes: http, https, socks4, socks4a, socks5, "
                  "socks5h)");
    return;
  }
  config.proxy = proxy->second;
  config.proxy_variable = proxy->first;
}

}  // namespace genauth::config
