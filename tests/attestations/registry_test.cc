// `vouch provenance` against the real docker-registry fixture (tests/fixtures/registry.sh):
// --base-image and image --subject values are resolved to the digests the fixture pushed.
#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "core/internal/json.h"
#include "testutil/testutil.h"
#include "vouch/core/file.h"

namespace vouch {
namespace {

using testing::ReadText;
using testing::RunOptions;
using testing::RunResult;

std::string FixtureDir() { return vouch::testing::RegistryFixtureDir(); }
std::string OpenRegistry() { return vouch::testing::RegistryAddr("open"); }
std::string Known(const std::string& name) { return vouch::testing::KnownDigest(name); }

RunResult Vouch(const std::vector<std::string>& args) {
  RunOptions o;
  o.unset_env = {"GITHUB_ACTIONS", "GITLAB_CI", "REGISTRY_AUTH_FILE"};
  o.env["DOCKER_CONFIG"] = FixtureDir() + "/no-docker-config";
  return testing::Vouch(args, o);
}

const std::vector<std::string> kFlags = {"provenance",
                                         "--builder-id",
                                         "https://builder.test/b",
                                         "--build-type",
                                         "https://bt.test",
                                         "--source-uri",
                                         "https://github.com/org/repo",
                                         "--source-digest",
                                         "sha1:4d329c75e7ec1725f7c9ce917a8799d408d06be3"};

BOOST_AUTO_TEST_SUITE(provenance_registry)

BOOST_AUTO_TEST_CASE(base_images_are_resolved_to_their_digests) {
  std::string reg = OpenRegistry();
  std::vector<std::string> args = kFlags;
  args.insert(args.end(), {"--base-image", reg + "/fixture/multi:v1", "--base-image",
                           reg + "/fixture/single@" + Known("single")});
  RunResult r = Vouch(args);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  Json p = *ParseJson(r.out, "provenance");
  const Json& deps = p["buildDefinition"]["resolvedDependencies"];
  BOOST_REQUIRE(deps.size() == 3u);  // the source, then the base images in order
  BOOST_TEST(deps[1]["uri"] == reg + "/fixture/multi:v1");
  BOOST_TEST("sha256:" + deps[1]["digest"]["sha256"].get<std::string>() == Known("multi"));
  BOOST_TEST(deps[2]["uri"] == reg + "/fixture/single@" + Known("single"));
  BOOST_TEST("sha256:" + deps[2]["digest"]["sha256"].get<std::string>() == Known("single"));
}

BOOST_AUTO_TEST_CASE(image_subjects_registry_and_layout) {
  std::string reg = OpenRegistry();
  std::vector<std::string> args = kFlags;
  args.insert(args.end(), {"--statement", "--subject", reg + "/fixture/single:v1", "--subject",
                           "oci:" + FixtureDir() + "/layout:multi"});
  RunResult r = Vouch(args);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  Json st = *ParseJson(r.out, "statement");
  BOOST_REQUIRE(st["subject"].size() == 2u);
  BOOST_TEST(st["subject"][0]["name"] == reg + "/fixture/single");
  BOOST_TEST("sha256:" + st["subject"][0]["digest"]["sha256"].get<std::string>() ==
             Known("single"));
  BOOST_TEST(st["subject"][1]["name"] == "oci:" + FixtureDir() + "/layout");
  BOOST_TEST("sha256:" + st["subject"][1]["digest"]["sha256"].get<std::string>() == Known("multi"));
}

BOOST_AUTO_TEST_CASE(unknown_base_image_is_an_error) {
  std::vector<std::string> args = kFlags;
  args.insert(args.end(), {"--base-image", OpenRegistry() + "/fixture/absent:v1"});
  RunResult r = Vouch(args);
  BOOST_TEST(r.exit_code == 3, r.err);
  BOOST_TEST(r.err.find("fixture/absent:v1") != std::string::npos, r.err);
  BOOST_TEST(r.out.empty());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch
