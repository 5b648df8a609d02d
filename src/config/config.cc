// Reads the sidecar's configuration from an injectable source (environment, argv, files) and
// validates every setting, reporting all problems at once so an operator fixes them in one pass.
// What each setting accepts is its row of the settings table; this file only runs the rows, then
// the few rules between settings.
#include "config/config.h"

#include <string_view>
#include <utility>

#include "common/file_reader.h"
#include "common/secret_memory.h"
#include "config/apply_setting.h"
#include "config/cross_setting_rules.h"
#include "config/proxy_settings.h"
#include "config/raw_settings.h"
#include "config/secret_settings.h"
#include "config/settings_table.h"

namespace genauth::config {

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
  {
    RawSettings raw(source, result);
    for (const RemovedSetting& removed : RemovedSettings()) {
      if (source.env.count(std::string(removed.env)) != 0) {
        raw.GeneralError(std::string(removed.env) + " " + std::string(removed.replacement));
      }
    }
    for (const Setting& setting : Settings()) ApplySetting(setting, raw, config);
    ApplyAccessKeySecret(raw, config);
    CheckInsecureHost(raw, config);
    ApplyProxy(raw, config);  // after the host, whose scheme picks the variables
    CheckDurationsAtLeast(raw, config);
    CheckAdminDiffersFromGrpc(raw, config);
    raw.ReportErrors();
  }

  if (result.errors.empty()) result.config = std::move(config);
  // A moved short string keeps its bytes in the moved-from one.
  common::WipeString(config.access_key_secret);  // NOLINT(bugprone-use-after-move)
  return result;
}

}  // namespace genauth::config
