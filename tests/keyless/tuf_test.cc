// `vouch trusted-root update` against a real TUF repository on loopback. The repository is
// produced by a peer (tests/fixtures/tuf_repo.mjs: metadata built and signed with tuf-js's
// @tufjs/models) as scenarios of two stages each, served by the same script on 127.0.0.1; the
// test points the served folder's `live` link at a stage, so that one URL (one cache folder)
// moves from a good state to the change under test. Each refused change names its reason and
// leaves every cache file as it was. tuf-js's own Updater accepts the good repository too.
#include <unistd.h>

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/internal/json.h"
#include "testutil/testutil.h"
#include "vouch/core/file.h"

namespace vouch {
namespace {

namespace bdata = boost::unit_test::data;
namespace fs = std::filesystem;
using testing::RunResult;
using testing::TempDir;

std::string Script() { return testing::SourceDir() + "/tests/fixtures/tuf_repo.mjs"; }

std::string ProductionTrustedRoot() {
  return testing::VectorsDir() + "/sigstore-trust-roots/production/trusted_root.json";
}

// Repository generates the scenarios once and serves them for the suite.
class Repository {
 public:
  Repository() {
    BOOST_REQUIRE_MESSAGE(std::getenv("PEERS_NODE") != nullptr,
                          "PEERS_NODE is not set (run through ctest: fixture node_peers)");
    RunResult gen =
        testing::Run({"node", Script(), "generate", dir_.File("repo"), ProductionTrustedRoot()});
    BOOST_REQUIRE_MESSAGE(gen.exit_code == 0, gen.err);
    testing::PortReservation port;
    url_ = "http://127.0.0.1:" + std::to_string(port.port()) + "/live";
    port.Release();
    server_ = std::make_unique<testing::Background>(
        std::vector<std::string>{"node", Script(), "serve", dir_.File("repo"),
                                 std::to_string(port.port())},
        dir_.File("server.log"));
    testing::WaitForLoopbackPort(port.port(), server_.get());
  }

  // Serve points the URL at |scenario|'s |stage|.
  void Serve(const std::string& scenario, const std::string& stage) {
    const std::string link = dir_.File("repo/live");
    fs::remove(link);
    fs::create_directory_symlink(Stage(scenario, stage), link);
  }
  std::string Stage(const std::string& scenario, const std::string& stage) const {
    return dir_.File("repo/" + scenario + "/" + stage);
  }
  // Content returns the content the stage's targets metadata gives the target |name|.
  std::string Content(const std::string& scenario, const std::string& stage,
                      const std::string& name) const {
    Result<Json> j = ParseJson(testing::ReadText(Stage(scenario, stage) + ".json"), "stage");
    BOOST_REQUIRE(j.ok());
    return (*j)["files"][name].get<std::string>();
  }
  const std::string& url() const { return url_; }

 private:
  TempDir dir_;
  std::string url_;
  std::unique_ptr<testing::Background> server_;
};

Repository* g_repo = nullptr;

struct RepositoryFixture {
  RepositoryFixture() { g_repo = new Repository(); }
  ~RepositoryFixture() {
    delete g_repo;
    g_repo = nullptr;
  }
  RepositoryFixture(const RepositoryFixture&) = delete;
  RepositoryFixture& operator=(const RepositoryFixture&) = delete;
  RepositoryFixture(RepositoryFixture&&) = delete;
  RepositoryFixture& operator=(RepositoryFixture&&) = delete;
};

Repository& Repo() {
  BOOST_REQUIRE_MESSAGE(g_repo != nullptr, "the TUF repository is not served");
  return *g_repo;
}

// Client is one vouch cache.
struct Client {
  TempDir cache;

