// `vouch verify --policy` against the real docker-registry fixture: issue 6's table of policies x
// images, each row with its expected exit code and the reason it must name, plus exit 2 for a
// malformed policy, exit 3 (never 1) for an unreachable registry, the JSON report, and the
// request count of one policy run against `verify` + two `verify-attestation` calls.
//
// The fixture images are built once for the whole suite (Fixture below) with the real tools:
// skopeo pushes the fixture layout, `vouch sign` and `vouch attest` attach signatures and
// attestations (both storage forms), keys come from openssl.
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "core/internal/json.h"
#include "images/common.h"
#include "vouch/core/bytes.h"
#include "vouch/core/clock.h"

namespace vouch::policy_eval_test {
namespace {

using namespace vouch::images_test;  // NOLINT(google-build-using-namespace): test helpers

constexpr char kCommit[] = "0123456789abcdef0123456789abcdef01234567";
constexpr char kBaseHex[] = "2222222222222222222222222222222222222222222222222222222222222222";
constexpr char kGoodBuilder[] = "https://github.com/acme/builder/container@v1";
constexpr char kGoodSource[] = "git+https://github.com/acme/app";
constexpr char kInTotoVulns[] = "https://in-toto.io/attestation/vulns/v0.2";

// Provenance is a SLSA v1 predicate (as BuildKit records its base image: a pkg:docker purl).
std::string Provenance(const std::string& builder, const std::string& source,
                       const std::string& ref, const std::string& base_uri) {
  std::string now = FormatRfc3339(std::chrono::system_clock::now());
  return R"({"buildDefinition":{"buildType":"https://builder.example/type/v1",)"
         R"("externalParameters":{},"resolvedDependencies":[)"
         R"({"uri":")" +
         source + "@" + ref + R"(","digest":{"gitCommit":")" + kCommit +
         R"("}},)"
         R"({"uri":")" +
         base_uri + R"(","digest":{"sha256":")" + kBaseHex +
         R"("}}]},)"
         R"("runDetails":{"builder":{"id":")" +
         builder +
         R"("},)"
         R"("metadata":{"startedOn":")" +
         now + R"(","finishedOn":")" + now + R"("}}})";
}

// InTotoVulns is an in-toto vulns v0.2 predicate: CVE-2024-0001 critical (ignored by the
// policy), CVE-2024-1111 medium, scanned |age| ago.
std::string InTotoVulns(std::chrono::hours age) {
  std::string t = FormatRfc3339(std::chrono::system_clock::now() - age);
  return R"({"scanner":{"uri":"pkg:github/aquasecurity/trivy@0.50.0","version":"0.50.0",)"
         R"("result":[{"id":"CVE-2024-0001","severity":[{"method":"CVSSv3","score":"9.8"}]},)"
         R"({"id":"CVE-2024-1111","severity":[{"method":"CVSSv3","score":"5.0"}]}]},)"
         R"("metadata":{"scanStartedOn":")" +
         t + R"(","scanFinishedOn":")" + t + R"("}})";
}

// TrivyVulns is cosign's vuln/v1 predicate holding a Trivy JSON report with one critical finding.
std::string TrivyVulns() {
  std::string t = FormatRfc3339(std::chrono::system_clock::now());
  return R"({"invocation":{"uri":"","event_id":"","builder.id":""},)"
         R"("scanner":{"uri":"pkg:github/aquasecurity/trivy@0.50.0","version":"0.50.0",)"
         R"("db":{"uri":"","version":""},"result":{"SchemaVersion":2,"Results":[{"Target":"app",)"
         R"("Vulnerabilities":[{"VulnerabilityID":"CVE-2024-9999","Severity":"CRITICAL"},)"
         R"({"VulnerabilityID":"CVE-2024-0001","Severity":"CRITICAL"}]}]}},)"
         R"("metadata":{"scanStartedOn":")" +
         t + R"(","scanFinishedOn":")" + t + R"("}})";
}

const std::string kDebian = "pkg:docker/debian@12?platform=linux%2Famd64";

// Fixture holds the keys and images every test uses, built once.
struct Fixture {
  Env env;
  std::string good, unsigned_image, builder, fork, ref, base, crit, old_vuln, multi;
  std::string oci_base, odd_base;
  std::string multi_attested;
  std::string release_key_id;

