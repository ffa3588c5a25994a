// The binary's side of packaging and configuration: `vouch completion`, `vouch env` (secrets
// never printed), and the config file of flag defaults with its precedence and its usage errors.
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "testutil/testutil.h"

namespace vouch::testing {
namespace {

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

BOOST_AUTO_TEST_SUITE(shell_cli)

BOOST_AUTO_TEST_CASE(completion_prints_a_script_per_shell_and_refuses_others) {
  RunResult bash = Vouch({"completion", "bash"});
  BOOST_REQUIRE_MESSAGE(bash.exit_code == 0, bash.err);
  // Every verb of `vouch --help`, subcommands of groups, and a command's flags.
  RunResult usage = Vouch({"--help"});
  for (const char* verb : {"sign", "verify-blob", "trusted-root", "env", "completion", "version"}) {
    BOOST_TEST(Contains(usage.out, std::string("  ") + verb + " "), verb);
    BOOST_TEST(Contains(bash.out, std::string(" ") + verb + " "), verb);
  }
  BOOST_TEST(!Contains(usage.out, "__man-pages"));
  BOOST_TEST(!Contains(bash.out, "__man-pages"));
  BOOST_TEST(Contains(bash.out, "'generate public info import-cosign export-cosign'"), bash.out);
  BOOST_TEST(Contains(bash.out, "'lint explain'"));
  BOOST_TEST(Contains(bash.out, "'update print'"));
  BOOST_TEST(Contains(bash.out, "'verify-bundle') words='--help --quiet --verbose --config"), bash.out);
  BOOST_TEST(Contains(Vouch({"completion", "zsh"}).out, "#compdef vouch"));
  BOOST_TEST(Contains(Vouch({"completion", "fish"}).out, "complete -c vouch"));
  RunResult tcsh = Vouch({"completion", "tcsh"});
  BOOST_TEST(tcsh.exit_code == 2);
  BOOST_TEST(Contains(tcsh.err, "unknown shell \"tcsh\""), tcsh.err);
  BOOST_TEST(Vouch({"completion"}).exit_code == 2);
}

BOOST_AUTO_TEST_CASE(env_lists_variables_and_never_prints_secrets) {
  RunOptions options;
  options.env = {{"SIGSTORE_ID_TOKEN", "eyJsecret-token"},
                 {"ACTIONS_ID_TOKEN_REQUEST_TOKEN", "gh-secret"},
                 {"VOUCH_TRUSTED_ROOT", "/etc/vouch/root.json"}};
  options.unset_env = {"DOCKER_CONFIG"};
  RunResult json = Vouch({"env", "--output", "json"}, options);
  BOOST_REQUIRE_MESSAGE(json.exit_code == 0, json.err);
  BOOST_TEST(!Contains(json.out, "eyJsecret-token"), json.out);
  BOOST_TEST(!Contains(json.out, "gh-secret"), json.out);
  const nlohmann::json j = nlohmann::json::parse(json.out);
  BOOST_TEST(j["schemaVersion"] == 1);
  std::map<std::string, nlohmann::json> by_name;
  for (const nlohmann::json& v : j["variables"]) {
    by_name[v["name"].get<std::string>()] = v;
  }
  BOOST_TEST(by_name["SIGSTORE_ID_TOKEN"]["set"] == true);
  BOOST_TEST(by_name["SIGSTORE_ID_TOKEN"]["secret"] == true);
  BOOST_TEST(!by_name["SIGSTORE_ID_TOKEN"].contains("value"));
  BOOST_TEST(by_name["VOUCH_TRUSTED_ROOT"]["value"] == "/etc/vouch/root.json");
  BOOST_TEST(by_name["DOCKER_CONFIG"]["set"] == false);
  BOOST_TEST(by_name.count("VOUCH_CONFIG") == 1u);
  BOOST_TEST(by_name.count("VOUCH_VECTORS") == 0u);

  RunResult text = Vouch({"env"}, options);
  BOOST_REQUIRE_MESSAGE(text.exit_code == 0, text.err);
  BOOST_TEST(!Contains(text.out, "eyJsecret-token"), text.out);
  BOOST_TEST(!Contains(text.out, "gh-secret"), text.out);
  BOOST_TEST(Contains(text.out, "SIGSTORE_ID_TOKEN"), text.out);
  BOOST_TEST(Contains(text.out, "= /etc/vouch/root.json"), text.out);
  BOOST_TEST(Vouch({"env", "extra"}).exit_code == 2);
}

BOOST_AUTO_TEST_CASE(config_file_defaults_yield_to_flags) {
  TempDir dir;
  const std::string file = dir.path() + "/vouch.yaml";
  WriteText(file, "output: json\n");
  // --config FILE on the command, before it, and $VOUCH_CONFIG all name the file.
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"version", "--config", file},
        std::vector<std::string>{"--config", file, "version"},
        std::vector<std::string>{"--config=" + file, "version"}}) {
    RunResult r = Vouch(args);
    BOOST_TEST(r.exit_code == 0, r.err);
    BOOST_TEST(nlohmann::json::accept(r.out), r.out);
  }
  RunOptions env_named;
  env_named.env["VOUCH_CONFIG"] = file;
  BOOST_TEST(nlohmann::json::accept(Vouch({"version"}, env_named).out));
  // The default file, under $XDG_CONFIG_HOME; a flag given wins over it.
  RunOptions xdg;
  xdg.env["XDG_CONFIG_HOME"] = dir.path();
  std::filesystem::create_directory(dir.path() + "/vouch");
  WriteText(dir.path() + "/vouch/config.yaml", "commands:\n  version:\n    output: json\n");
  BOOST_TEST(nlohmann::json::accept(Vouch({"version"}, xdg).out));
  RunResult flag = Vouch({"version", "--output", "text"}, xdg);
  BOOST_TEST(flag.out.rfind("vouch ", 0) == 0u, flag.out);
}