  RunResult Update(const std::vector<std::string>& extra = {}) const {
    std::vector<std::string> args = {"trusted-root", "update",      "--tuf-url",
                                     Repo().url(),   "--cache-dir", cache.path()};
    args.insert(args.end(), extra.begin(), extra.end());
    return testing::Vouch(args);
  }
  // Bootstrap runs the first update of |scenario| from its stage a, starting at its v1 root.
  void Bootstrap(const std::string& scenario) const {
    Repo().Serve(scenario, "a");
    RunResult r = Update({"--root", Repo().Stage(scenario, "a") + "/1.root.json"});
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, scenario << ": " << r.err);
  }
  std::string Folder() const {
    for (const auto& e : fs::directory_iterator(cache.path())) {
      return e.path().string();
    }
    BOOST_FAIL("the cache is empty");
    return "";
  }
  std::string Target(const std::string& name) const {
    return testing::ReadText(Folder() + "/targets/" + name);
  }
  // Files returns every cache file with its content.
  std::map<std::string, std::string> Files() const {
    std::map<std::string, std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(cache.path())) {
      if (e.is_regular_file()) {
        out[e.path().string()] = testing::ReadText(e.path().string());
      }
    }
    return out;
  }
};

Json Parsed(const RunResult& r) {
  Result<Json> j = ParseJson(r.out, "update output");
  BOOST_REQUIRE_MESSAGE(j.ok(), r.out);
  return *j;
}

BOOST_AUTO_TEST_SUITE(tuf_loopback, *boost::unit_test::fixture<RepositoryFixture>())

BOOST_AUTO_TEST_CASE(good_repository_updates_then_refreshes) {
  Client c;
  c.Bootstrap("good");
  BOOST_TEST(c.Target("trusted_root.json") == Repo().Content("good", "a", "trusted_root.json"));
  BOOST_TEST(c.Target("signing_config.v0.2.json") ==
             Repo().Content("good", "a", "signing_config.v0.2.json"));
  BOOST_TEST(testing::ReadText(c.Folder() + "/root.json") ==
             testing::ReadText(Repo().Stage("good", "a") + "/1.root.json"));

  // The same state again: nothing written. Then stage b: targets v2, a new trusted root.
  Json same = Parsed(c.Update({"-o", "json"}));
  BOOST_TEST(same["files_written"].empty());
  Repo().Serve("good", "b");
  RunResult r = c.Update({"-o", "json"});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  Json j = Parsed(r);
  BOOST_TEST(j["root_version"] == 1);
  BOOST_TEST(j["timestamp_version"] == 2);
  BOOST_TEST(j["snapshot_version"] == 2);
  BOOST_TEST(j["targets_version"] == 2);
  BOOST_TEST(j["files_written"].size() == 4u);  // trusted_root.json and three metadata files
  BOOST_TEST(c.Target("trusted_root.json") == Repo().Content("good", "b", "trusted_root.json"));

  RunResult print = testing::Vouch(
      {"trusted-root", "print", "--tuf-url", Repo().url(), "--cache-dir", c.cache.path()});
  BOOST_TEST(print.exit_code == 0, print.err);
  BOOST_TEST(print.out == Repo().Content("good", "b", "trusted_root.json"));
}

// The cross-check: tuf-js's Updater accepts the repository vouch accepts.
BOOST_AUTO_TEST_CASE(tuf_js_accepts_the_good_repository) {
  Repo().Serve("good", "a");
  TempDir dir;
  RunResult r = testing::Run({"node", Script(), "check", Repo().url(),
                              Repo().Stage("good", "a") + "/1.root.json", dir.path()});
  BOOST_TEST(r.exit_code == 0, r.err);
  BOOST_TEST(testing::ReadText(dir.File("targets/trusted_root.json")) ==
             Repo().Content("good", "a", "trusted_root.json"));
}

BOOST_AUTO_TEST_CASE(root_rotation_to_new_keys) {
  Client c;
  c.Bootstrap("rotation");
  Repo().Serve("rotation", "b");
  RunResult r = c.Update({"-o", "json"});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  BOOST_TEST(Parsed(r)["root_version"] == 3);
  BOOST_TEST(testing::ReadText(c.Folder() + "/root.json") ==
             testing::ReadText(Repo().Stage("rotation", "b") + "/3.root.json"));
  BOOST_TEST(c.Target("trusted_root.json") == Repo().Content("rotation", "b", "trusted_root.json"));
}

// An expired root is a valid start (Sigstore's embedded root may be one): only the root the
// chain ends on must be current.
BOOST_AUTO_TEST_CASE(expired_starting_root_updates_through_the_chain) {
  Client c;
  c.Bootstrap("expired-root-start");
  BOOST_TEST(testing::ReadText(c.Folder() + "/root.json") ==
             testing::ReadText(Repo().Stage("expired-root-start", "a") + "/2.root.json"));
}

