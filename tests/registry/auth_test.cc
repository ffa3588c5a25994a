// WWW-Authenticate parsing (table), docker config credentials and helpers, login/logout files.
#include <sys/stat.h>

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <ostream>

#include "testutil/testutil.h"
#include "vouch/registry/auth.h"

namespace vouch::registry {
namespace {

namespace bdata = boost::unit_test::data;

struct ChallengeCase {
  std::string header;
  bool ok;
  // expected: "scheme{k=v;k=v}|scheme{...}"
  std::string expected;
};
std::ostream& operator<<(std::ostream& os, const ChallengeCase& c) { return os << c.header; }

std::string Render(const std::vector<Challenge>& cs) {
  std::string out;
  for (const auto& c : cs) {
    out += (out.empty() ? "" : "|") + c.scheme + "{";
    bool first = true;
    for (const auto& [k, v] : c.params) {
      out += (first ? "" : ";") + k + "=" + v;
      first = false;
    }
    out += "}";
  }
  return out;
}

const ChallengeCase kChallenges[] = {
    {R"(Basic realm="my-registry")", true, "basic{realm=my-registry}"},
    {R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push")",
     true,
     "bearer{realm=https://auth.docker.io/token;scope=repository:samalba/my-app:pull,push;service="
     "registry.docker.io}"},
    {R"(BEARER Realm="r", Service=svc)", true, "bearer{realm=r;service=svc}"},
    {R"(Bearer realm="a\"b\\c",scope="x y")", true, R"(bearer{realm=a"b\c;scope=x y})"},
    {R"(Bearer realm="r",error="insufficient_scope",scope="repository:a:pull")", true,
     "bearer{error=insufficient_scope;realm=r;scope=repository:a:pull}"},
    {R"(Basic realm="a, b", Bearer realm="t",service="s")", true,
     "basic{realm=a, b}|bearer{realm=t;service=s}"},
    {R"(Negotiate abc123==)", true, "negotiate{=abc123==}"},
    {R"(Basic)", true, "basic{}"},
    {R"(Basic realm="x",, Bearer realm="y")", true, "basic{realm=x}|bearer{realm=y}"},
    {R"(Bearer realm="unterminated)", false, ""},
    {R"(Bearer realm="a",=x)", false, ""},
    {R"(Bearer realm=)", true, "bearer{=realm=}"},  // a token68
    {R"(=bad)", false, ""},
    {R"(Bearer realm="r" junk)", false, ""},
    // token68 is alphanumerics and -._~+/ with '=' only as trailing padding (www_authenticate_fuzz).
    {R"(Bearer =x=y)", false, ""},
    {R"(Negotiate ab/c+~== , Basic realm=r)", true, "negotiate{=ab/c+~==}|basic{realm=r}"},
};

BOOST_DATA_TEST_CASE(ChallengeTable, bdata::make(kChallenges), c) {
  auto r = ParseChallenges({c.header});
  BOOST_TEST(r.ok() == c.ok, r.status().ToString());
  if (c.ok && r.ok()) {
    BOOST_TEST(Render(*r) == c.expected);
  }
  if (!c.ok) {
    BOOST_TEST(IsInvalidArgument(r.status()));
  }
}

BOOST_AUTO_TEST_CASE(SeveralHeaders) {
  auto r = ParseChallenges({"Basic realm=\"a\"", "Bearer realm=\"b\""});
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(Render(*r) == "basic{realm=a}|bearer{realm=b}");
}

BOOST_AUTO_TEST_CASE(NormalizeKeys) {
  BOOST_TEST(NormalizeAuthKey("https://index.docker.io/v1/") == "docker.io");
  BOOST_TEST(NormalizeAuthKey("registry-1.docker.io") == "docker.io");
  BOOST_TEST(NormalizeAuthKey("https://ghcr.io/v2/") == "ghcr.io");
  BOOST_TEST(NormalizeAuthKey("Myreg:5000") == "myreg:5000");
}

std::string B64(const std::string& s) { return Base64Encode(AsBytes(s)); }

BOOST_AUTO_TEST_CASE(DockerConfigAuths) {
  vouch::testing::TempDir dir;
  std::string cfg = dir.File("config.json");
  vouch::testing::WriteText(
      cfg, R"({"auths":{"https://index.docker.io/v1/":{"auth":")" + B64("hub:pa:ss") +
               R"("},"myreg:5000":{"username":"u2","password":"p2"},"tok.example":{"identitytoken":"refresh"},
"bad.example":{"auth":"!!!"}}})");
  auto store = NewDockerConfigStore({cfg});
  auto hub = store->Lookup("docker.io");
  BOOST_REQUIRE(hub.ok());
  BOOST_REQUIRE(hub->has_value());
  BOOST_TEST((*hub)->username == "hub");
  BOOST_TEST((*hub)->password.view() == "pa:ss");  // split at the first ':'
  auto mine = store->Lookup("myreg:5000");
  BOOST_REQUIRE(mine.ok() && mine->has_value());
  BOOST_TEST((*mine)->username == "u2");
  auto tok = store->Lookup("tok.example");
  BOOST_REQUIRE(tok.ok() && tok->has_value());
  BOOST_TEST((*tok)->identity_token.view() == "refresh");
  auto none = store->Lookup("other.example");
  BOOST_REQUIRE(none.ok());
  BOOST_TEST(!none->has_value());
  BOOST_TEST(IsInvalidArgument(store->Lookup("bad.example").status()));
  // Missing files are skipped; a malformed file is an error.
  vouch::testing::WriteText(dir.File("broken.json"), "{");
  BOOST_TEST(!NewDockerConfigStore({dir.File("missing.json"), dir.File("broken.json")})
                  ->Lookup("x")
                  .ok());
}