  Fixture() {
    for (const char* k : {"release", "ci", "scanner", "other"}) {
      env.Key(k);
    }
    std::string der = env.dir.File("release.der");
    RunResult r = Run(
        {"openssl", "pkey", "-pubin", "-in", env.Pub("release"), "-outform", "DER", "-out", der});
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    release_key_id = Digest::Of(AsBytes(ReadText(der))).Hex();

    std::string prov_good =
        Write("prov-good", Provenance(kGoodBuilder, kGoodSource, "refs/heads/main", kDebian));
    std::string vuln_good = Write("vuln-good", InTotoVulns(std::chrono::hours(1)));
    good = Add("good", "bundle", prov_good, vuln_good, kInTotoVulns);
    unsigned_image = env.Image("single", RepoName("pe-unsigned"));
    builder = Add("builder", "bundle",
                  Write("prov-builder", Provenance("https://evil.example/builder@v1", kGoodSource,
                                                   "refs/heads/main", kDebian)),
                  vuln_good, kInTotoVulns);
    fork = Add("fork", "legacy",
               Write("prov-fork", Provenance(kGoodBuilder, "git+https://github.com/fork/app",
                                             "refs/heads/main", kDebian)),
               vuln_good, kInTotoVulns);
    ref = Add("ref", "bundle",
              Write("prov-ref", Provenance(kGoodBuilder, kGoodSource, "refs/heads/dev", kDebian)),
              vuln_good, kInTotoVulns);
    base = Add("base", "legacy",
               Write("prov-base", Provenance(kGoodBuilder, kGoodSource, "refs/tags/v1.2",
                                             "pkg:docker/quay.io/evil/base@1.0")),
               vuln_good, kInTotoVulns);
    // pkg:oci purls name the whole repository in repository_url (purl-spec); a purl type vouch
    // does not know fails baseImages instead of being skipped.
    oci_base = Add("ocibase", "bundle",
                   Write("prov-ocibase",
                         Provenance(kGoodBuilder, kGoodSource, "refs/heads/main",
                                    std::string("pkg:oci/debian@sha256%3A") + kBaseHex +
                                        "?repository_url=docker.io%2Flibrary%2Fdebian&tag=12")),
                   vuln_good, kInTotoVulns);
    odd_base = Add("oddbase", "bundle",
                   Write("prov-oddbase", Provenance(kGoodBuilder, kGoodSource, "refs/heads/main",
                                                    "pkg:frobnicator/base@1.0")),
                   vuln_good, kInTotoVulns);
    crit = Add("crit", "bundle", prov_good, Write("vuln-crit", TrivyVulns()), "vuln");
    old_vuln = Add("oldvuln", "bundle", prov_good,
                   Write("vuln-old", InTotoVulns(std::chrono::hours(24 * 10))), kInTotoVulns);
    // An index whose index and amd64 manifest are signed, but not its arm64 manifest.
    multi = env.Image("multi", RepoName("pe-multi"));
    const std::string key = env.dir.File("release.pem");
    jobs.push_back(
        {{"sign", multi, "--key", key},
         {"sign", Reg() + "/" + RepoName("pe-multi") + "@" + Known("single"), "--key", key}});
    // An index signed everywhere whose attestations are attached to the index only: with
    // platforms "all" they count for every platform.
    multi_attested = env.Image("multi", RepoName("pe-multi-attested"));
    const std::string by_digest = Reg() + "/" + RepoName("pe-multi-attested") + "@";
    jobs.push_back({{"sign", multi_attested, "--key", key},
                    {"sign", by_digest + Known("single"), "--key", key},
                    {"sign", by_digest + Known("arm64"), "--key", key},
                    {"attest", multi_attested, "--key", env.dir.File("ci.pem"), "--predicate",
                     prov_good, "--type", "slsaprovenance"},
                    {"attest", multi_attested, "--key", env.dir.File("scanner.pem"), "--predicate",
                     vuln_good, "--type", kInTotoVulns}});
    // Each image's calls run in order (they update the same tags); images run at once.
    std::vector<std::string> failures(jobs.size());
    std::vector<std::thread> threads;
    for (size_t i = 0; i < jobs.size(); ++i) {
      threads.emplace_back([&, i] {
        for (const std::vector<std::string>& args : jobs[i]) {
          RunResult out = env.Vouch(args);
          if (out.exit_code != 0) {
            failures[i] = "vouch " + args[0] + " " + args[1] + " exited " +
                          std::to_string(out.exit_code) + ": " + out.err;
            return;
          }
        }
      });
    }
    for (std::thread& t : threads) {
      t.join();
    }
    for (const std::string& f : failures) {
      BOOST_REQUIRE_MESSAGE(f.empty(), f);
    }
  }

