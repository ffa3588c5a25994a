// `vouch sign` / `vouch verify` against a real docker-registry 2.8.2 (the open fixture registry;
// no referrers API, so bundles live in the sha256-<hex> fallback index). Request counts come
// from the registry's own access log.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include <string>
#include <thread>
#include <vector>

#include "images/common.h"
#include "testutil/json_shape.h"

namespace vouch::images_test {
namespace {

std::string WithoutTag(const std::string& image) { return image.substr(0, image.rfind(':')); }

// PutManifest stores |bytes| under REG/|repo|:TAG with curl (not vouch's client).
void PutManifest(const std::string& repo, const std::string& tag, const std::string& bytes,
                 const Env& env) {
  std::string path = env.dir.File("put.json");
  WriteText(path, bytes);
  RunResult r = Run({"curl", "-fsS", "-X", "PUT", "-H",
                     "Content-Type: application/vnd.oci.image.manifest.v1+json", "--data-binary",
                     "@" + path, "http://" + Reg() + "/v2/" + repo + "/manifests/" + tag});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
}

std::string SigTag(const std::string& digest) {
  return "sha256-" + digest.substr(7) + ".sig";
}

BOOST_AUTO_TEST_SUITE(ImageSigning)

// Both formats verify; the request counts of each form come from the access log.
BOOST_AUTO_TEST_CASE(SignVerifyAndRequestCounts) {
  Env env;
  std::string k1 = env.Key("k1");
  std::string bundle_img = env.Image("single", RepoName("counts-bundle"));
  std::string legacy_img = env.Image("single", RepoName("counts-legacy"));
  RunResult s = env.MustVouch({"sign", bundle_img, "--key", k1});
  BOOST_TEST(s.err.find("signing by tag is racy") != std::string::npos, s.err);
  BOOST_TEST(s.out.find("-> referrer sha256:") != std::string::npos, s.out);
  RunResult l = env.MustVouch({"sign", legacy_img, "--key", k1, "--format", "legacy"});
  BOOST_TEST(l.out.find("-> tag " + SigTag(Known("single"))) != std::string::npos, l.out);
  // Signing by digest does not warn.
  RunResult bd = env.MustVouch({"sign", WithoutTag(bundle_img) + "@" + Known("single"), "--key", k1});
  BOOST_TEST(bd.err.find("racy") == std::string::npos, bd.err);

  size_t before = LogSize();
  RunResult vb = env.Vouch({"verify", bundle_img, "--key", env.Pub("k1"), "--signature-format", "bundle"});
  std::vector<std::string> bundle_reqs = RequestsSince(before);
  BOOST_TEST(vb.exit_code == 0, vb.out << vb.err);
  BOOST_TEST_MESSAGE("bundle form: " << bundle_reqs.size() << " requests" << Join(bundle_reqs));
  // HEAD, referrers API probe (distribution 2.8 answers 404), fallback index GET (which embeds
  // each referrer manifest as descriptor `data`), then one bundle blob GET for each of the two
  // referrers: 3 + 2.
  BOOST_TEST(bundle_reqs.size() == 5u, Join(bundle_reqs));

  before = LogSize();
  RunResult vl = env.Vouch({"verify", legacy_img, "--key", env.Pub("k1"), "--signature-format", "legacy"});
  std::vector<std::string> legacy_reqs = RequestsSince(before);
  BOOST_TEST(vl.exit_code == 0, vl.out << vl.err);
  BOOST_TEST_MESSAGE("legacy form: " << legacy_reqs.size() << " requests" << Join(legacy_reqs));
  BOOST_TEST(legacy_reqs.size() == 3u, Join(legacy_reqs));  // HEAD, .sig GET, payload GET

  // One signature in the bundle form: HEAD, referrers probe, fallback GET (manifest embedded),
  // blob: the issue's target of at most 4 after auth.
  std::string one = env.Image("single", RepoName("counts-one"));
  env.MustVouch({"sign", one, "--key", k1});
  before = LogSize();
  BOOST_TEST(env.Vouch({"verify", one, "--key", env.Pub("k1"), "--signature-format", "bundle"}).exit_code == 0);
  std::vector<std::string> one_reqs = RequestsSince(before);
  BOOST_TEST_MESSAGE("bundle form, one signature: " << one_reqs.size() << Join(one_reqs));
  BOOST_TEST(one_reqs.size() == 4u, Join(one_reqs));
  for (const std::string& r : one_reqs) {
    BOOST_TEST(r.find("/manifests/sha256:") == std::string::npos, "manifest fetched: " << r);
  }
  // Both forms at once (the default): the two lookups run in parallel; the legacy .sig GET is
  // one more request (404 here).
  before = LogSize();
  BOOST_TEST(env.Vouch({"verify", one, "--key", env.Pub("k1")}).exit_code == 0);
  BOOST_TEST(RequestsSince(before).size() == 5u, Join(RequestsSince(before)));
}

BOOST_AUTO_TEST_CASE(RejectionsHaveExitOneAndAReason) {
  Env env;
  std::string k1 = env.Key("k1");
  env.Key("other");
  // Unsigned.
  std::string unsigned_img = env.Image("single", RepoName("unsigned"));
  RunResult u = env.Vouch({"verify", unsigned_img, "--key", env.Pub("k1")});
  BOOST_TEST(u.exit_code == 1);
  BOOST_TEST(u.err.find("no signatures found for " + Known("single")) != std::string::npos, u.err);
  // Signed with another key, in both formats.
  std::string img = env.Image("single", RepoName("otherkey"));
  env.MustVouch({"sign", img, "--key", env.dir.File("other.pem")});
  env.MustVouch({"sign", img, "--key", env.dir.File("other.pem"), "--format", "legacy"});
  RunResult w = env.Vouch({"verify", img, "--key", env.Pub("k1")});
  BOOST_TEST(w.exit_code == 1);
  BOOST_TEST(w.out.find("bundle  referrer sha256:") != std::string::npos, w.out);
  BOOST_TEST(w.out.find("invalid: signature does not verify with any trusted key") != std::string::npos, w.out);
  BOOST_TEST(w.err.find("2 found, none valid") != std::string::npos, w.err);
  // Annotations: required ones must be signed.
  std::string ann = env.Image("single", RepoName("annotations"));
  env.MustVouch({"sign", ann, "--key", k1, "-a", "env=prod"});
  env.MustVouch({"sign", ann, "--key", k1, "-a", "env=prod", "--format", "legacy"});
  BOOST_TEST(env.Vouch({"verify", ann, "--key", env.Pub("k1"), "-a", "env=prod"}).exit_code == 0);
  RunResult a = env.Vouch({"verify", ann, "--key", env.Pub("k1"), "-a", "env=dev"});
  BOOST_TEST(a.exit_code == 1);
  BOOST_TEST(a.out.find("annotation env is \"prod\", not \"dev\"") != std::string::npos, a.out);
}

BOOST_AUTO_TEST_CASE(TagMovedAfterSigning) {
  Env env;
  std::string k1 = env.Key("k1");
  std::string repo = RepoName("moved");
  std::string img = env.Image("single", repo);
  env.MustVouch({"sign", img, "--key", k1});
  env.MustVouch({"sign", img, "--key", k1, "--format", "legacy"});
  BOOST_TEST(env.Vouch({"verify", img, "--key", env.Pub("k1")}).exit_code == 0);
  env.Image("arm64", repo);  // the tag now names another digest
  RunResult v = env.Vouch({"verify", img, "--key", env.Pub("k1")});
  BOOST_TEST(v.exit_code == 1);
  BOOST_TEST(v.err.find("no signatures found for " + Known("arm64")) != std::string::npos, v.err);
  // The old digest is still signed.
  BOOST_TEST(env.Vouch({"verify", WithoutTag(img) + "@" + Known("single"), "--key", env.Pub("k1")}).exit_code == 0);
}

BOOST_AUTO_TEST_CASE(PayloadForAnotherImageAndCorruptedSignature) {
  Env env;
  std::string k1 = env.Key("k1");
  std::string repo = RepoName("forged");
  std::string a = env.Image("single", repo, "a");
  std::string b = env.Image("arm64", repo, "b");
  env.MustVouch({"sign", b, "--key", k1, "--format", "legacy"});
  // The genuine signature manifest of B, stored as if it were A's.
  RunResult sig_b = env.MustVouch({"manifest", WithoutTag(b) + ":" + SigTag(Known("arm64"))});
  PutManifest(repo, SigTag(Known("single")), sig_b.out, env);
  RunResult v = env.Vouch({"verify", a, "--key", env.Pub("k1")});
  BOOST_TEST(v.exit_code == 1);
  BOOST_TEST(v.out.find("payload is for " + Known("arm64") + ", not " + Known("single")) !=
                 std::string::npos, v.out);
  // A corrupted signature annotation on B's own signature.
  std::string bytes = sig_b.out;
  size_t at = bytes.find("\"dev.cosignproject.cosign/signature\":\"");
  BOOST_REQUIRE(at != std::string::npos);
  size_t pos = at + 40;
  bytes[pos] = bytes[pos] == 'A' ? 'B' : 'A';
  PutManifest(repo, SigTag(Known("arm64")), bytes, env);
  RunResult c = env.Vouch({"verify", b, "--key", env.Pub("k1")});
  BOOST_TEST(c.exit_code == 1);
  BOOST_TEST(c.out.find("legacy  " + SigTag(Known("arm64")) + " layer 0  invalid: ") !=
                 std::string::npos, c.out);
}

BOOST_AUTO_TEST_CASE(ThresholdTwoOfThree) {
  Env env;
  std::string k1 = env.Key("k1"), k2 = env.Key("k2");
  env.Key("k3");
  std::string img = env.Image("single", RepoName("threshold"));
  env.MustVouch({"sign", img, "--key", k1});
  std::vector<std::string> args = {"verify", img, "--key", env.Pub("k1"), "--key", env.Pub("k2"),
                                   "--key", env.Pub("k3"), "--threshold", "2"};
  RunResult one = env.Vouch(args);
  BOOST_TEST(one.exit_code == 1);
  BOOST_TEST(one.err.find("only 1 of the 2 required trusted keys signed") != std::string::npos, one.err);
  env.MustVouch({"sign", img, "--key", k2, "--format", "legacy"});  // the second key, other form
  BOOST_TEST(env.Vouch(args).exit_code == 0);
  // The same key twice counts once; a threshold above the distinct keys is a usage error.
  RunResult twice = env.Vouch({"verify", img, "--key", env.Pub("k1"), "--key", env.Pub("k1"), "--threshold", "2"});
  BOOST_TEST(twice.exit_code == 2, twice.err);
}

BOOST_AUTO_TEST_CASE(MultiArchAllPlatforms) {
  Env env;
  std::string k1 = env.Key("k1");
  std::string img = env.Image("multi", RepoName("multi"));
  env.MustVouch({"sign", img, "--key", k1});  // the index only
  env.MustVouch({"sign", WithoutTag(img) + "@" + Known("single"), "--key", k1, "--format", "legacy"});
  BOOST_TEST(env.Vouch({"verify", img, "--key", env.Pub("k1")}).exit_code == 0);
  RunResult all = env.Vouch({"verify", img, "--key", env.Pub("k1"), "--all-platforms", "--output", "json"});
  BOOST_TEST(all.exit_code == 1);
  BOOST_TEST(all.out.find("\"platform\": \"linux/arm64/v8\"") != std::string::npos, all.out);
  BOOST_TEST(all.err.find("no signatures found for " + Known("arm64")) != std::string::npos, all.err);
  BOOST_TEST(env.Vouch({"verify", img, "--key", env.Pub("k1"), "--platform", "linux/amd64"}).exit_code == 0);
  BOOST_TEST(env.Vouch({"verify", img, "--key", env.Pub("k1"), "--platform", "linux/arm64"}).exit_code == 1);
  // --recursive signs the rest.
  RunResult r = env.MustVouch({"sign", img, "--key", k1, "--recursive"});
  BOOST_TEST(r.out.find("(linux/arm64/v8)") != std::string::npos, r.out);
  BOOST_TEST(env.Vouch({"verify", img, "--key", env.Pub("k1"), "--all-platforms"}).exit_code == 0);
}

BOOST_AUTO_TEST_CASE(JsonOutputAndSeveralImages) {
  Env env;
  std::string k1 = env.Key("k1");
  std::string signed_img = env.Image("single", RepoName("json-signed"));
  std::string unsigned_img = env.Image("single", RepoName("json-unsigned"));
  RunResult s =
      env.MustVouch({"sign", signed_img, "--key", k1, "--format", "legacy", "-o", "json"});
  for (const std::string& problem :
       testing::ShapeProblems(s.out, testing::DocumentedShape("sign"))) {
    BOOST_ERROR(problem);
  }
  BOOST_TEST(s.out.find("\"tag\": \"" + SigTag(Known("single")) + "\"") != std::string::npos,
             s.out);
  RunResult j = env.Vouch({"verify", signed_img, unsigned_img, "--key", env.Pub("k1"), "--output", "json"});
  BOOST_TEST(j.exit_code == 1);
  for (const std::string& problem :
       testing::ShapeProblems(j.out, testing::DocumentedShape("verify"))) {
    BOOST_ERROR(problem);
  }
  for (const char* field : {"\"verified\": false", "\"threshold\": 1", "\"status\": \"verified\"",
                            "\"status\": \"rejected\"", "\"format\": \"legacy\"", "\"keyId\": \"",
                            "\"referrersScheme\": \"fallback-tag\"", "\"validKeys\": 1"}) {
    BOOST_TEST(j.out.find(field) != std::string::npos, field << " in " << j.out);
  }
  // An unreachable image among them: exit 3 (could not check), whatever the others say.
  RunResult three = env.Vouch({"verify", signed_img, unsigned_img, "127.0.0.1:1/x/y:z", "--key", env.Pub("k1")});
  BOOST_TEST(three.exit_code == 3, three.err);
  BOOST_TEST(env.Vouch({"verify", signed_img, signed_img, "--key", env.Pub("k1")}).exit_code == 0);
}

// Concurrent signers: 4 processes with 4 keys sign the same image at once; all 4 signatures
// survive, in each format.
BOOST_AUTO_TEST_CASE(ConcurrentSignersLoseNothing) {
  Env env;
  std::vector<std::string> keys;
  for (int i = 0; i < 4; ++i) {
    keys.push_back(env.Key("c" + std::to_string(i)));
  }
  for (std::string format : {"bundle", "legacy"}) {
    std::string img = env.Image("single", RepoName("concurrent-" + format));
    std::vector<RunResult> results(4);
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i) {
      threads.emplace_back([&, i] {
        results[i] = env.Vouch({"sign", img, "--key", keys[i], "--format", format});
      });
    }
    for (auto& t : threads) {
      t.join();
    }
    for (const RunResult& r : results) {
      BOOST_TEST(r.exit_code == 0, format << ": " << r.err);
    }
    std::vector<std::string> args = {"verify", img, "--threshold", "4", "--signature-format", format};
    for (int i = 0; i < 4; ++i) {
      args.push_back("--key");
      args.push_back(env.Pub("c" + std::to_string(i)));
    }
    RunResult v = env.Vouch(args);
    BOOST_TEST(v.exit_code == 0, format << ": " << v.out << v.err);
  }
}

BOOST_AUTO_TEST_CASE(SignOfflineInALayoutThenCopy) {
  Env env;
  std::string k1 = env.Key("k1");
  std::string lay = "oci:" + env.dir.File("layout") + ":v1";
  WriteText(env.dir.File("policy.json"), R"({"default":[{"type":"insecureAcceptAnything"}]})");
  RunResult sk = Run({"skopeo", "--policy", env.dir.File("policy.json"), "copy", "-q",
                      "--src-tls-verify=false", "docker://" + Reg() + "/fixture/single:v1", lay});
  BOOST_REQUIRE_MESSAGE(sk.exit_code == 0, sk.err);
  env.MustVouch({"sign", lay, "--key", k1});
  env.MustVouch({"sign", lay, "--key", k1, "--format", "legacy"});
  RunResult lv = env.Vouch({"verify", lay, "--key", env.Pub("k1"), "--output", "json"});
  BOOST_TEST(lv.exit_code == 0, lv.out << lv.err);
  BOOST_TEST(lv.out.find("\"format\": \"bundle\"") != std::string::npos, lv.out);
  std::string dst = Reg() + "/" + RepoName("from-layout") + ":v1";
  RunResult c = env.MustVouch({"copy", lay, dst, "-o", "json"});
  for (const std::string& problem :
       testing::ShapeProblems(c.out, testing::DocumentedShape("copy"))) {
    BOOST_ERROR(problem);
  }
  BOOST_TEST(c.out.find("\"referrersCopied\": 1") != std::string::npos, c.out);
  RunResult v = env.Vouch({"verify", dst, "--key", env.Pub("k1")});
  BOOST_TEST(v.exit_code == 0, v.out << v.err);
  BOOST_TEST(v.out.find("legacy") != std::string::npos, v.out);
  BOOST_TEST(v.out.find("bundle") != std::string::npos, v.out);
}

// FreePort returns a loopback port nothing listens on (bound, then closed).
std::string FreePort() {
  RunResult r = Run({"python3", "-c",
                     "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); "
                     "print(s.getsockname()[1]); s.close()"});
  BOOST_REQUIRE(r.exit_code == 0);
  Trim(r.out);
  return r.out;
}

// A private registry that the test stops part-way, and a registry that answers the resolution
// and then throttles everything: "could not check" (exit 3), never "unsigned".
BOOST_AUTO_TEST_CASE(RegistryFailuresAreExitThree) {
  Env env;
  std::string k1 = env.Key("k1");
  std::string port = FreePort();
  std::string cfg = env.dir.File("reg.yml");
  WriteText(cfg, "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: " +
                     env.dir.File("storage") + "\nhttp:\n  addr: 127.0.0.1:" + port + "\n");
  pid_t pid = fork();
  BOOST_REQUIRE(pid >= 0);
  if (pid == 0) {
    setsid();
    int null_fd = open("/dev/null", O_WRONLY);
    dup2(null_fd, 1);
    dup2(null_fd, 2);
    execlp("timeout", "timeout", "120", "docker-registry", "serve", cfg.c_str(), nullptr);
    _exit(127);
  }
  std::string addr = "127.0.0.1:" + port;
  bool up = false;
  for (int i = 0; i < 100 && !up; ++i) {
    up = Run({"curl", "-s", "-o", "/dev/null", "http://" + addr + "/v2/"}).exit_code == 0;
    if (!up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  BOOST_REQUIRE_MESSAGE(up, "private registry did not start");
  std::string img = addr + "/private/app:v1";
  WriteText(env.dir.File("policy.json"), R"({"default":[{"type":"insecureAcceptAnything"}]})");
  RunResult sk = Run({"skopeo", "--policy", env.dir.File("policy.json"), "copy", "-q",
                      "--preserve-digests", "--dest-tls-verify=false",
                      "oci:" + FixtureDir() + "/layout:single", "docker://" + img});
  BOOST_REQUIRE_MESSAGE(sk.exit_code == 0, sk.err);
  env.MustVouch({"sign", img, "--key", k1});
  BOOST_TEST(env.Vouch({"verify", img, "--key", env.Pub("k1")}).exit_code == 0);
  kill(-pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  RunResult down = env.Vouch({"verify", img, "--key", env.Pub("k1")});
  BOOST_TEST(down.exit_code == 3, down.out << down.err);
  BOOST_TEST(down.err.find("no signatures") == std::string::npos, down.err);

  // Throttled after resolution: HEAD answers, every other request is 429 (the fault proxy).
  vouch::testing::FaultProxy throttle(
      Reg(), vouch::testing::FaultRule("^/v2/.", "status",
                                       R"(, "code": 429, "retry_after": 0, "body": "")"));
  std::string throttled = env.Image("single", RepoName("throttled"));
  RunResult thr = env.Vouch(
      {"verify", throttle.host_port() + throttled.substr(Reg().size()), "--key", env.Pub("k1")});
  BOOST_TEST(thr.exit_code == 3, thr.out << thr.err);
  BOOST_TEST(thr.err.find("throttled") != std::string::npos, thr.err);
  BOOST_TEST(thr.err.find("no signatures") == std::string::npos, thr.err);
}

// Copy draws its progress line only on a terminal: under script(1)'s pseudo-terminal the line is
// redrawn in place up to 100%; through a pipe (CI logs) stderr holds no carriage return at all.
BOOST_AUTO_TEST_CASE(CopyProgressOnlyOnATerminal) {
  Env env;
  std::string src = env.Image("multi", RepoName("progress-src"));
  RunResult piped = env.MustVouch({"copy", src, Reg() + "/" + RepoName("progress-piped") + ":v1"});
  BOOST_TEST(piped.err.find('\r') == std::string::npos, piped.err);
  BOOST_TEST(piped.err.find("copy [") == std::string::npos, piped.err);

  std::string line = vouch::testing::VouchBin() + " copy " + src + " " + Reg() + "/" + RepoName("progress-tty") + ":v1";
  RunResult tty = Run({"script", "-qec", line, "/dev/null"}, env.Options());
  BOOST_TEST(tty.exit_code == 0, tty.out << tty.err);
  BOOST_TEST(tty.out.find("\rcopy [") != std::string::npos, tty.out);
  BOOST_TEST(tty.out.find("100%") != std::string::npos, tty.out);
  BOOST_TEST(tty.out.find("vouch: copied ") != std::string::npos, tty.out);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::images_test
