// The config file of flag defaults (config/config.h) and the table of environment variables
// (config/environment.h): which file is read, what a file may say (every mistake names the file
// and the key), and the precedence flag > environment variable > file > built-in default.
#include "vouch/config/config.h"

#include <boost/test/unit_test.hpp>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "testutil/testutil.h"
#include "vouch/config/environment.h"
#include "vouch/core/status.h"

namespace vouch::config {
namespace {

const std::vector<std::string> kCommands = {"verify", "promote", "key generate"};

EnvLookup FakeEnv(std::map<std::string, std::string, std::less<>> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(name);
    return it == vars.end() ? std::nullopt : std::optional(it->second);
  };
}

// Flags builds the FlagState of a command declaring |declared| whose command line gave |given|.
FlagState Flags(std::set<std::string, std::less<>> declared,
                std::set<std::string, std::less<>> given) {
  return {[declared](std::string_view f) { return declared.count(f) > 0; },
          [given](std::string_view f) { return given.count(f) > 0; }};
}

Config MustParse(const std::string& text) {
  Result<Config> config = Parse(text, "vouch.yaml", kCommands);
  BOOST_REQUIRE_MESSAGE(config.ok(), config.status().message());
  return *config;
}

BOOST_AUTO_TEST_SUITE(config_file)

BOOST_AUTO_TEST_CASE(parses_top_level_keys_and_command_sections) {
  const Config c = MustParse(
      "trusted-root: /etc/vouch/root.json\npolicy: p.yaml\nsigning-config: sc.json\noutput: json\n"
      "commands:\n  verify:\n    policy: verify.yaml\n  key generate: {}\n");
  BOOST_TEST(c.source == "vouch.yaml");
  BOOST_TEST(c.defaults.at("trusted-root") == "/etc/vouch/root.json");
  BOOST_TEST(c.defaults.at("output") == "json");
  BOOST_TEST(c.defaults.size() == 4u);
  BOOST_TEST(c.commands.at("verify").at("policy") == "verify.yaml");
  BOOST_TEST(MustParse("").defaults.empty());
  BOOST_TEST(MustParse("# only a comment\n").commands.empty());
}

BOOST_AUTO_TEST_CASE(mistakes_are_usage_errors_naming_file_and_key) {
  struct Case {
    std::string text;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"trusted_root: x\n", "vouch.yaml: trusted_root: unknown key"},
      {"policy: [a, b]\n", "vouch.yaml: policy: must be a string"},
      {"policy: {a: b}\n", "vouch.yaml: policy: must be a string"},
      {"output: yaml\n", "vouch.yaml: output: must be text or json"},
      {"commands:\n  verfy:\n    policy: p\n", "vouch.yaml: commands.verfy: unknown command"},
      {"commands:\n  verify:\n    key: k.pub\n", "vouch.yaml: commands.verify.key: unknown key"},
      {"commands: [verify]\n", "vouch.yaml: commands: must be a map"},
      {"- a\n- b\n", "vouch.yaml: a config file is a map"},
      {"policy: [unclosed\n", "vouch.yaml: not valid YAML"},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.text) {
      Result<Config> config = Parse(c.text, "vouch.yaml", kCommands);
      BOOST_REQUIRE(!config.ok());
      BOOST_TEST(IsInvalidArgument(config.status()));
      BOOST_TEST(config.status().message().rfind(c.message, 0) == 0u, config.status().message());
    }
  }
}

BOOST_AUTO_TEST_CASE(locate_prefers_flag_then_vouch_config_then_xdg_then_home) {
  const auto env =
      FakeEnv({{"VOUCH_CONFIG", "/env.yaml"}, {"XDG_CONFIG_HOME", "/xdg"}, {"HOME", "/home/u"}});
  Location flag = Locate(std::string("/flag.yaml"), env);
  BOOST_TEST(flag.path == "/flag.yaml");
  BOOST_TEST(flag.required);
  Location named = Locate(std::nullopt, env);
  BOOST_TEST(named.path == "/env.yaml");
  BOOST_TEST(named.required);
  Location xdg = Locate(std::nullopt, FakeEnv({{"XDG_CONFIG_HOME", "/xdg"}, {"HOME", "/h"}}));
  BOOST_TEST(xdg.path == "/xdg/vouch/config.yaml");
  BOOST_TEST(!xdg.required);
  BOOST_TEST(Locate(std::nullopt, FakeEnv({{"HOME", "/h"}})).path ==
             "/h/.config/vouch/config.yaml");
  BOOST_TEST(Locate(std::nullopt, FakeEnv({})).path.empty());
}

BOOST_AUTO_TEST_CASE(load_missing_default_is_empty_missing_named_is_usage_error) {
  testing::TempDir dir;
  const auto commands = [] { return kCommands; };
  Result<Config> optional = Load({dir.path() + "/none.yaml", false}, commands);
  BOOST_REQUIRE(optional.ok());
  BOOST_TEST(optional->defaults.empty());
  Result<Config> required = Load({dir.path() + "/none.yaml", true}, commands);
  BOOST_REQUIRE(!required.ok());
  BOOST_TEST(IsInvalidArgument(required.status()));
  BOOST_TEST(required.status().message().find("none.yaml does not exist") != std::string::npos);

  testing::WriteText(dir.path() + "/c.yaml", "output: json\n");
  Result<Config> read = Load({dir.path() + "/c.yaml", false}, commands);
  BOOST_REQUIRE(read.ok());
  BOOST_TEST(read->defaults.at("output") == "json");
  BOOST_TEST(read->source == dir.path() + "/c.yaml");
  testing::WriteText(dir.path() + "/bad.yaml", "outptu: json\n");
  Result<Config> bad = Load({dir.path() + "/bad.yaml", false}, commands);
  BOOST_TEST(bad.status().message().find("bad.yaml: outptu: unknown key") != std::string::npos,
             bad.status().message());
}