  std::string Write(const std::string& name, const std::string& text) {
    std::string path = env.dir.File(name + ".json");
    WriteText(path, text);
    return path;
  }

  // Add pushes the single-platform image and queues its signature by release and its
  // provenance (ci) and vulnerability report (scanner) attestations, in |format|.
  std::string Add(const std::string& name, const std::string& format, const std::string& prov,
                  const std::string& vuln, const std::string& vuln_type) {
    std::string img = env.Image("single", RepoName("pe-" + name));
    jobs.push_back({{"sign", img, "--key", env.dir.File("release.pem"), "--format", format},
                    {"attest", img, "--key", env.dir.File("ci.pem"), "--predicate", prov, "--type",
                     "slsaprovenance", "--format", format},
                    {"attest", img, "--key", env.dir.File("scanner.pem"), "--predicate", vuln,
                     "--type", vuln_type, "--format", format}});
    return img;
  }

  std::vector<std::vector<std::vector<std::string>>> jobs;  // per image, vouch calls in order
};

Fixture& F() {
  static Fixture f;
  return f;
}

// PolicyOptions are the knobs the table turns on the issue's production policy.
struct PolicyOptions {
  std::string scope;  // default: every repository of this test run
  std::string mode = "enforce";
  std::string signers = R"(["release"])";
  int threshold = 1;
  std::string release_key = "release.pub";
  std::string deny = R"({"digests":[],"keyIds":[]})";
  bool attestations = true;
};

std::string PolicyJson(const PolicyOptions& o) {
  std::string scope = o.scope.empty() ? Reg() + "/" + RepoName("*") : o.scope;
  std::string atts = o.attestations ? R"(,
    "attestations": [
      {"type": "slsaprovenance", "authorities": ["ci"], "maxAge": "30d",
       "slsa": {"builderIds": ["https://github.com/acme/builder/*"],
                "sourceUris": ["git+https://github.com/acme/*"],
                "sourceRefs": ["refs/heads/main", "refs/tags/v*"]}},
      {"type": "vuln", "authorities": ["scanner"], "maxAge": "7d",
       "vulnerabilities": {"maxSeverity": "medium", "ignore": ["CVE-2024-0001"]}}
    ],
    "baseImages": {"allowed": ["docker.io/library/debian@*", "gcr.io/distroless/**"]})"
                                    : "";
  return R"({
  "version": 1,
  "authorities": {
    "release": {"key": {"path": ")" +
         o.release_key + R"("}},
    "ci": {"key": {"path": "ci.pub"}},
    "scanner": {"key": {"path": "scanner.pub"}}
  },
  "policies": [{
    "name": "production", "scope": ")" +
         scope + R"(", "mode": ")" + o.mode + R"(",
    "signatures": {"authorities": )" +
         o.signers + R"(, "threshold": )" + std::to_string(o.threshold) + "}" + atts + R"(,
    "platforms": "all"
  }],
  "deny": )" +
         o.deny + "\n}\n";
}

// Check evaluates |image| with the policy and checks the exit code and every reason fragment.
RunResult Check(const std::string& name, const PolicyOptions& o, const std::string& image,
                int want_exit, const std::vector<std::string>& fragments) {
  std::string path = F().env.dir.File("policy-" + name + ".json");
  WriteText(path, PolicyJson(o));
  RunResult r = F().env.Vouch({"verify", "--policy", path, image});
  BOOST_TEST(r.exit_code == want_exit, name << ": exit " << r.exit_code << "\n" << r.out << r.err);
  for (const std::string& f : fragments) {
    BOOST_TEST((r.out + r.err).find(f) != std::string::npos, name << ": no \"" << f << "\" in\n"
                                                                  << r.out << r.err);
  }
  return r;
}