BOOST_AUTO_TEST_CASE(CredentialHelpers) {
  vouch::testing::TempDir dir;
  // A fake helper: prints credentials for reg.example, "not found" otherwise.
  std::string helper = dir.File("docker-credential-fake");
  vouch::testing::WriteText(helper, R"(#!/bin/sh
read server
case "$server" in
  reg.example) echo '{"ServerURL":"reg.example","Username":"hu","Secret":"hs"}' ;;
  tok.example) echo '{"ServerURL":"tok.example","Username":"<token>","Secret":"idtok"}' ;;
  crash.example) exit 3 ;;
  *) echo 'credentials not found in native keychain'; exit 1 ;;
esac
)");
  chmod(helper.c_str(), 0755);
  std::string old_path = std::getenv("PATH") ? std::getenv("PATH") : "";
  setenv("PATH", (dir.path() + ":" + old_path).c_str(), 1);
  std::string cfg = dir.File("config.json");
  vouch::testing::WriteText(cfg, R"({"credHelpers":{"reg.example":"fake","tok.example":"fake","crash.example":"fake","nf.example":"fake"},
 "auths":{"reg.example":{"auth":")" + B64("ignored:x") + R"("}}})");
  auto store = NewDockerConfigStore({cfg});
  auto c = store->Lookup("reg.example");
  BOOST_REQUIRE(c.ok() && c->has_value());
  BOOST_TEST((*c)->username == "hu");  // credHelpers wins over auths
  BOOST_TEST((*c)->password.view() == "hs");
  auto t = store->Lookup("tok.example");
  BOOST_REQUIRE(t.ok() && t->has_value());
  BOOST_TEST((*t)->identity_token.view() == "idtok");
  auto nf = store->Lookup("nf.example");
  BOOST_REQUIRE(nf.ok());
  BOOST_TEST(!nf->has_value());
  BOOST_TEST(IsUnavailable(store->Lookup("crash.example").status()));
  // credsStore applies to every host without a credHelpers entry.
  vouch::testing::WriteText(cfg, R"({"credsStore":"fake"})");
  auto s = NewDockerConfigStore({cfg})->Lookup("reg.example");
  BOOST_REQUIRE(s.ok() && s->has_value());
  BOOST_TEST((*s)->username == "hu");
  // A helper that is not installed is an operational error naming the program.
  vouch::testing::WriteText(cfg, R"({"credsStore":"not-installed-3f9a"})");
  auto missing = NewDockerConfigStore({cfg})->Lookup("reg.example");
  BOOST_TEST(IsUnavailable(missing.status()), missing.status().ToString());
  BOOST_TEST(missing.status().message().find("docker-credential-not-installed-3f9a") !=
             std::string::npos);
  // A helper that never reads its stdin still answers (no SIGPIPE, no hang).
  std::string deaf = dir.File("docker-credential-deaf");
  vouch::testing::WriteText(deaf,
                            "#!/bin/sh\nexec echo '{\"Username\":\"d\",\"Secret\":\"s\"}'\n");
  chmod(deaf.c_str(), 0755);
  vouch::testing::WriteText(cfg, R"({"credsStore":"deaf"})");
  auto d = NewDockerConfigStore({cfg})->Lookup("reg.example");
  BOOST_REQUIRE(d.ok() && d->has_value());
  BOOST_TEST((*d)->username == "d");
  setenv("PATH", old_path.c_str(), 1);
}

