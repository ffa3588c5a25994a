// Integration tests against real docker-registry 2.8.2 instances (open, htpasswd Basic, TLS with
// a test CA, Bearer token auth) started by the CTest fixture tests/fixtures/registry.sh, with
// images pushed by skopeo. Request counts come from the registry's own access log.
#include <sys/stat.h>

#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "testutil/testutil.h"
#include "vouch/core/digest.h"
#include "vouch/registry/client.h"
#include "vouch/registry/operations.h"

namespace vouch::registry {
namespace {

using vouch::testing::ReadText;
using vouch::testing::Run;
using vouch::testing::RunOptions;
using vouch::testing::RunResult;
using vouch::testing::TempDir;

std::string FixtureDir() { return vouch::testing::RegistryFixtureDir(); }
std::string Addr(const std::string& name) { return vouch::testing::RegistryAddr(name); }
std::string Known(const std::string& ref) { return vouch::testing::KnownDigest(ref); }

// Env is a clean credential environment for one test.
struct Env {
  TempDir dir;
  RunOptions Options(const std::string& stdin_data = "") const {
    RunOptions o;
    o.env["DOCKER_CONFIG"] = dir.File("docker");
    // Nothing of the user's container tool configuration (auth.json, registries.conf).
    o.env["XDG_CONFIG_HOME"] = dir.File("config");
    o.unset_env = {"REGISTRY_AUTH_FILE", "SSL_CERT_FILE", "XDG_RUNTIME_DIR",
                   "CONTAINERS_REGISTRIES_CONF"};
    o.stdin_data = stdin_data;
    return o;
  }
  RunResult Vouch(const std::vector<std::string>& args, const std::string& in = "") const {
    return vouch::testing::Vouch(args, Options(in));
  }
};

// SkopeoRawDigest is sha256 over `skopeo inspect --raw` (a client that is not ours).
std::string SkopeoRawDigest(const std::string& image, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> argv = {"skopeo", "inspect", "--raw", "--registries-conf", "/dev/null"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back("docker://" + image);
  RunResult r = Run(argv);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, "skopeo inspect failed: " << r.err);
  return Digest::Of(AsBytes(r.out)).ToString();
}

// AccessLogRequests counts the /v2/ requests in a registry's log since |offset| bytes.
size_t LogSize(const std::string& name) { return ReadText(FixtureDir() + "/" + name + ".log").size(); }
int RequestsSince(const std::string& name, size_t offset) {
  std::string log = ReadText(FixtureDir() + "/" + name + ".log").substr(offset);
  static const std::regex kLine(R"re("(GET|HEAD|PUT|POST|PATCH|DELETE) /v2/)re");
  return static_cast<int>(std::distance(std::sregex_iterator(log.begin(), log.end(), kLine),
                                        std::sregex_iterator()));
}

void Trim(std::string& s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) {
    s.pop_back();
  }
}

BOOST_AUTO_TEST_SUITE(OpenRegistry)

BOOST_AUTO_TEST_CASE(ResolveAndManifestMatchSkopeo) {
  Env env;
  std::string reg = Addr("open");
  for (std::string ref : {"multi", "single"}) {
    std::string image = reg + "/fixture/" + ref + ":v1";
    RunResult r = env.Vouch({"resolve", image});
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    Trim(r.out);
    BOOST_TEST(r.out == Known(ref));
    BOOST_TEST(r.out == SkopeoRawDigest(image, {"--tls-verify=false"}));
    RunResult m = env.Vouch({"manifest", image});
    BOOST_REQUIRE(m.exit_code == 0);
    BOOST_TEST(Digest::Of(AsBytes(m.out)).ToString() == Known(ref));  // bytes exactly as served
  }
  RunResult arm = env.Vouch({"resolve", "--platform", "linux/arm64", reg + "/fixture/multi:v1"});
  BOOST_REQUIRE(arm.exit_code == 0);
  Trim(arm.out);
  BOOST_TEST(arm.out == Known("arm64"));
  RunResult by_digest = env.Vouch({"manifest", reg + "/fixture/multi@" + Known("multi")});
  BOOST_TEST(by_digest.exit_code == 0);
}

BOOST_AUTO_TEST_CASE(ResolveIsOneRequestAndVerboseLogs) {
  Env env;
  size_t before = LogSize("open");
  RunResult r = env.Vouch({"resolve", "-v", Addr("open") + "/fixture/multi:v1"});
  BOOST_REQUIRE(r.exit_code == 0);
  BOOST_TEST(RequestsSince("open", before) == 1);
  BOOST_TEST(r.err.find("HEAD http://" + Addr("open") + "/v2/fixture/multi/manifests/v1 -> 200") !=
             std::string::npos, r.err);
}

BOOST_AUTO_TEST_CASE(ErrorsAndExitCodes) {
  Env env;
  RunResult missing = env.Vouch({"resolve", Addr("open") + "/fixture/nope:v1"});
  BOOST_TEST(missing.exit_code == 3);
  BOOST_TEST(missing.err.find("404") != std::string::npos, missing.err);
  BOOST_TEST(env.Vouch({"resolve", "Not A Reference"}).exit_code == 2);
  BOOST_TEST(env.Vouch({"resolve", "--platform", "linux", Addr("open") + "/fixture/multi:v1"}).exit_code == 2);
  BOOST_TEST(env.Vouch({"resolve", "--platform", "linux/s390x", Addr("open") + "/fixture/multi:v1"}).exit_code == 3);
  // Nothing listens on this port (the fixture's token port is used by HTTP, not a registry
  // path; take a port from a closed socket instead).
  RunResult refused = env.Vouch({"resolve", "127.0.0.1:1/x:y"});
  BOOST_TEST(refused.exit_code == 3);
}

BOOST_AUTO_TEST_CASE(CopyMultiArchBetweenRepositoriesAndLayouts) {
  Env env;
  std::string reg = Addr("open");
  size_t before = LogSize("open");
  RunResult c = env.Vouch({"copy", reg + "/fixture/multi:v1", reg + "/copies/multi:v1"});
  BOOST_REQUIRE_MESSAGE(c.exit_code == 0, c.err);
  int copy_requests = RequestsSince("open", before);
  BOOST_TEST_MESSAGE("copy of the multi-arch image within one registry: " << copy_requests
                                                                          << " requests");
  BOOST_TEST(copy_requests <= 16);
  BOOST_TEST(SkopeoRawDigest(reg + "/copies/multi:v1", {"--tls-verify=false"}) == Known("multi"));
  // Child manifests exist by digest in the destination.
  BOOST_TEST(env.Vouch({"manifest", reg + "/copies/multi@" + Known("arm64")}).exit_code == 0);
  // Registry -> layout -> registry (air-gapped path).
  std::string lay = "oci:" + env.dir.File("layout") + ":v1";
  BOOST_REQUIRE(env.Vouch({"copy", reg + "/fixture/multi:v1", lay}).exit_code == 0);
  RunResult lr = env.Vouch({"resolve", lay});
  Trim(lr.out);
  BOOST_TEST(lr.out == Known("multi"));
  BOOST_REQUIRE(env.Vouch({"copy", lay, reg + "/fromlayout/multi:v1"}).exit_code == 0);
  BOOST_TEST(SkopeoRawDigest(reg + "/fromlayout/multi:v1", {"--tls-verify=false"}) == Known("multi"));
  // skopeo reads our layout too.
  RunResult sk = Run({"skopeo", "inspect", "--raw", lay});
  BOOST_TEST(sk.exit_code == 0, sk.err);
  BOOST_TEST(Digest::Of(AsBytes(sk.out)).ToString() == Known("multi"));
  // One platform only.
  BOOST_REQUIRE(env.Vouch({"copy", "--platform", "linux/arm64/v8", reg + "/fixture/multi:v1",
                           reg + "/copies/arm:v1"}).exit_code == 0);
  RunResult arm = env.Vouch({"resolve", reg + "/copies/arm:v1"});
  Trim(arm.out);
  BOOST_TEST(arm.out == Known("arm64"));
}

BOOST_AUTO_TEST_CASE(ReferrersFallbackTreeAndCopy) {
  Env env;
  std::string reg = Addr("open");
  ClientOptions o;
  o.credentials = NewStaticCredentialStore("none", Credentials());
  Client client(o);
  auto repo = std::move(*client.Open(*ParseReference(reg + "/fixture/single:v1"), Access::kPullPush));
  auto subject = repo->FetchManifest("v1");
  BOOST_REQUIRE(subject.ok());
  // An artifact (empty config, one layer) whose subject is the image.
  std::string layer = R"({"hello":"bundle"})";
  BOOST_REQUIRE(repo->PushBlob(Digest::Of(AsBytes(layer)), AsBytes(layer)).ok());
  BOOST_REQUIRE(repo->PushBlob(Digest::Of(AsBytes("{}")), AsBytes("{}")).ok());
  std::string artifact =
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.dev.sigstore.bundle.v0.3+json","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","digest":")" +
      Digest::Of(AsBytes(layer)).ToString() + R"(","size":)" + std::to_string(layer.size()) +
      R"(}],"subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" +
      subject->digest.ToString() + R"(","size":)" + std::to_string(subject->bytes.size()) +
      R"(},"annotations":{"org.opencontainers.image.created":"2026-01-01T00:00:00Z"}})";
  BOOST_REQUIRE(repo->PushReferrer(AsBytes(artifact), kOciManifest).ok());
  BOOST_REQUIRE(repo->PushReferrer(AsBytes(artifact), kOciManifest).ok());  // idempotent
  // distribution 2.8 has no referrers API: the fallback tag holds an index (skopeo sees it).
  std::string tag = FallbackTag(subject->digest);
  RunResult sk = Run({"skopeo", "inspect", "--raw", "--tls-verify=false", "--registries-conf",
                      "/dev/null", "docker://" + reg + "/fixture/single:" + tag});
  BOOST_REQUIRE_MESSAGE(sk.exit_code == 0, sk.err);
  BOOST_TEST(sk.out.find(Digest::Of(AsBytes(artifact)).ToString()) != std::string::npos);
  size_t before = LogSize("open");
  RunResult tree = env.Vouch({"tree", "--output", "json", reg + "/fixture/single:v1"});
  BOOST_REQUIRE_MESSAGE(tree.exit_code == 0, tree.err);
  BOOST_TEST(tree.out.find("application/vnd.dev.sigstore.bundle.v0.3+json") != std::string::npos);
  BOOST_TEST(tree.out.find("fallback-tag") != std::string::npos);
  BOOST_TEST_MESSAGE("tree: " << RequestsSince("open", before) << " requests");
  BOOST_TEST(RequestsSince("open", before) == 4);  // manifest, referrers 404, fallback tag, tags
  // The copy carries the referrer and writes the destination's fallback index.
  BOOST_REQUIRE(env.Vouch({"copy", reg + "/fixture/single:v1", reg + "/copies/single:v1"}).exit_code == 0);
  RunResult t2 = env.Vouch({"tree", reg + "/copies/single:v1"});
  BOOST_TEST(t2.out.find(Digest::Of(AsBytes(artifact)).ToString()) != std::string::npos, t2.out);
}