BOOST_AUTO_TEST_SUITE(PolicyTable)

BOOST_AUTO_TEST_CASE(SignedAndAttestedIsAccepted) {
  Check("accept", {}, F().good, 0,
        {"accepted (policy production", "pass   signatures: signed by release",
         "pass   attestation slsaprovenance", "pass   attestation vuln",
         "vulnerabilities: critical 0, high 0, medium 1", "pass   baseImages: 1 base image",
         "SLSA_BUILD_LEVEL_2"});
}

BOOST_AUTO_TEST_CASE(Unsigned) {
  Check("unsigned", {}, F().unsigned_image, 1,
        {"rejected", "FAIL   signatures: no signatures found",
         "FAIL   attestation slsaprovenance: no verified slsaprovenance attestation"});
}

BOOST_AUTO_TEST_CASE(WrongKey) {
  PolicyOptions o;
  o.release_key = "other.pub";
  Check("wrong-key", o, F().good, 1,
        {"FAIL   signatures", "release: signature does not verify with any trusted key"});
}

BOOST_AUTO_TEST_CASE(ThresholdNotMet) {
  PolicyOptions o;
  o.signers = R"(["release", "ci"])";
  o.threshold = 2;
  Check("threshold", o, F().good, 1,
        {"FAIL   signatures: 1 of 2 required authorities signed", "ci: signature does not verify"});
}

BOOST_AUTO_TEST_CASE(ProvenanceFromAnotherBuilder) {
  Check("builder", {}, F().builder, 1,
        {"FAIL   attestation slsaprovenance",
         "builder id \"https://evil.example/builder@v1\" does not match"});
}

BOOST_AUTO_TEST_CASE(SourceFromAFork) {
  Check("fork", {}, F().fork, 1,
        {"FAIL   attestation slsaprovenance",
         "source \"git+https://github.com/fork/app\" does not match", "pass   signatures"});
}

BOOST_AUTO_TEST_CASE(RefNotAllowed) {
  Check("ref", {}, F().ref, 1,
        {"FAIL   attestation slsaprovenance", "ref \"refs/heads/dev\" does not match"});
}

BOOST_AUTO_TEST_CASE(UntrustedBaseImage) {
  Check("base", {}, F().base, 1,
        {"pass   attestation slsaprovenance",  // refs/tags/v1.2 matches refs/tags/v*
         std::string("FAIL   baseImages: base image quay.io/evil/base@sha256:") + kBaseHex +
             " is not allowed"});
}

BOOST_AUTO_TEST_CASE(OciPurlBaseImageIsRead) {
  Check("ocibase", {}, F().oci_base, 0, {"pass   baseImages: 1 base image allowed"});
}

BOOST_AUTO_TEST_CASE(UninterpretableBaseImageFails) {
  Check("oddbase", {}, F().odd_base, 1,
        {"FAIL   baseImages: dependency pkg:frobnicator/base@1.0 cannot be interpreted: unknown "
         "package URL type \"frobnicator\""});
}

BOOST_AUTO_TEST_CASE(CriticalVulnerability) {
  Check("crit", {}, F().crit, 1,
        {"pass   attestation vuln",
         "FAIL   vulnerabilities: 1 vulnerabilities above medium: CVE-2024-9999 (critical)"});
}

BOOST_AUTO_TEST_CASE(VulnerabilityAttestationTooOld) {
  Check("old-vuln", {}, F().old_vuln, 1, {"FAIL   attestation vuln: attestation is older than 7d"});
}

BOOST_AUTO_TEST_CASE(RevokedKey) {
  PolicyOptions o;
  o.deny = R"({"digests": [], "keyIds": [")" + F().release_key_id + R"("]})";
  Check("revoked", o, F().good, 1, {"FAIL   signatures", "which is revoked (deny.keyIds)"});
}