BOOST_AUTO_TEST_CASE(ConfigPathsFromEnvironment) {
  // containers-auth.json(5) order: the primary file or its override, the user's config
  // directory, docker's file.
  const char* home = std::getenv("HOME");
  const std::string saved_home = home != nullptr ? home : "";
  setenv("HOME", "/h", 1);
  setenv("DOCKER_CONFIG", "/d", 1);
  setenv("XDG_RUNTIME_DIR", "/run/u", 1);
  setenv("XDG_CONFIG_HOME", "/c", 1);
  setenv("REGISTRY_AUTH_FILE", "/r/auth.json", 1);
  using Paths = std::vector<std::string>;
  BOOST_TEST(DockerConfigPaths() == (Paths{"/r/auth.json", "/c/containers/auth.json",
                                           "/d/config.json"}),
             boost::test_tools::per_element());
  BOOST_TEST(DockerConfigWritePath() == "/r/auth.json");
  unsetenv("REGISTRY_AUTH_FILE");
  BOOST_TEST(DockerConfigPaths() == (Paths{"/run/u/containers/auth.json",
                                           "/c/containers/auth.json", "/d/config.json"}),
             boost::test_tools::per_element());
  BOOST_TEST(DockerConfigWritePath() == "/d/config.json");
  unsetenv("XDG_RUNTIME_DIR");
  unsetenv("XDG_CONFIG_HOME");
  unsetenv("DOCKER_CONFIG");
  BOOST_TEST(DockerConfigPaths() == (Paths{"/h/.config/containers/auth.json",
                                           "/h/.docker/config.json"}),
             boost::test_tools::per_element());
  BOOST_TEST(DockerConfigWritePath() == "/h/.docker/config.json");
  setenv("HOME", saved_home.c_str(), 1);
}

BOOST_AUTO_TEST_CASE(FirstFileWithAnAnswerWins) {
  vouch::testing::TempDir dir;
  vouch::testing::WriteText(dir.File("runtime.json"),
                            R"({"auths":{"a.example":{"auth":")" + B64("run:1") + R"("}}})");
  vouch::testing::WriteText(dir.File("docker.json"),
                            R"({"auths":{"a.example":{"auth":")" + B64("dock:2") +
                                R"("},"b.example":{"auth":")" + B64("dock:3") + R"("}}})");
  auto store = NewDockerConfigStore(
      {dir.File("missing.json"), dir.File("runtime.json"), dir.File("docker.json")});
  auto a = store->Lookup("a.example");
  BOOST_REQUIRE(a.ok() && a->has_value());
  BOOST_TEST((*a)->username == "run");
  auto b = store->Lookup("b.example");
  BOOST_REQUIRE(b.ok() && b->has_value());
  BOOST_TEST((*b)->username == "dock");
}

BOOST_AUTO_TEST_CASE(LoginWritesDockerFormatAtomically0600) {
  vouch::testing::TempDir dir;
  std::string cfg = dir.File("sub/config.json");
  auto w = WriteDockerLogin(cfg, "myreg:5000", "bob", "pw:1");
  BOOST_REQUIRE(w.ok());
  struct stat st{};
  BOOST_REQUIRE(stat(cfg.c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0600u);
  auto c = NewDockerConfigStore({cfg})->Lookup("myreg:5000");
  BOOST_REQUIRE(c.ok() && c->has_value());
  BOOST_TEST((*c)->password.view() == "pw:1");
  // Other fields survive; docker.io is written under the v1 key.
  vouch::testing::WriteText(cfg, R"({"psFormat":"table","auths":{"other":{"auth":")" +
                                     B64("o:p") + R"("}}})");
  BOOST_REQUIRE(WriteDockerLogin(cfg, "docker.io", "hub", "x").ok());
  std::string text = vouch::testing::ReadText(cfg);
  BOOST_TEST(text.find("psFormat") != std::string::npos);
  BOOST_TEST(text.find("\"other\"") != std::string::npos);
  BOOST_TEST(text.find("https://index.docker.io/v1/") != std::string::npos);
  BOOST_TEST(RemoveDockerLogin(cfg, "index.docker.io").ok());
  BOOST_TEST(vouch::testing::ReadText(cfg).find("index.docker.io") == std::string::npos);
  BOOST_TEST(IsNotFound(RemoveDockerLogin(cfg, "docker.io")));
}

}  // namespace
}  // namespace vouch::registry