BOOST_AUTO_TEST_CASE(CopyCarriesAttachmentsOfPlatformChildren) {
  // The skopeo-pushed multi-arch image, with a referrer and a cosign .sig tag attached to its
  // arm64 child (by our client), copied with `vouch copy`.
  Env env;
  std::string reg = Addr("open");
  ClientOptions o;
  o.credentials = NewStaticCredentialStore("none", Credentials());
  Client client(o);
  auto fixture = std::move(*client.Open(*ParseReference(reg + "/fixture/multi:v1")));
  auto repo = std::move(*client.Open(*ParseReference(reg + "/attach/multi:v1"), Access::kPullPush));
  BOOST_REQUIRE(CopyImage(*fixture, *repo, CopyOptions()).ok());
  Digest arm = *Digest::Parse(Known("arm64"));
  auto child = repo->FetchManifest(arm.ToString());
  BOOST_REQUIRE(child.ok());
  std::string layer = "attestation of the arm64 child";
  BOOST_REQUIRE(repo->PushBlob(Digest::Of(AsBytes(layer)), AsBytes(layer)).ok());
  BOOST_REQUIRE(repo->PushBlob(Digest::Of(AsBytes("{}")), AsBytes("{}")).ok());
  std::string artifact =
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.in-toto+json","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[{"mediaType":"application/vnd.in-toto+json","digest":")" +
      Digest::Of(AsBytes(layer)).ToString() + R"(","size":)" + std::to_string(layer.size()) +
      R"(}],"subject":{"mediaType":")" + child->media_type + R"(","digest":")" +
      arm.ToString() + R"(","size":)" + std::to_string(child->bytes.size()) + "}}";
  BOOST_REQUIRE(repo->PushReferrer(AsBytes(artifact), kOciManifest).ok());
  std::string payload = "cosign payload for arm64";
  BOOST_REQUIRE(repo->PushBlob(Digest::Of(AsBytes(payload)), AsBytes(payload)).ok());
  std::string sig =
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","digest":")" +
      Digest::Of(AsBytes(payload)).ToString() + R"(","size":)" + std::to_string(payload.size()) +
      "}]}";
  std::string sig_tag = FallbackTag(arm) + ".sig";
  BOOST_REQUIRE(repo->PushManifest(sig_tag, AsBytes(sig), kOciManifest).ok());

  RunResult cp = env.Vouch({"copy", reg + "/attach/multi:v1", reg + "/attach-copy/multi:v1"});
  BOOST_REQUIRE_MESSAGE(cp.exit_code == 0, cp.err);
  auto dst = std::move(*client.Open(*ParseReference(reg + "/attach-copy/multi:v1")));
  auto refs = dst->ListReferrers(arm, "");
  BOOST_REQUIRE(refs.ok());
  BOOST_REQUIRE(refs->descriptors.size() == 1u);
  BOOST_TEST(refs->descriptors[0].digest.ToString() == Digest::Of(AsBytes(artifact)).ToString());
  auto copied_sig = dst->FetchManifest(sig_tag);
  BOOST_REQUIRE_MESSAGE(copied_sig.ok(), copied_sig.status().ToString());
  BOOST_TEST(copied_sig->digest.ToString() == Digest::Of(AsBytes(sig)).ToString());
  BOOST_TEST(SkopeoRawDigest(reg + "/attach-copy/multi:v1", {"--tls-verify=false"}) ==
             Known("multi"));
}

