// Registry configuration as the container tools keep it: per-host certificate directories
// (certs.d) and registries.conf.
#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "registry/fake_registry.h"
#include "registry/test_images.h"
#include "testutil/testutil.h"
#include "vouch/registry/client.h"
#include "vouch/registry/registries_conf.h"
#include "vouch/registry/transport.h"

namespace vouch::registry {
namespace {

using vouch::testing::TempDir;

// Put writes |content| to |path|, creating its directories.
void Put(const std::string& path, const std::string& content) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  vouch::testing::WriteText(path, content);
}

BOOST_AUTO_TEST_SUITE(CertsDir)

BOOST_AUTO_TEST_CASE(FirstExistingHostDirectoryWins) {
  TempDir dir;
  std::filesystem::create_directories(dir.File("a"));
  Put(dir.File("b/reg.example:5000/z.crt"), "z");
  Put(dir.File("b/reg.example:5000/a.crt"), "a");
  Put(dir.File("b/reg.example:5000/client.cert"), "c");
  Put(dir.File("b/reg.example:5000/client.key"), "k");
  Put(dir.File("b/reg.example:5000/notes.txt"), "ignored");
  Put(dir.File("c/reg.example:5000/other.crt"), "not read: b has the host");
  Put(dir.File("c/reg.example/plain.crt"), "p");
  std::vector<std::string> roots = {dir.File("a"), dir.File("b"), dir.File("c")};
  auto found = FindHostCertificates(roots, "reg.example:5000");
  BOOST_REQUIRE_MESSAGE(found.ok(), found.status().ToString());
  BOOST_TEST(found->ca_files == (std::vector<std::string>{dir.File("b/reg.example:5000/a.crt"),
                                                          dir.File("b/reg.example:5000/z.crt")}),
             boost::test_tools::per_element());
  BOOST_TEST(found->client_cert == dir.File("b/reg.example:5000/client.cert"));
  BOOST_TEST(found->client_key == dir.File("b/reg.example:5000/client.key"));
  // The port is part of the directory name.
  auto plain = FindHostCertificates(roots, "reg.example");
  BOOST_REQUIRE(plain.ok());
  BOOST_TEST(plain->ca_files.size() == 1u);
  BOOST_TEST(plain->client_cert.empty());
  auto none = FindHostCertificates(roots, "other.example");
  BOOST_REQUIRE(none.ok());
  BOOST_TEST(none->empty());
  // A name that would leave the root is never looked up.
  BOOST_TEST(FindHostCertificates(roots, "..")->empty());
  BOOST_TEST(FindHostCertificates(roots, "reg.example:5000/..")->empty());
}

BOOST_AUTO_TEST_CASE(ClientCertificateWithoutKeyIsAnError) {
  TempDir dir;
  Put(dir.File("r/reg.example/client.cert"), "c");
  auto found = FindHostCertificates({dir.File("r")}, "reg.example");
  BOOST_TEST(IsInvalidArgument(found.status()));
  BOOST_TEST(
      found.status().message().find("client.cert has no matching client.key") != std::string::npos,
      found.status().ToString());
}

BOOST_AUTO_TEST_CASE(RootsFromEnvironment) {
  setenv("VOUCH_CERTS_D_DIRS", "/one::/two", 1);
  BOOST_TEST(DefaultCertsDirRoots() == (std::vector<std::string>{"/one", "/two"}),
             boost::test_tools::per_element());
  setenv("VOUCH_CERTS_D_DIRS", "", 1);
  BOOST_TEST(DefaultCertsDirRoots().empty());
  unsetenv("VOUCH_CERTS_D_DIRS");
  setenv("XDG_CONFIG_HOME", "/cfg", 1);
  BOOST_TEST(DefaultCertsDirRoots() ==
                 (std::vector<std::string>{"/cfg/containers/certs.d", "/etc/containers/certs.d",
                                           "/etc/docker/certs.d"}),
             boost::test_tools::per_element());
  unsetenv("XDG_CONFIG_HOME");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(RegistriesConfFile)

Reference Ref(const std::string& text) {
  auto r = ParseReference(text);
  BOOST_REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  return *r;
}

std::vector<std::string> Names(const std::vector<Endpoint>& endpoints) {
  std::vector<std::string> out;
  for (const Endpoint& e : endpoints) {
    out.push_back(e.ref.ToString() + (e.mirror ? " mirror" : "") + (e.insecure ? " insecure" : ""));
  }
  return out;
}

constexpr const char* kConf = R"(
unqualified-search-registries = ["docker.io"]
[aliases]
"app" = "b.example/lib/app"

[[registry]]
prefix = "b.example/lib"
location = "c.example/base"
insecure = true

[[registry.mirror]]
location = "a.example/mirror"

[[registry.mirror]]
location = "m2.example:5000/lib"
insecure = true
pull-from-mirror = "digest-only"

[[registry]]
prefix = "b.example"

[[registry]]
location = "blocked.example"
blocked = true

[[registry]]
prefix = "*.corp.example"
[[registry.mirror]]
location = "cache.corp.example"
)";

BOOST_AUTO_TEST_CASE(MirrorsThenPrimaryLongestPrefixWins) {
  RegistriesConf conf;
  BOOST_REQUIRE(ParseRegistriesConf(kConf, "main.conf", conf).ok());
  BOOST_REQUIRE(conf.registries.size() == 4u);
  auto pull = PullEndpoints(conf, Ref("b.example/lib/app:v1"));
  BOOST_REQUIRE(pull.ok());
  BOOST_TEST(Names(*pull) == (std::vector<std::string>{"a.example/mirror/app:v1 mirror",
                                                       "m2.example:5000/lib/app:v1 mirror insecure",
                                                       "c.example/base/app:v1 insecure"}),
             boost::test_tools::per_element());
  // Pushes go to the primary, never to a mirror.
  auto push = PushEndpoint(conf, Ref("b.example/lib/app:v1"));
  BOOST_REQUIRE(push.ok());
  BOOST_TEST(push->ref.ToString() == "c.example/base/app:v1");
  // A digest-only mirror serves digests, not tags.
  BOOST_TEST(!(*pull)[1].Serves("v1"));
  BOOST_TEST((*pull)[1].Serves("sha256:" + std::string(64, 'a')));
  BOOST_TEST((*pull)[0].Serves("v1"));
  // "b.example/lib" is a path prefix: "b.example/library" falls to the "b.example" entry.
  auto other = PullEndpoints(conf, Ref("b.example/library/app@sha256:" + std::string(64, 'b')));
  BOOST_REQUIRE(other.ok());
  BOOST_TEST(Names(*other) ==
                 (std::vector<std::string>{"b.example/library/app@sha256:" + std::string(64, 'b')}),
             boost::test_tools::per_element());
  // A wildcard matches the hosts below the domain.
  auto wild = PullEndpoints(conf, Ref("git.corp.example/team/app:v2"));
  BOOST_REQUIRE(wild.ok());
  BOOST_TEST(Names(*wild) == (std::vector<std::string>{"cache.corp.example/team/app:v2 mirror",
                                                       "git.corp.example/team/app:v2"}),
             boost::test_tools::per_element());
  // Unmatched references are left alone.
  auto none = PullEndpoints(conf, Ref("z.example/app:v1"));
  BOOST_REQUIRE(none.ok() && none->size() == 1u);
  BOOST_TEST(conf.InsecureHosts() == (std::set<std::string>{"c.example", "m2.example:5000"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(BlockedNamesTheFile) {
  RegistriesConf conf;
  BOOST_REQUIRE(ParseRegistriesConf(kConf, "main.conf", conf).ok());
  auto blocked = PullEndpoints(conf, Ref("blocked.example/app:v1"));
  BOOST_TEST((blocked.status().code() == ErrorCode::kPermissionDenied));
  BOOST_TEST(blocked.status().message().find("main.conf") != std::string::npos,
             blocked.status().ToString());
  BOOST_TEST((PushEndpoint(conf, Ref("blocked.example/app:v1")).status().code() ==
              ErrorCode::kPermissionDenied));
}

BOOST_AUTO_TEST_CASE(DropInReplacesTheSamePrefix) {
  RegistriesConf conf;
  BOOST_REQUIRE(ParseRegistriesConf(kConf, "main.conf", conf).ok());
  BOOST_REQUIRE(ParseRegistriesConf("[[registry]]\nprefix = \"b.example/lib\"\n"
                                    "mirror-by-digest-only = true\n"
                                    "[[registry.mirror]]\nlocation = \"d.example/lib\"\n",
                                    "50-drop.conf", conf)
                    .ok());
  BOOST_TEST(conf.registries.size() == 4u);
  auto pull = PullEndpoints(conf, Ref("b.example/lib/app:v1"));
  BOOST_REQUIRE(pull.ok());
  BOOST_TEST(Names(*pull) ==
                 (std::vector<std::string>{"d.example/lib/app:v1 mirror", "b.example/lib/app:v1"}),
             boost::test_tools::per_element());
  BOOST_TEST(!(*pull)[0].Serves("v1"));  // mirror-by-digest-only
  BOOST_TEST(conf.Match(Ref("b.example/lib/app:v1"))->source == "50-drop.conf");
}

BOOST_AUTO_TEST_CASE(MalformedFilesAreNamed) {
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"[[registry]]\nprefix = \"a\n", "bad.conf:2:"},
      {"[[registry]]\nprefix = 1\n", "\"prefix\" must be a string"},
      {"[[registry]]\ninsecure = \"yes\"\n", "\"insecure\" must be a boolean"},
      {"[[registry]]\ninsecure = true\n", "neither \"prefix\" nor \"location\""},
      {"[[registry]]\nprefix = \"*.x.example\"\nlocation = \"y.example\"\n", "wildcard"},
      {"[[registry]]\nprefix = \"x.example\"\n[[registry.mirror]]\nlocation = \"m\"\n"
       "pull-from-mirror = \"sometimes\"\n",
       "pull-from-mirror"},
      {"[[registry]]\nprefix = \"x.example\"\n[[registry.mirror]]\ninsecure = true\n",
       "\"location\" is missing"},
      {"registry = \"x\"\n", "array of tables"},
  };
  for (const Case& c : cases) {
    RegistriesConf conf;
    Status s = ParseRegistriesConf(c.text, "bad.conf", conf);
    BOOST_TEST(IsInvalidArgument(s), c.text);
    BOOST_TEST(s.message().find("bad.conf") != std::string::npos, s.ToString());
    BOOST_TEST(s.message().find(c.message) != std::string::npos, s.ToString());
  }
}

BOOST_AUTO_TEST_CASE(PathsAndDropIns) {
  TempDir dir;
  Put(dir.File("containers/registries.conf"), "");
  Put(dir.File("containers/registries.conf.d/20-b.conf"), "");
  Put(dir.File("containers/registries.conf.d/10-a.conf"), "");
  Put(dir.File("containers/registries.conf.d/notes.txt"), "");
  setenv("XDG_CONFIG_HOME", dir.path().c_str(), 1);
  BOOST_TEST(RegistriesConfPaths() ==
                 (std::vector<std::string>{dir.File("containers/registries.conf"),
                                           dir.File("containers/registries.conf.d/10-a.conf"),
                                           dir.File("containers/registries.conf.d/20-b.conf")}),
             boost::test_tools::per_element());
  setenv("CONTAINERS_REGISTRIES_CONF", "/only/this.conf", 1);
  BOOST_TEST(RegistriesConfPaths() == (std::vector<std::string>{"/only/this.conf"}),
             boost::test_tools::per_element());
  unsetenv("CONTAINERS_REGISTRIES_CONF");
  unsetenv("XDG_CONFIG_HOME");
  Put(dir.File("broken.conf"), "[[registry]\n");
  auto loaded = LoadRegistriesConf({dir.File("missing.conf"), dir.File("broken.conf")});
  BOOST_TEST(IsInvalidArgument(loaded.status()));
  BOOST_TEST(loaded.status().message().find(dir.File("broken.conf")) != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

// The client reads through the mirrors and writes to the primary (fake registry: "down.test"
// does not resolve, "mirror.test" serves reg.test's repositories).
BOOST_AUTO_TEST_SUITE(MirroredClient)

BOOST_AUTO_TEST_CASE(ReadsFromTheMirrorWritesToThePrimary) {
  auto reg = std::make_shared<testing::FakeRegistry>();
  reg->mirror_hosts = {"mirror.test"};
  std::string digest = testing::PushImage(*reg, "team/app", "v1", "amd64");
  auto conf = std::make_shared<RegistriesConf>();
  BOOST_REQUIRE(ParseRegistriesConf("[[registry]]\nprefix = \"down.test/team\"\n"
                                    "[[registry.mirror]]\nlocation = \"mirror.test/team\"\n"
                                    "[[registry]]\nprefix = \"reg.test/blocked\"\n"
                                    "blocked = true\n",
                                    "test.conf", *conf)
                    .ok());
  ClientOptions o = testing::FastOptions(reg);
  o.registries_conf = conf;
  Client client(o);
  auto repo = client.Open(*ParseReference("down.test/team/app:v1"));
  BOOST_REQUIRE(repo.ok());
  BOOST_TEST((*repo)->reference().ToString() == "down.test/team/app:v1");
  auto d = (*repo)->Resolve("v1");
  BOOST_REQUIRE_MESSAGE(d.ok(), d.status().ToString());
  BOOST_TEST(d->digest.ToString() == digest);
  BOOST_TEST(reg->CountRequests("HEAD mirror.test/v2/team/app/manifests/v1") == 1);
  auto m = (*repo)->FetchManifest(digest);
  BOOST_REQUIRE(m.ok());
  // What the mirror lacks falls through to the primary, whose error is the answer.
  auto missing = (*repo)->Resolve("nope");
  BOOST_TEST(!missing.ok());
  BOOST_TEST(missing.status().message().find("mirror mirror.test/team/app") != std::string::npos,
             missing.status().ToString());
  BOOST_TEST(missing.status().message().find("down.test") != std::string::npos,
             missing.status().ToString());
  // Opened for pushing, the repository is the primary only.
  auto push = client.Open(*ParseReference("down.test/team/app:v1"), Access::kPullPush);
  BOOST_REQUIRE(push.ok());
  BOOST_TEST(!(*push)->Resolve("v1").ok());
  // Blocked references do not open.
  BOOST_TEST((client.Open(*ParseReference("reg.test/blocked/x:v1")).status().code() ==
              ErrorCode::kPermissionDenied));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::registry
