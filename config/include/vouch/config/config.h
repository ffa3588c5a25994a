// vouch.yaml: defaults for flags, read from one file (docs/config.md).
//
//   trusted-root: /etc/vouch/trusted_root.json
//   policy: /etc/vouch/policy.yaml
//   signing-config: /etc/vouch/signing_config.json
//   output: json
//   commands:
//     verify:
//       policy: /etc/vouch/verify-policy.yaml
//
// The file is --config FILE, else $VOUCH_CONFIG, else $XDG_CONFIG_HOME/vouch/config.yaml
// (~/.config/vouch/config.yaml). A value given on the command line wins over the key's
// environment variable (VOUCH_TRUSTED_ROOT), which wins over the file, which wins over the
// built-in default; a section under `commands:` wins over the top level for that command.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vouch/config/environment.h"
#include "vouch/core/status.h"

namespace vouch::config {

// ConfigKey is one key of the file: the long flag it gives a default to.
struct ConfigKey {
  std::string_view name;  // the key and the flag: "trusted-root"
  std::string_view env;   // the variable that wins over the file ("" when none)
  std::string_view meaning;
};

// ConfigKeys returns the keys a file may set, at the top level and in a `commands:` section.
std::span<const ConfigKey> ConfigKeys();

// Config is one parsed file. Values are as written; they are checked as flags are.
struct Config {
  std::string source;                           // the file read ("" when none)
  std::map<std::string, std::string> defaults;  // key -> value
  std::map<std::string, std::map<std::string, std::string>> commands;  // command -> key -> value
  // warning is set when the default file could not be read for permission (vouch run as
  // another user with the same HOME): like git, vouch warns and goes on without it.
  std::string warning;
};

// Parse parses the YAML |text| of the file |source|. An unknown key, a command not among
// |commands| ("verify", "key generate"), a value that is not a scalar, or an output other than
// text and json is kInvalidArgument naming |source| and the key. An empty file is an empty Config.
Result<Config> Parse(std::string_view text, const std::string& source,
                     std::span<const std::string> commands);

// Location is the file to read: |path| ("" when there is none to read) and whether it must exist
// (named by --config or $VOUCH_CONFIG) or may be missing (the XDG default).
struct Location {
  std::string path;
  bool required = false;
};

// Locate returns the file |flag| (--config) names, else $VOUCH_CONFIG, else
// $XDG_CONFIG_HOME/vouch/config.yaml, else $HOME/.config/vouch/config.yaml.
Location Locate(const std::optional<std::string>& flag, const EnvLookup& env);

// Load reads and parses the file |where| names: a missing optional file (or none) is an empty
// Config, an optional one denied by permissions an empty Config with a warning; a missing
// required one is kInvalidArgument; any other read failure is the read error.
// |commands| gives Parse's command names; it is called only when there is a file to parse.
Result<Config> Load(const Location& where,
                    const std::function<std::vector<std::string>()>& commands);

// FlagState answers, for one command line, whether the command declares a flag and whether it was
// given.
struct FlagState {
  std::function<bool(std::string_view flag)> declared;
  std::function<bool(std::string_view flag)> given;
};

// FlagDefaults returns the flag values |config| supplies to |command|, in ConfigKeys order: a key
// applies when the command declares its flag, the flag was not given, the key's environment
// variable is unset, and no flag the key conflicts with on this command is given or supplied
// (`verify --key` is not turned into `verify --policy`; `verify --policy` takes no
// --trusted-root; --tuf-refresh excludes --trusted-root). The `commands:` section of |command|
// wins over the top level.
std::map<std::string, std::string> FlagDefaults(const Config& config, std::string_view command,
                                                const FlagState& flags, const EnvLookup& env);

}  // namespace vouch::config
