// `vouch login --password-stdin` reads a bounded amount: a password or registry token is a few
// KiB, and a mistaken redirect (a disk image, /dev/zero) must not be read into memory. With a
// credential helper in the docker config, login and logout go through the helper (a fake script
// on PATH) and the config file never holds the secret. No network: --no-verify stores the
// credentials without asking the registry.
#include <sys/stat.h>

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "testutil/testutil.h"

namespace vouch::testing {
namespace {

BOOST_AUTO_TEST_SUITE(login_cli)

BOOST_AUTO_TEST_CASE(password_stdin_is_capped) {
  TempDir dir;
  RunOptions o;
  o.env["DOCKER_CONFIG"] = dir.path();
  o.timeout_seconds = 20;
  o.stdin_data = std::string(16 * 1024 + 1, 'x');
  RunResult big =
      Vouch({"login", "registry.example.test", "-u", "ci", "--password-stdin", "--no-verify"}, o);
  BOOST_TEST(big.exit_code == 2, big.err);
  BOOST_TEST(big.err.find("longer than 16384 bytes") != std::string::npos, big.err);
  BOOST_TEST(!std::filesystem::exists(dir.File("config.json")));

  o.stdin_data = std::string(16 * 1024 - 1, 'x') + "\n";  // at the cap, newline included
  RunResult ok =
      Vouch({"login", "registry.example.test", "-u", "ci", "--password-stdin", "--no-verify"}, o);
  BOOST_TEST(ok.exit_code == 0, ok.err);
  BOOST_TEST(std::filesystem::exists(dir.File("config.json")));
}

// FakeHelper writes docker-credential-fake into |dir|: it appends "<verb> <stdin>" to
// $FAKE_HELPER_LOG and, when $FAKE_HELPER_FAIL is set, fails as docker-credential-helpers do
// (message on stdout), echoing what it was given.
RunOptions FakeHelper(const TempDir& dir) {
  const std::string script = dir.File("bin/docker-credential-fake");
  std::filesystem::create_directories(dir.File("bin"));
  WriteText(script, R"(#!/bin/sh
in=$(cat)
printf '%s %s\n' "$1" "$in" >>"$FAKE_HELPER_LOG"
if [ -n "$FAKE_HELPER_FAIL" ]; then echo "keychain locked; got $in"; exit 1; fi
case "$1" in
  get) printf '{"ServerURL":"%s","Username":"ci","Secret":"s3cret-pw"}' "$in" ;;
esac
)");
  chmod(script.c_str(), 0755);
  RunOptions o;
  o.env["DOCKER_CONFIG"] = dir.path();
  o.env["PATH"] = dir.File("bin") + ":" + std::getenv("PATH");
  o.env["FAKE_HELPER_LOG"] = dir.File("helper.log");
  o.unset_env = {"REGISTRY_AUTH_FILE"};
  o.timeout_seconds = 20;
  return o;
}

BOOST_AUTO_TEST_CASE(credential_helper_store_and_erase) {
  TempDir dir;
  RunOptions o = FakeHelper(dir);
  WriteText(dir.File("config.json"), R"({"credsStore":"fake","psFormat":"table"})");
  o.stdin_data = "s3cret-pw\n";
  RunResult in =
      Vouch({"login", "reg.example.test:5000", "-u", "ci", "--password-stdin", "--no-verify"}, o);
  BOOST_REQUIRE_MESSAGE(in.exit_code == 0, in.err);
  BOOST_TEST(in.err.find("docker-credential-fake") != std::string::npos, in.err);
  // The secret reached the helper, in docker's store protocol...
  std::string log = ReadText(dir.File("helper.log"));
  BOOST_TEST(log.find("store ") == 0u, log);
  auto sent = nlohmann::json::parse(log.substr(6), nullptr, false);
  BOOST_REQUIRE(sent.is_object());
  BOOST_TEST(sent["ServerURL"] == "reg.example.test:5000");
  BOOST_TEST(sent["Username"] == "ci");
  BOOST_TEST(sent["Secret"] == "s3cret-pw");
  // ...and the config holds none of it: the other fields and an empty auths entry, as docker.
  std::string config = ReadText(dir.File("config.json"));
  BOOST_TEST(config.find("s3cret") == std::string::npos, config);
  BOOST_TEST(config.find("\"auth\"") == std::string::npos, config);
  auto j = nlohmann::json::parse(config, nullptr, false);
  BOOST_TEST(j["psFormat"] == "table");
  BOOST_TEST(j["auths"]["reg.example.test:5000"] == nlohmann::json::object());
  BOOST_TEST(in.err.find("s3cret") == std::string::npos, in.err);

  RunResult out = Vouch({"logout", "reg.example.test:5000"}, o);
  BOOST_REQUIRE_MESSAGE(out.exit_code == 0, out.err);
  BOOST_TEST(ReadText(dir.File("helper.log")).find("erase reg.example.test:5000\n") !=
             std::string::npos);
  j = nlohmann::json::parse(ReadText(dir.File("config.json")), nullptr, false);
  BOOST_TEST(!j["auths"].contains("reg.example.test:5000"));
}

BOOST_AUTO_TEST_CASE(credential_helper_failure_is_operational_and_masks_the_secret) {
  TempDir dir;
  RunOptions o = FakeHelper(dir);
  o.env["FAKE_HELPER_FAIL"] = "1";
  WriteText(dir.File("config.json"), R"({"credHelpers":{"reg.example.test":"fake"}})");
  o.stdin_data = "s3cret-pw";
  RunResult in =
      Vouch({"login", "reg.example.test", "-u", "ci", "--password-stdin", "--no-verify"}, o);
  BOOST_TEST(in.exit_code == 3, in.err);
  BOOST_TEST(in.err.find("docker-credential-fake store failed") != std::string::npos, in.err);
  BOOST_TEST(in.err.find("keychain locked") != std::string::npos, in.err);
  BOOST_TEST(in.err.find("s3cret") == std::string::npos, in.err);
  BOOST_TEST(ReadText(dir.File("config.json")).find("auths") == std::string::npos);
  RunResult out = Vouch({"logout", "reg.example.test"}, o);
  BOOST_TEST(out.exit_code == 3, out.err);
  BOOST_TEST(out.err.find("docker-credential-fake erase failed") != std::string::npos, out.err);
}

BOOST_AUTO_TEST_CASE(login_writes_registry_auth_file_when_set) {
  TempDir dir;
  RunOptions o;
  o.env["DOCKER_CONFIG"] = dir.File("docker");
  o.env["REGISTRY_AUTH_FILE"] = dir.File("containers/auth.json");
  o.stdin_data = "pw";
  o.timeout_seconds = 20;
  RunResult in =
      Vouch({"login", "reg.example.test", "-u", "ci", "--password-stdin", "--no-verify"}, o);
  BOOST_REQUIRE_MESSAGE(in.exit_code == 0, in.err);
  BOOST_TEST(std::filesystem::exists(dir.File("containers/auth.json")));
  BOOST_TEST(!std::filesystem::exists(dir.File("docker/config.json")));
  BOOST_TEST(Vouch({"logout", "reg.example.test"}, o).exit_code == 0);
  BOOST_TEST(ReadText(dir.File("containers/auth.json")).find("reg.example.test") ==
             std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::testing
