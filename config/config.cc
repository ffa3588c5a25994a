#include "vouch/config/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <string>

#include "vouch/core/bytes.h"
#include "vouch/core/file.h"

namespace vouch::config {
namespace {

constexpr ConfigKey kKeys[] = {
    {"policy", "", "trust policy file (verify, promote, serve)"},
    {"trusted-root", "VOUCH_TRUSTED_ROOT", "Sigstore trusted_root.json for keyless verification"},
    {"signing-config", "", "Sigstore signing config for keyless signing and log uploads"},
    {"output", "", "text or json, for the commands with --output text|json"},
};

// Conflict: on |command| ("" = every command), a default for |key| does not apply when |flag| is
// given or supplied, because the command refuses the two together or |flag| selects another
// mode than the one |key| would.
struct Conflict {
  std::string_view command;
  std::string_view key;
  std::string_view flag;
};

constexpr Conflict kConflicts[] = {
    {"verify", "policy", "key"},
    {"verify", "policy", "certificate-identity"},
    {"verify", "policy", "certificate-identity-regexp"},
    {"verify", "policy", "notation"},
    {"verify", "trusted-root", "policy"},
    {"", "trusted-root", "tuf-refresh"},
};

// A config file is a few lines; anything larger is not one.
constexpr size_t kMaxConfigSize = 1 << 20;

bool KnownKey(const std::string& key) {
  return std::any_of(std::begin(kKeys), std::end(kKeys),
                     [&](const ConfigKey& k) { return k.name == key; });
}

Status KeyError(const std::string& source, const std::string& key, const std::string& problem) {
  return InvalidArgumentError(source + ": " + key + ": " + problem);
}

// ReadKeys reads the key: value pairs of |node| (the top level or a command's section) into
// |out|; |prefix| names the section in errors ("commands.verify.").
Status ReadKeys(const YAML::Node& node, const std::string& source, const std::string& prefix,
                std::map<std::string, std::string>& out) {
  for (const auto& entry : node) {
    const std::string key = entry.first.as<std::string>();
    if (prefix.empty() && key == "commands") {
      continue;
    }
    if (!KnownKey(key)) {
      return KeyError(source, prefix + key,
                      "unknown key (known: policy, trusted-root, "
                      "signing-config, output, commands)");
    }
    if (!entry.second.IsScalar()) {
      return KeyError(source, prefix + key, "must be a string");
    }
    const std::string value = entry.second.as<std::string>();
    if (key == "output" && value != "text" && value != "json") {
      return KeyError(source, prefix + key, "must be text or json, not \"" + value + "\"");
    }
    out[key] = value;
  }
  return OkStatus();
}

Result<Config> ParseYaml(const std::string& text, const std::string& source,
                         std::span<const std::string> commands) {
  Config config;
  config.source = source;
  const YAML::Node root = YAML::Load(text);
  if (root.IsNull()) {
    return config;
  }
  if (!root.IsMap()) {
    return InvalidArgumentError(source + ": a config file is a map of keys (docs/config.md)");
  }
  VOUCH_RETURN_IF_ERROR(ReadKeys(root, source, "", config.defaults));
  const YAML::Node sections = root["commands"];
  if (!sections) {
    return config;
  }
  if (!sections.IsMap()) {
    return KeyError(source, "commands", "must be a map of command names to keys");
  }
  for (const auto& section : sections) {
    const std::string command = section.first.as<std::string>();
    if (std::find(commands.begin(), commands.end(), command) == commands.end()) {
      return KeyError(source, "commands." + command, "unknown command");
    }
    if (!section.second.IsMap() && !section.second.IsNull()) {
      return KeyError(source, "commands." + command, "must be a map of keys");
    }
    VOUCH_RETURN_IF_ERROR(
        ReadKeys(section.second, source, "commands." + command + ".", config.commands[command]));
  }
  return config;
}

bool Conflicts(std::string_view command, std::string_view key, const FlagState& flags,
               const std::map<std::string, std::string>& supplied) {
  for (const Conflict& c : kConflicts) {
    if ((c.command.empty() || c.command == command) && c.key == key &&
        (flags.given(c.flag) || supplied.count(std::string(c.flag)) > 0)) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::span<const ConfigKey> ConfigKeys() { return kKeys; }

Result<Config> Parse(std::string_view text, const std::string& source,
                     std::span<const std::string> commands) {
  // yaml-cpp reports errors by exception: they stop here. Only the first document is read
  // (policy/document.cc explains why LoadAll is never called).
  try {
    return ParseYaml(std::string(text), source, commands);
  } catch (const YAML::Exception& e) {
    const std::string where =
        e.mark.is_null() ? "" : " (line " + std::to_string(e.mark.line + 1) + ")";
    return InvalidArgumentError(source + ": not valid YAML: " + e.msg + where);
  }
}

Location Locate(const std::optional<std::string>& flag, const EnvLookup& env) {
  if (flag) {
    return {*flag, true};
  }
  if (std::optional<std::string> named = env("VOUCH_CONFIG"); named && !named->empty()) {
    return {*named, true};
  }
  std::string base;
  if (std::optional<std::string> xdg = env("XDG_CONFIG_HOME"); xdg && !xdg->empty()) {
    base = *xdg;
  } else if (std::optional<std::string> home = env("HOME"); home && !home->empty()) {
    base = *home + "/.config";
  } else {
    return {};
  }
  return {base + "/vouch/config.yaml", false};
}

Result<Config> Load(const Location& where,
                    const std::function<std::vector<std::string>()>& commands) {
  if (where.path.empty()) {
    return Config{};
  }
  Result<Bytes> bytes = ReadFile(where.path, kMaxConfigSize);
  if (!bytes.ok()) {
    if (!where.required && bytes.status().code() == ErrorCode::kPermissionDenied) {
      Config none;
      none.warning = "ignoring config file " + where.path + ": " + bytes.status().message();
      return none;
    }
    if (!IsNotFound(bytes.status())) {
      return bytes.status().WithContext("config file " + where.path);
    }
    if (where.required) {
      return InvalidArgumentError("config file " + where.path + " does not exist");
    }
    return Config{};
  }
  return Parse(AsChars(*bytes), where.path, commands());
}

std::map<std::string, std::string> FlagDefaults(const Config& config, std::string_view command,
                                                const FlagState& flags, const EnvLookup& env) {
  std::map<std::string, std::string> supplied;
  const auto section = config.commands.find(std::string(command));
  for (const ConfigKey& key : kKeys) {
    const std::string name(key.name);
    if (!flags.declared(name) || flags.given(name)) {
      continue;
    }
    if (!key.env.empty()) {
      if (std::optional<std::string> value = env(key.env); value && !value->empty()) {
        continue;
      }
    }
    std::optional<std::string> value;
    if (section != config.commands.end() && section->second.count(name) > 0) {
      value = section->second.at(name);
    } else if (config.defaults.count(name) > 0) {
      value = config.defaults.at(name);
    }
    if (value && !Conflicts(command, name, flags, supplied)) {
      supplied[name] = *value;
    }
  }
  return supplied;
}

}  // namespace vouch::config
