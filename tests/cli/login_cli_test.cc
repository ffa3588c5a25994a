// `vouch login --password-stdin` reads a bounded amount: a password or registry token is a few
// KiB, and a mistaken redirect (a disk image, /dev/zero) must not be read into memory. No network:
// --no-verify stores the credentials without asking the registry.
#include <boost/test/unit_test.hpp>

#include <filesystem>
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
  RunResult big = Vouch(
      {"login", "registry.example.test", "-u", "ci", "--password-stdin", "--no-verify"}, o);
  BOOST_TEST(big.exit_code == 2, big.err);
  BOOST_TEST(big.err.find("longer than 16384 bytes") != std::string::npos, big.err);
  BOOST_TEST(!std::filesystem::exists(dir.File("config.json")));

  o.stdin_data = std::string(16 * 1024 - 1, 'x') + "\n";  // at the cap, newline included
  RunResult ok = Vouch(
      {"login", "registry.example.test", "-u", "ci", "--password-stdin", "--no-verify"}, o);
  BOOST_TEST(ok.exit_code == 0, ok.err);
  BOOST_TEST(std::filesystem::exists(dir.File("config.json")));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::testing