BOOST_AUTO_TEST_CASE(DeniedDigest) {
  PolicyOptions o;
  o.deny = R"({"digests": [")" + Known("single") + R"("], "keyIds": []})";
  Check("denied-digest", o, F().good, 1,
        {"FAIL   deny: digest " + Known("single") + " is denied (deny.digests)"});
  // A platform digest of an index is denied too.
  o.attestations = false;
  Check("denied-platform", o, F().multi, 1, {"is denied (deny.digests)"});
}

BOOST_AUTO_TEST_CASE(OnePlatformOfAnIndexUnsigned) {
  PolicyOptions o;
  o.attestations = false;
  RunResult r = Check("multi", o, F().multi, 1,
                      {"pass   signatures: signed by", "pass   signatures [linux/amd64]",
                       "FAIL   signatures [linux/arm64"});
  BOOST_TEST(r.out.find("no signatures found for " + Known("arm64")) != std::string::npos, r.out);
}

BOOST_AUTO_TEST_CASE(IndexAttestationsCountForEveryPlatform) {
  Check("multi-attested", {}, F().multi_attested, 0,
        {"accepted (policy production", "pass   signatures [linux/arm64",
         "pass   attestation slsaprovenance [linux/amd64]: ci (key ",
         "pass   attestation slsaprovenance [linux/arm64", "pass   vulnerabilities [linux/arm64",
         "pass   baseImages [linux/amd64]", "SLSA_BUILD_LEVEL_2"});
}

BOOST_AUTO_TEST_CASE(AuditModeAcceptsWithWarnings) {
  PolicyOptions o;
  o.mode = "audit";
  Check("audit", o, F().unsigned_image, 0,
        {"accepted (policy production", "mode audit", "warn   signatures: no signatures found"});
}

BOOST_AUTO_TEST_CASE(NoMatchingScopeRejects) {
  PolicyOptions o;
  o.scope = "registry.example.com/prod/**";
  Check("no-scope", o, F().good, 1, {"rejected", "FAIL   scope: no policy scope matches"});
}

BOOST_AUTO_TEST_CASE(MalformedPolicyIsLocated) {
  std::string path = F().env.dir.File("policy-bad.json");
  WriteText(path, R"({"version": 1, "authorities": {"release": {"key": {"path": "release.pub"}}},
    "policies": [{"name": "p", "scope": "*", "mode": "enforced",
                  "signatures": {"authorities": ["nobody"], "threshold": 1}}]})");
  RunResult r = F().env.Vouch({"verify", "--policy", path, F().good});
  BOOST_TEST(r.exit_code == 2, r.out << r.err);
  BOOST_TEST(r.err.find("/policies/0/mode") != std::string::npos, r.err);
  BOOST_TEST(r.err.find("/policies/0/signatures/authorities/0") != std::string::npos, r.err);
  BOOST_TEST(r.out.empty(), r.out);
}

BOOST_AUTO_TEST_CASE(PolicyExcludesKeyFlags) {
  std::string path = F().env.dir.File("policy-flags.json");
  WriteText(path, PolicyJson({}));
  RunResult r = F().env.Vouch({"verify", "--policy", path, F().good, "--key", F().env.Pub("ci")});
  BOOST_TEST(r.exit_code == 2, r.out << r.err);
  BOOST_TEST(r.err.find("--policy excludes --key") != std::string::npos, r.err);
}

BOOST_AUTO_TEST_CASE(UnreachableRegistryIsAnErrorNotARejection) {
  PolicyOptions o;
  o.scope = "*";
  // One unreachable image among accepted ones makes the run exit 3, and it is never reported
  // as rejected.
  std::string path = F().env.dir.File("policy-unreachable.json");
  WriteText(path, PolicyJson(o));
  RunResult both = F().env.Vouch({"verify", "--policy", path, F().good, "127.0.0.1:1/acme/app:v1"});
  BOOST_TEST(both.out.find("127.0.0.1:1/acme/app:v1: error") != std::string::npos, both.out);
  BOOST_TEST(both.out.find("rejected") == std::string::npos, both.out);
  BOOST_TEST(both.out.find(": accepted (policy production") != std::string::npos, both.out);
  BOOST_TEST(both.exit_code == 3, both.out << both.err);
}

