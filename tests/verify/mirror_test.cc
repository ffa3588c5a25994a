// `vouch verify` of a reference on an empty registry namespace, through a registries.conf mirror
// that holds the image and its signature: what the mirror lacks (a legacy .sig tag) falls through
// to the primary, whose 404 is the answer. (tests/registry/integration_test.cc resolves and copies
// through a mirror while the primary is down.)
#include <boost/test/unit_test.hpp>
#include <string>

#include "images/common.h"

namespace vouch::images_test {
namespace {

BOOST_AUTO_TEST_CASE(VerifyThroughAMirror) {
  Env env;
  const std::string k1 = env.Key("k1");
  const std::string repo = RepoName("mirror") + "/single";
  const std::string image = env.Image("single", repo);
  env.MustVouch({"sign", image, "--key", k1});
  // "Registry B": an empty namespace, mirrored by the namespace holding the signed image.
  const std::string b = Reg() + "/" + RepoName("empty-b");
  WriteText(env.dir.File("registries.conf"), "[[registry]]\nprefix = \"" + b +
                                                 "\"\n[[registry.mirror]]\nlocation = \"" + Reg() +
                                                 "/" + RepoName("mirror") + "\"\n");
  RunOptions o = env.Options();
  o.env["CONTAINERS_REGISTRIES_CONF"] = env.dir.File("registries.conf");
  RunResult r = vouch::testing::Vouch({"verify", b + "/single:v1", "--key", env.Pub("k1")}, o);
  BOOST_TEST(r.exit_code == 0, r.out << r.err);
  // Without the mirror B has no such image: could not check.
  RunResult empty = env.Vouch({"verify", b + "/single:v1", "--key", env.Pub("k1")});
  BOOST_TEST(empty.exit_code == 3, empty.out << empty.err);
}

}  // namespace
}  // namespace vouch::images_test
