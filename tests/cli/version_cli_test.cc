// `vouch version` reports this build (the commit it was built from, as git says) and the
// libraries it was built with; `vouch help` of an unknown command is a usage error.
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>
#include <regex>
#include <string>

#include "testutil/testutil.h"

namespace vouch::testing {
namespace {

BOOST_AUTO_TEST_SUITE(version_cli)

BOOST_AUTO_TEST_CASE(version_json_names_the_commit_and_the_libraries) {
  RunResult r = Vouch({"version", "--output", "json"});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const nlohmann::json j = nlohmann::json::parse(r.out);
  BOOST_TEST(j["schemaVersion"] == 1);
  BOOST_TEST(std::regex_match(j["version"].get<std::string>(), std::regex(R"(\d+\.\d+\.\d+)")));
  // The commit is the source tree's, when it is a git checkout (the CI's is).
  RunResult head = Run({"git", "-C", SourceDir(), "rev-parse", "HEAD"});
  const std::string commit = j["commit"].get<std::string>();
  if (head.exit_code == 0) {
    BOOST_TEST(commit.rfind(head.out.substr(0, 40), 0) == 0u, commit << " vs " << head.out);
    BOOST_TEST(std::regex_match(j["commitDate"].get<std::string>(),
                                std::regex(R"(\d{4}-\d\d-\d\dT.*)")));
  } else {
    BOOST_TEST(commit == "unknown");
  }
  for (const char* lib : {"openssl", "libcurl", "nlohmann_json", "cxxopts", "libsodium", "re2",
                          "libp11", "hiredis", "libcbor", "tomlplusplus", "yaml-cpp", "boost"}) {
    BOOST_TEST_CONTEXT(lib) {
      BOOST_REQUIRE(j["libraries"].contains(lib));
      BOOST_TEST(std::regex_match(j["libraries"][lib]["built"].get<std::string>(),
                                  std::regex(R"(\d[\w.+~-]*)")),
                 j["libraries"][lib].dump());
    }
  }
  BOOST_TEST(j["libraries"]["openssl"]["runtime"].get<std::string>().rfind("3.", 0) == 0u);
  BOOST_TEST(!j["libraries"]["libcurl"]["runtime"].get<std::string>().empty());

  RunResult text = Vouch({"--version"});
  BOOST_TEST(text.exit_code == 0, text.err);
  BOOST_TEST(text.out.rfind("vouch " + j["version"].get<std::string>() + "\n", 0) == 0u,
             text.out);
  BOOST_TEST(text.out.find("commit " + commit) != std::string::npos, text.out);
  BOOST_TEST(Vouch({"version", "--output", "yaml"}).exit_code == 2);
}

// output_cli_test.cc checks `vouch help CMD` against `vouch CMD --help` for every command.
BOOST_AUTO_TEST_CASE(help_of_an_unknown_command_is_a_usage_error) {
  RunResult unknown = Vouch({"help", "frobnicate"});
  BOOST_TEST(unknown.exit_code == 2);
  BOOST_TEST(unknown.err.find("unknown command \"frobnicate\"") != std::string::npos, unknown.err);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::testing