BOOST_AUTO_TEST_CASE(SixConcurrentWritersKeepEveryFallbackEntry) {
  // distribution 2.8 ignores If-Match: only the delayed confirming re-read of
  // UpdateTaggedManifest keeps concurrent appends to one fallback index from losing entries.
  constexpr int kWriters = 6;
  std::string reg = Addr("open");
  ClientOptions o;
  o.credentials = NewStaticCredentialStore("none", Credentials());
  Client setup(o);
  auto src = std::move(*setup.Open(*ParseReference(reg + "/fixture/single:v1")));
  auto dst = std::move(*setup.Open(*ParseReference(reg + "/race/single:v1"), Access::kPullPush));
  BOOST_REQUIRE(CopyImage(*src, *dst, CopyOptions()).ok());
  auto subject = dst->FetchManifest("v1");
  BOOST_REQUIRE(subject.ok());
  BOOST_REQUIRE(dst->PushBlob(Digest::Of(AsBytes("{}")), AsBytes("{}")).ok());
  std::vector<std::string> artifacts;
  for (int i = 0; i < kWriters; ++i) {
    std::string layer = "concurrent writer " + std::to_string(i);
    BOOST_REQUIRE(dst->PushBlob(Digest::Of(AsBytes(layer)), AsBytes(layer)).ok());
    artifacts.push_back(
        R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/x-race","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[{"mediaType":"application/x-race","digest":")" +
        Digest::Of(AsBytes(layer)).ToString() + R"(","size":)" + std::to_string(layer.size()) +
        R"(}],"subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" +
        subject->digest.ToString() + R"(","size":)" + std::to_string(subject->bytes.size()) +
        "}}");
  }
  std::vector<Status> results(kWriters);
  std::vector<std::thread> threads;
  for (int i = 0; i < kWriters; ++i) {
    threads.emplace_back([&, i] {
      Client c(o);  // one client (own connections) per writer, like separate processes
      auto repo = c.Open(*ParseReference(reg + "/race/single:v1"), Access::kPullPush);
      if (!repo.ok()) {
        results[static_cast<size_t>(i)] = repo.status();
        return;
      }
      results[static_cast<size_t>(i)] =
          (*repo)->PushReferrer(AsBytes(artifacts[static_cast<size_t>(i)]), kOciManifest);
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  for (const Status& s : results) {
    BOOST_TEST(s.ok(), s.ToString());
  }
  auto all = dst->ListReferrers(subject->digest, "application/x-race");
  BOOST_REQUIRE(all.ok());
  BOOST_TEST((all->scheme == ReferrersScheme::kFallbackTag));
  BOOST_TEST(all->descriptors.size() == static_cast<size_t>(kWriters));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(BasicAuth)

BOOST_AUTO_TEST_CASE(LoginResolveLogout) {
  Env env;
  std::string reg = Addr("basic");
  std::string image = reg + "/fixture/multi:v1";
  RunResult anon = env.Vouch({"resolve", image});
  BOOST_TEST(anon.exit_code == 3);
  BOOST_TEST(anon.err.find("vouch login") != std::string::npos, anon.err);
  RunResult bad = env.Vouch({"login", reg, "-u", "vouch-user", "--password-stdin"}, "wrong\n");
  BOOST_TEST(bad.exit_code == 3, bad.err);
  BOOST_TEST(!PathExists(env.dir.File("docker/config.json")));
  RunResult ok = env.Vouch({"login", reg, "-u", "vouch-user", "--password-stdin"}, "vouch-pass\n");
  BOOST_REQUIRE_MESSAGE(ok.exit_code == 0, ok.err);
  struct stat st{};
  BOOST_REQUIRE(stat(env.dir.File("docker/config.json").c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0600u);
  BOOST_TEST(ReadText(env.dir.File("docker/config.json")).find("\"" + reg + "\"") != std::string::npos);
  RunResult r = env.Vouch({"resolve", image});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  Trim(r.out);
  BOOST_TEST(r.out == Known("multi"));
  // skopeo reads the file we wrote (the same format docker writes).
  RunResult sk = Run({"skopeo", "inspect", "--raw", "--tls-verify=false", "--authfile",
                      env.dir.File("docker/config.json"), "docker://" + image});
  BOOST_TEST(sk.exit_code == 0, sk.err);
  // Copy within the registry with credentials (mount + push).
  BOOST_TEST(env.Vouch({"copy", image, reg + "/copies/multi:v1"}).exit_code == 0);
  BOOST_REQUIRE(env.Vouch({"logout", reg}).exit_code == 0);
  BOOST_TEST(env.Vouch({"resolve", image}).exit_code == 3);
  BOOST_TEST(env.Vouch({"logout", reg}).exit_code == 3);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(Tls)

BOOST_AUTO_TEST_CASE(CaFileAndSslCertFile) {
  Env env;
  std::string reg = Addr("tls");
  std::string image = reg + "/fixture/single:v1";
  std::string ca = FixtureDir() + "/ca.crt";
  BOOST_REQUIRE(env.Vouch({"login", "--ca-file", ca, reg, "-u", "vouch-user", "--password-stdin"},
                          "vouch-pass").exit_code == 0);
  RunResult untrusted = env.Vouch({"resolve", image});
  BOOST_TEST(untrusted.exit_code == 3);
  BOOST_TEST(untrusted.err.find("certificate") != std::string::npos, untrusted.err);
  RunResult with_ca = env.Vouch({"resolve", "--ca-file", ca, image});
  BOOST_REQUIRE_MESSAGE(with_ca.exit_code == 0, with_ca.err);
  Trim(with_ca.out);
  BOOST_TEST(with_ca.out == Known("single"));
  RunOptions o = env.Options();
  o.unset_env.clear();
  o.env["SSL_CERT_FILE"] = ca;
  RunResult via_env = vouch::testing::Vouch({"resolve", image}, o);
  BOOST_TEST(via_env.exit_code == 0, via_env.err);
  // --insecure-registry skips verification (explicit opt-in).
  BOOST_TEST(env.Vouch({"resolve", "--insecure-registry", reg, image}).exit_code == 0);
}

// The fixture CA only in a per-host certificate directory (VOUCH_CERTS_D_DIRS stands for
// /etc/containers/certs.d and the others): trusted for that host, added to the CA store.
BOOST_AUTO_TEST_CASE(CertsDirectoryAddsTheHostsCa) {
  Env env;
  std::string reg = Addr("tls");
  std::string image = reg + "/fixture/single:v1";
  std::string ca = ReadText(FixtureDir() + "/ca.crt");
  std::filesystem::create_directories(env.dir.File("certs.d/" + reg));
  vouch::testing::WriteText(env.dir.File("certs.d/" + reg + "/ca.crt"), ca);
  RunOptions with_dir = env.Options("vouch-pass");
  with_dir.env["VOUCH_CERTS_D_DIRS"] = env.dir.File("empty") + ":" + env.dir.File("certs.d");
  RunResult login = vouch::testing::Vouch(
      {"login", reg, "-u", "vouch-user", "--password-stdin"}, with_dir);
  BOOST_REQUIRE_MESSAGE(login.exit_code == 0, login.err);
  with_dir.stdin_data.clear();
  RunResult r = vouch::testing::Vouch({"resolve", image}, with_dir);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  Trim(r.out);
  BOOST_TEST(r.out == Known("single"));
  RunResult copy = vouch::testing::Vouch(
      {"copy", image, "oci:" + env.dir.File("layout") + ":v1"}, with_dir);
  BOOST_TEST(copy.exit_code == 0, copy.err);

  // Without the directory the same pull fails on the certificate.
  RunOptions without = env.Options();
  without.env["VOUCH_CERTS_D_DIRS"] = env.dir.File("empty");
  RunResult untrusted = vouch::testing::Vouch({"resolve", image}, without);
  BOOST_TEST(untrusted.exit_code == 3);
  BOOST_TEST(untrusted.err.find("certificate") != std::string::npos, untrusted.err);

  // The directory adds to the CA store: with another CA in it, the store ($SSL_CERT_FILE
  // holding the fixture CA) still verifies the registry.
  vouch::testing::WriteText(env.dir.File("certs.d/" + reg + "/ca.crt"),
                            ReadText(FixtureDir() + "/token.crt"));
  RunOptions added = env.Options();
  std::erase(added.unset_env, std::string("SSL_CERT_FILE"));
  added.env["SSL_CERT_FILE"] = FixtureDir() + "/ca.crt";
  added.env["VOUCH_CERTS_D_DIRS"] = env.dir.File("certs.d");
  RunResult store = vouch::testing::Vouch({"resolve", image}, added);
  BOOST_TEST(store.exit_code == 0, store.err);
}

BOOST_AUTO_TEST_SUITE_END()

// registries.conf ($CONTAINERS_REGISTRIES_CONF) as podman and skopeo read it.
BOOST_AUTO_TEST_SUITE(RegistriesConf)

BOOST_AUTO_TEST_CASE(MirrorServesAReferenceOnADownRegistry) {
  Env env;
  const std::string a = Addr("open");
  // Registry B (port 1: nothing listens) is down; its "mirrored" namespace is mirrored by A's
  // fixture repositories.
  const std::string b = "127.0.0.1:1";
  vouch::testing::WriteText(env.dir.File("registries.conf"),
                            "[[registry]]\nprefix = \"" + b + "/mirrored\"\n"
                            "[[registry.mirror]]\nlocation = \"" + a + "/fixture\"\n"
                            "[[registry]]\nprefix = \"" + a + "/forbidden\"\n"
                            "blocked = true\n");
  RunOptions o = env.Options();
  o.env["CONTAINERS_REGISTRIES_CONF"] = env.dir.File("registries.conf");
  RunResult r = vouch::testing::Vouch({"resolve", "-v", b + "/mirrored/multi:v1"}, o);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  Trim(r.out);
  BOOST_TEST(r.out == Known("multi"));
  BOOST_TEST(r.err.find(a + "/v2/fixture/multi/manifests/v1") != std::string::npos, r.err);
  BOOST_TEST(r.err.find(b + "/") == std::string::npos, r.err);  // the primary was never asked
  // A copy reads every manifest and blob through the mirror.
  RunResult cp = vouch::testing::Vouch(
      {"copy", b + "/mirrored/multi:v1", "oci:" + env.dir.File("layout") + ":v1"}, o);
  BOOST_REQUIRE_MESSAGE(cp.exit_code == 0, cp.err);
  RunResult back = env.Vouch({"resolve", "oci:" + env.dir.File("layout") + ":v1"});
  Trim(back.out);
  BOOST_TEST(back.out == Known("multi"));
  // A blocked prefix is refused before any request, naming the file (exit 3).
  RunResult blocked = vouch::testing::Vouch({"resolve", a + "/forbidden/x:v1"}, o);
  BOOST_TEST(blocked.exit_code == 3);
  BOOST_TEST(blocked.err.find("blocked by registries.conf") != std::string::npos, blocked.err);
  BOOST_TEST(blocked.err.find(env.dir.File("registries.conf")) != std::string::npos, blocked.err);
  // A malformed file is named (exit 2).
  vouch::testing::WriteText(env.dir.File("registries.conf"), "[[registry]\n");
  RunResult bad = vouch::testing::Vouch({"resolve", a + "/fixture/multi:v1"}, o);
  BOOST_TEST(bad.exit_code == 2);
  BOOST_TEST(bad.err.find(env.dir.File("registries.conf") + ":1:") != std::string::npos, bad.err);
}

BOOST_AUTO_TEST_CASE(InsecureRegistryFromTheFile) {
  Env env;
  const std::string reg = Addr("tls");
  vouch::testing::WriteText(env.dir.File("registries.conf"),
                            "[[registry]]\nlocation = \"" + reg + "\"\ninsecure = true\n");
  RunOptions o = env.Options("vouch-pass");
  o.env["CONTAINERS_REGISTRIES_CONF"] = env.dir.File("registries.conf");
  o.env["VOUCH_CERTS_D_DIRS"] = "";
  BOOST_REQUIRE(vouch::testing::Vouch({"login", reg, "-u", "vouch-user", "--password-stdin"}, o)
                    .exit_code == 0);
  o.stdin_data.clear();
  RunResult r = vouch::testing::Vouch({"resolve", reg + "/fixture/single:v1"}, o);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  Trim(r.out);
  BOOST_TEST(r.out == Known("single"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(TokenAuth)

BOOST_AUTO_TEST_CASE(BearerFlowAndTokenReuse) {
  Env env;
  std::string reg = Addr("token");
  std::string image = reg + "/fixture/multi:v1";
  RunResult anon = env.Vouch({"resolve", image});
  BOOST_TEST(anon.exit_code == 3);
  BOOST_TEST(anon.err.find("token server") != std::string::npos, anon.err);
  BOOST_REQUIRE(env.Vouch({"login", reg, "-u", "vouch-user", "--password-stdin"}, "vouch-pass").exit_code == 0);
  RunResult r = env.Vouch({"resolve", image});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  Trim(r.out);
  BOOST_TEST(r.out == Known("multi"));
  // In one process the token is cached: after the handshake, a resolve is one request.
  ClientOptions o;
  Credentials c;
  c.username = "vouch-user";
  c.password = SecretString("vouch-pass");
  o.credentials = NewStaticCredentialStore(reg, std::move(c));
  Client client(o);
  auto repo = std::move(*client.Open(*ParseReference(image)));
  BOOST_REQUIRE(repo->Resolve("v1").ok());
  size_t before = LogSize("token");
  uint64_t count = client.request_count();
  BOOST_REQUIRE(repo->Resolve("v1").ok());
  BOOST_TEST(RequestsSince("token", before) == 1);
  BOOST_TEST(client.request_count() == count + 1);
  // Copy between repositories (mount needs pull on the source and push on the destination).
  RunResult cp = env.Vouch({"copy", image, reg + "/copies/multi:v1"});
  BOOST_REQUIRE_MESSAGE(cp.exit_code == 0, cp.err);
  BOOST_TEST(SkopeoRawDigest(reg + "/copies/multi:v1",
                             {"--tls-verify=false", "--creds", "vouch-user:vouch-pass"}) ==
             Known("multi"));
  // Across registries: token registry -> open registry.
  BOOST_TEST(env.Vouch({"copy", image, Addr("open") + "/fromtoken/multi:v1"}).exit_code == 0);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::registry