// trusted-root has an environment variable: flag > VOUCH_TRUSTED_ROOT > file. Which one was used
// shows in the error of opening it (none of the three exists).
BOOST_AUTO_TEST_CASE(flag_beats_environment_beats_config_file) {
  TempDir dir;
  const std::string file = dir.path() + "/vouch.yaml";
  WriteText(file, "trusted-root: " + dir.path() + "/file-root.json\n");
  WriteText(dir.path() + "/a.txt", "hi");
  WriteText(dir.path() + "/b.json", "{}");
  const std::vector<std::string> verify = {"verify-bundle",
                                           "--config",
                                           file,
                                           "--bundle",
                                           dir.path() + "/b.json",
                                           "--certificate-identity",
                                           "i",
                                           "--certificate-oidc-issuer",
                                           "u",
                                           dir.path() + "/a.txt"};
  RunOptions with_env;
  with_env.env["VOUCH_TRUSTED_ROOT"] = dir.path() + "/env-root.json";
  std::vector<std::string> with_flag = verify;
  with_flag.insert(with_flag.begin() + 1, {"--trusted-root", dir.path() + "/flag-root.json"});
  const struct {
    RunResult result;
    const char* used;
  } cases[] = {{Vouch(verify), "file-root.json"},
               {Vouch(verify, with_env), "env-root.json"},
               {Vouch(with_flag, with_env), "flag-root.json"}};
  for (const auto& c : cases) {
    BOOST_TEST(c.result.exit_code == 3, c.result.err);
    BOOST_TEST(Contains(c.result.err, dir.path() + "/" + c.used + ": No such file"), c.result.err);
  }
}

BOOST_AUTO_TEST_CASE(config_file_mistakes_are_usage_errors) {
  TempDir dir;
  const std::string file = dir.path() + "/vouch.yaml";
  WriteText(file, "output: json\ntrusted_root: /x\n");
  RunResult unknown = Vouch({"version", "--config", file});
  BOOST_TEST(unknown.exit_code == 2);
  BOOST_TEST(Contains(unknown.err, file + ": trusted_root: unknown key"), unknown.err);
  WriteText(file, "policy: [a, b]\n");
  RunResult type = Vouch({"--config", file, "env"});
  BOOST_TEST(type.exit_code == 2);
  BOOST_TEST(Contains(type.err, file + ": policy: must be a string"), type.err);
  RunResult missing = Vouch({"version", "--config", dir.path() + "/none.yaml"});
  BOOST_TEST(missing.exit_code == 2);
  BOOST_TEST(Contains(missing.err, "none.yaml does not exist"), missing.err);
  // A missing default file is no config at all.
  RunOptions xdg;
  xdg.env["XDG_CONFIG_HOME"] = dir.path() + "/empty";
  BOOST_TEST(Vouch({"version"}, xdg).exit_code == 0);
}

// vouch run as another user with the same HOME (sudo -u, setpriv) cannot read the default file:
// like git, it warns and goes on; a file it is told to read is an error. Root reads anything, so
// as root the binary runs as "nobody" through setpriv (util-linux).
BOOST_AUTO_TEST_CASE(unreadable_default_config_is_a_warning) {
  TempDir dir;
  std::filesystem::create_directory(dir.path() + "/vouch");
  const std::string file = dir.path() + "/vouch/config.yaml";
  WriteText(file, "output: json\n");
  std::filesystem::permissions(dir.path(), std::filesystem::perms(0755));
  std::filesystem::permissions(dir.path() + "/vouch", std::filesystem::perms(0755));
  std::filesystem::permissions(file, std::filesystem::perms::none);
  auto run = [&](std::vector<std::string> args) {
    std::vector<std::string> argv;
    if (geteuid() == 0) {
      argv.insert(argv.end(), {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"});
    }
    argv.push_back(VouchBin());
    argv.insert(argv.end(), args.begin(), args.end());
    RunOptions options;
    options.env["XDG_CONFIG_HOME"] = dir.path();
    options.unset_env = {"VOUCH_CONFIG"};
    return Run(argv, options);
  };
  RunResult skipped = run({"version"});
  BOOST_TEST(skipped.exit_code == 0, skipped.err);
  BOOST_TEST(skipped.out.rfind("vouch ", 0) == 0u, skipped.out);  // text: the file was not read
  BOOST_TEST(Contains(skipped.err, "warning: ignoring config file " + file), skipped.err);
  RunResult named = run({"version", "--config", file});
  BOOST_TEST(named.exit_code == 3, named.err);
  BOOST_TEST(Contains(named.err, "Permission denied"), named.err);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::testing