// A keyless authority without a usable trusted root (none named, VOUCH_TRUSTED_ROOT unset) fails
// closed as "could not check": exit 3, never accepted or rejected.
BOOST_AUTO_TEST_CASE(UnsupportedAuthorityIsAnError) {
  std::string path = F().env.dir.File("policy-keyless.json");
  WriteText(path, R"({"version": 1,
    "authorities": {"release": {"keyless": {"identity": "release@example.com",
                                            "issuer": "https://accounts.example.com"}}},
    "policies": [{"name": "p", "scope": "*", "mode": "enforce",
                  "signatures": {"authorities": ["release"], "threshold": 1}}]})");
  RunResult r = F().env.Vouch({"verify", "--policy", path, F().good});
  BOOST_TEST(r.exit_code == 3, r.out << r.err);
  BOOST_TEST(r.out.find("error  signatures: cannot check: authority release: no trusted root") !=
                 std::string::npos,
             r.out);
}

BOOST_AUTO_TEST_CASE(JsonReport) {
  std::string path = F().env.dir.File("policy-json.json");
  WriteText(path, PolicyJson({}));
  RunResult r =
      F().env.Vouch({"verify", "--policy", path, F().good, F().unsigned_image, "--output", "json"});
  BOOST_TEST(r.exit_code == 1, r.out << r.err);
  auto j = ParseJson(r.out, "report");
  BOOST_REQUIRE_MESSAGE(j.ok(), r.out);
  BOOST_TEST((*j)["accepted"].get<bool>() == false);
  BOOST_TEST((*j)["policy"]["source"].get<std::string>() == path);
  const Json& images = (*j)["images"];
  BOOST_REQUIRE(images.size() == 2);
  BOOST_TEST(images[0]["image"].get<std::string>() == F().good);
  BOOST_TEST(images[0]["decision"].get<std::string>() == "accepted");
  BOOST_TEST(images[0]["digest"].get<std::string>() == Known("single"));
  BOOST_TEST(images[0]["verifiedLevels"][0].get<std::string>() == "SLSA_BUILD_LEVEL_2");
  BOOST_TEST(images[0]["inputs"].size() == 3u);
  for (const Json& res : images[0]["results"]) {
    BOOST_TEST(res["outcome"].get<std::string>() == "pass", res.dump());
  }
  BOOST_TEST(images[1]["decision"].get<std::string>() == "rejected");
  BOOST_TEST(images[1]["errorCode"].get<std::string>() != "");
  BOOST_TEST(images[1]["results"][0]["requirement"].get<std::string>() == "signatures");
  BOOST_TEST(images[1]["results"][0]["outcome"].get<std::string>() == "fail");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(PolicyRequests)

// One policy run (one signature, two attestations) costs fewer registry requests than
// `vouch verify` plus two `vouch verify-attestation` calls. Counts only, never times; only the
// requests for this image's repository count (other suites share the registry).
BOOST_AUTO_TEST_CASE(FewerRequestsThanThreeCalls) {
  const Env& env = F().env;
  std::string path = env.dir.File("policy-requests.json");
  WriteText(path, PolicyJson({}));
  const std::string repo = "/v2/" + RepoName("pe-good") + "/";
  auto count = [&](size_t offset) {
    size_t n = 0;
    for (const std::string& req : RequestsSince(offset)) {
      n += req.find(repo) != std::string::npos ? 1 : 0;
    }
    return n;
  };
  size_t start = LogSize();
  env.MustVouch({"verify", "--policy", path, F().good});
  size_t policy_requests = count(start);
  start = LogSize();
  env.MustVouch({"verify", F().good, "--key", env.Pub("release")});
  env.MustVouch(
      {"verify-attestation", F().good, "--key", env.Pub("ci"), "--type", "slsaprovenance"});
  env.MustVouch(
      {"verify-attestation", F().good, "--key", env.Pub("scanner"), "--type", kInTotoVulns});
  size_t separate_requests = count(start);
  BOOST_TEST_MESSAGE("policy run: " << policy_requests
                                    << " requests; three calls: " << separate_requests);
  BOOST_TEST(policy_requests > 0u);
  BOOST_TEST(policy_requests < separate_requests);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::policy_eval_test