BOOST_AUTO_TEST_CASE(optional_signing_config_may_be_absent) {
  Client c;
  Repo().Serve("no-signing-config", "a");
  RunResult r =
      c.Update({"--root", Repo().Stage("no-signing-config", "a") + "/1.root.json", "-o", "json"});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  BOOST_TEST(Parsed(r)["absent_targets"] == Json::array({"signing_config.v0.2.json"}));
}

struct Refusal {
  const char* scenario;
  const char* reason;
};
std::ostream& operator<<(std::ostream& os, const Refusal& r) { return os << r.scenario; }

const Refusal kRefusals[] = {
    {"expired-timestamp",
     "timestamp version 2 expired at 2020-01-01T00:00:00Z (freeze protection)"},
    {"rollback",
     "timestamp names snapshot version 1, older than the cached snapshot version 2 "
     "(rollback)"},
    {"bad-target-hash", "target trusted_root.json: sha256 hash mismatch"},
    {"few-root-keys",
     "root version 2: 1 of the 2 required signatures (threshold) of the root keys of root "
     "version 1"},
};

BOOST_DATA_TEST_CASE(refused_changes_keep_the_cache, bdata::make(kRefusals), refusal) {
  Client c;
  c.Bootstrap(refusal.scenario);
  const auto before = c.Files();
  Repo().Serve(refusal.scenario, "b");
  RunResult r = c.Update();
  BOOST_TEST(r.exit_code == 1, r.err);
  BOOST_TEST(r.err.find(refusal.reason) != std::string::npos, r.err);
  BOOST_TEST(c.Files() == before);
}

BOOST_AUTO_TEST_CASE(usage_and_network_errors) {
  Client c;
  RunResult no_root = c.Update();
  BOOST_TEST(no_root.exit_code == 2, no_root.err);
  BOOST_TEST(no_root.err.find("pass the repository's root.json with --root") != std::string::npos,
             no_root.err);
  testing::PortReservation closed;  // bound, not listening: connections are refused
  RunResult down = testing::Vouch(
      {"trusted-root", "update", "--tuf-url", "http://127.0.0.1:" + std::to_string(closed.port()),
       "--cache-dir", c.cache.path(), "--root", Repo().Stage("good", "a") + "/1.root.json"});
  BOOST_TEST(down.exit_code == 3, down.err);
  BOOST_TEST(c.Files().empty());
}

// Verification without --trusted-root: the TUF cache of the default instance is used when
// present (nothing fetched), --tuf-refresh updates first; with no cache the error is the one it
// always was.
BOOST_AUTO_TEST_CASE(verification_falls_back_to_the_cache) {
  const std::string assets = testing::VectorsDir() + "/sigstore-conformance/assets/bundle-verify/";
  const std::string identity =
      "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/"
      "workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
  const std::vector<std::string> verify = {"verify-bundle",
                                           "--bundle",
                                           assets + "happy-path-v0.3/bundle.sigstore.json",
                                           "--certificate-identity",
                                           identity,
                                           "--certificate-oidc-issuer",
                                           "https://token.actions.githubusercontent.com",
                                           assets + "a.txt"};
  TempDir xdg;
  testing::RunOptions env;
  env.env = {{"XDG_CACHE_HOME", xdg.path()}};
  env.unset_env = {"VOUCH_TRUSTED_ROOT"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = verify;
    args.insert(args.end() - 1, extra.begin(), extra.end());
    return testing::Vouch(args, env);
  };

  RunResult none = with({});
  BOOST_TEST(none.exit_code == 2, none.err);
  BOOST_TEST(none.err.find("no trusted root") != std::string::npos, none.err);

  // The public-good instance's cache folder, as `trusted-root update` lays it out.
  const std::string folder = xdg.path() + "/vouch/tuf/https%3A%2F%2Ftuf-repo-cdn.sigstore.dev";
  fs::create_directories(folder + "/targets");
  fs::copy_file(ProductionTrustedRoot(), folder + "/targets/trusted_root.json");
  RunResult cached = with({});
  BOOST_TEST(cached.exit_code == 0, cached.err);

  // --tuf-refresh against the loopback repository whose target is that trusted root; the
  // repository's root comes from an earlier update into the same cache.
  Repo().Serve("sigstore", "a");
  RunResult bootstrap = testing::Vouch({"trusted-root", "update", "--tuf-url", Repo().url(),
                                        "--root", Repo().Stage("sigstore", "a") + "/1.root.json"},
                                       env);
  BOOST_REQUIRE_MESSAGE(bootstrap.exit_code == 0, bootstrap.err);
  RunResult refreshed = with({"--tuf-refresh", "--tuf-url", Repo().url()});
  BOOST_TEST(refreshed.exit_code == 0, refreshed.err);
  // A refresh that is refused (here: metadata the cached root's keys did not sign) refuses the
  // verification (exit 1), with its reason; nothing falls back to the older cache.
  Repo().Serve("bad-target-hash", "b");
  RunResult refused = with({"--tuf-refresh", "--tuf-url", Repo().url()});
  BOOST_TEST(refused.exit_code == 1, refused.err);
  BOOST_TEST(refused.err.find("required signatures") != std::string::npos, refused.err);
  RunResult both = with({"--tuf-refresh", "--trusted-root", ProductionTrustedRoot()});
  BOOST_TEST(both.exit_code == 2, both.err);
}