BOOST_AUTO_TEST_CASE(flag_beats_environment_beats_file_and_sections_beat_top_level) {
  const Config c = MustParse(
      "trusted-root: file-root.json\npolicy: top.yaml\noutput: json\n"
      "commands:\n  promote:\n    policy: promote.yaml\n");
  const auto no_env = FakeEnv({});
  const auto declared = Flags({"trusted-root", "policy", "output", "key"}, {});
  std::map<std::string, std::string> d = FlagDefaults(c, "verify", declared, no_env);
  BOOST_TEST(d.at("policy") == "top.yaml");
  BOOST_TEST(d.at("output") == "json");
  // verify --policy takes no --trusted-root: the supplied policy excludes the file's root.
  BOOST_TEST(d.count("trusted-root") == 0u);
  BOOST_TEST(FlagDefaults(c, "promote", declared, no_env).at("policy") == "promote.yaml");

  // A flag given on the command line keeps its value.
  d = FlagDefaults(c, "promote", Flags({"policy", "output"}, {"policy"}), no_env);
  BOOST_TEST(d.count("policy") == 0u);
  BOOST_TEST(d.at("output") == "json");
  // The environment variable of a key beats the file.
  const auto root_only = Flags({"trusted-root"}, {});
  BOOST_TEST(FlagDefaults(c, "verify-bundle", root_only, no_env).at("trusted-root") ==
             "file-root.json");
  BOOST_TEST(FlagDefaults(c, "verify-bundle", root_only,
                          FakeEnv({{"VOUCH_TRUSTED_ROOT", "env-root.json"}}))
                 .empty());
  // A flag the command does not declare takes nothing.
  BOOST_TEST(FlagDefaults(c, "verify-bundle", Flags({"key"}, {}), no_env).empty());
}

BOOST_AUTO_TEST_CASE(defaults_never_switch_a_command_into_a_conflicting_mode) {
  const Config c = MustParse("trusted-root: root.json\npolicy: p.yaml\n");
  const auto env = FakeEnv({});
  const std::set<std::string, std::less<>> declared = {"policy", "trusted-root", "key",
                                                       "certificate-identity", "tuf-refresh"};
  // verify --key: a key verification, not a policy one; its keyless root still comes from the file.
  std::map<std::string, std::string> d = FlagDefaults(c, "verify", Flags(declared, {"key"}), env);
  BOOST_TEST(d.count("policy") == 0u);
  BOOST_TEST(d.at("trusted-root") == "root.json");
  BOOST_TEST(
      FlagDefaults(c, "verify", Flags(declared, {"certificate-identity"}), env).count("policy") ==
      0u);
  // promote --key signs the VSA: the policy still applies.
  BOOST_TEST(FlagDefaults(c, "promote", Flags(declared, {"key"}), env).at("policy") == "p.yaml");
  // --tuf-refresh excludes --trusted-root everywhere.
  BOOST_TEST(FlagDefaults(c, "verify-bundle", Flags(declared, {"tuf-refresh"}), env)
                 .count("trusted-root") == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(environment_table)

BOOST_AUTO_TEST_CASE(secrets_report_only_whether_they_are_set) {
  const std::vector<EnvState> states = ReadEnvironment(FakeEnv({{"SIGSTORE_ID_TOKEN", "eyJ.secret"},
                                                                {"VOUCH_TRUSTED_ROOT", "/r.json"},
                                                                {"VOUCH_VECTORS", "x"}}));
  std::set<std::string> names;
  for (const EnvState& s : states) {
    names.insert(std::string(s.variable->name));
    if (s.variable->name == "SIGSTORE_ID_TOKEN") {
      BOOST_TEST(s.set);
      BOOST_TEST(s.variable->secret);
      BOOST_TEST(s.value.empty());
    }
    if (s.variable->name == "VOUCH_TRUSTED_ROOT") {
      BOOST_TEST(s.set);
      BOOST_TEST(s.value == "/r.json");
    }
    if (s.variable->name == "DOCKER_CONFIG") {
      BOOST_TEST(!s.set);
    }
  }
  BOOST_TEST(names.size() == states.size());  // each variable once
  for (const char* name : {"VOUCH_CONFIG", "VOUCH_TRUSTED_ROOT", "SIGSTORE_ID_TOKEN",
                           "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "DOCKER_CONFIG", "REGISTRY_AUTH_FILE",
                           "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "VOUCH_PASSWORD"}) {
    BOOST_TEST(names.count(name) == 1u, name);
  }
  BOOST_TEST(names.count("VOUCH_VECTORS") == 0u);  // the test suites' own, not vouch's
  for (const EnvVariable& v : EnvironmentVariables()) {
    const bool looks_secret = std::string_view(v.name).find("PASSWORD") != std::string_view::npos ||
                              std::string_view(v.name).find("TOKEN") != std::string_view::npos ||
                              v.name == "VOUCH_PKCS11_PIN";
    BOOST_TEST(v.secret == (looks_secret && v.name != "ACTIONS_ID_TOKEN_REQUEST_URL"), v.name);
  }
  // Every key with an environment variable names one of the table.
  for (const ConfigKey& k : ConfigKeys()) {
    if (!k.env.empty()) {
      BOOST_TEST(names.count(std::string(k.env)) == 1u, k.env);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::config