// Keyless signing without --signing-config or --fulcio-url takes its services from the TUF
// cache's signing config of the public-good instance (here pointing at a closed loopback port:
// the request that fails proves which config was used); without a cache it says how to get one.
BOOST_AUTO_TEST_CASE(keyless_signing_uses_the_cached_signing_config) {
  TempDir xdg;
  testing::PortReservation closed;  // bound, not listening: connections are refused
  const std::string fulcio = "http://127.0.0.1:" + std::to_string(closed.port()) + "/fulcio";
  const std::string folder = xdg.path() + "/vouch/tuf/https%3A%2F%2Ftuf-repo-cdn.sigstore.dev";
  fs::create_directories(folder + "/targets");
  const std::string service =
      R"({"majorApiVersion": 1, "validFor": {"start": "2020-01-01T00:00:00Z"}, "operator": "t", )";
  testing::WriteText(
      folder + "/targets/signing_config.v0.2.json",
      R"({"mediaType": "application/vnd.dev.sigstore.signingconfig.v0.2+json", "caUrls": [)" +
          service + R"("url": ")" + fulcio + R"("}], "oidcUrls": [], "rekorTlogUrls": [)" +
          service + R"("url": ")" + fulcio + R"(/rekor"}], "tsaUrls": [],
          "rekorTlogConfig": {"selector": "ANY"}, "tsaConfig": {"selector": "ANY"}})");
  testing::WriteText(xdg.File("f.txt"), "hello");
  // An unsigned JWT: the client reads its claims; only Fulcio would check it.
  const std::string token =
      "eyJhbGciOiJub25lIn0."
      "eyJpc3MiOiJodHRwczovL2lzc3Vlci5leGFtcGxlIiwic3ViIjoibWVAZXhhbXBsZS5jb20iLCJlbWFpbCI6Im1lQG"
      "V4YW1wbGUuY29tIiwiYXVkIjoic2lnc3RvcmUiLCJleHAiOjQxMDI0NDQ4MDAsImlhdCI6MTcwMDAwMDAwMH0.c2ln";
  const std::vector<std::string> sign = {"sign-blob",        xdg.File("f.txt"),
                                         "--bundle",         xdg.File("f.sigstore.json"),
                                         "--identity-token", token};
  testing::RunOptions env;
  env.env = {{"XDG_CACHE_HOME", xdg.path()}};
  RunResult cached = testing::Vouch(sign, env);
  BOOST_TEST(cached.exit_code == 3, cached.err);
  BOOST_TEST(cached.err.find(fulcio) != std::string::npos, cached.err);

  RunResult none = testing::Vouch(sign);
  BOOST_TEST(none.exit_code == 2, none.err);
  BOOST_TEST(none.err.find("vouch trusted-root update") != std::string::npos, none.err);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch
