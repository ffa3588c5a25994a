// `vouch promote` and VSAs end to end against the real docker-registry fixture
// (tests/fixtures/registry.sh): an accepted image arrives with identical digests and verifies at
// DST, a rejected one leaves DST untouched, a registry fault in the middle of the copy (the
// fault proxy, tests/fixtures/fault_proxy.py, failing the Nth manifest PUT) leaves DST's tag
// untouched, and VSAs round-trip while tampered, misaddressed, stale, FAILED and other-policy ones
// are refused.
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/internal/json.h"
#include "images/common.h"
#include "testutil/json_shape.h"
#include "vouch/attest/bundle.h"
#include "vouch/attest/dsse.h"
#include "vouch/attest/vsa.h"
#include "vouch/core/bytes.h"
#include "vouch/keys/keys.h"
#include "vouch/registry/client.h"
#include "vouch/registry/reference.h"
#include "vouch/sign/image.h"

namespace vouch::images_test {
namespace {

constexpr char kVerifierId[] = "https://gate.example/promote";

// Names unique to this run and case: "<case>/staging/app" and "<case>/prod/app".
std::string Prefix(const std::string& what) {
  return "promote-" + std::to_string(::getpid()) + "-" + what;
}

std::string Curl(const std::vector<std::string>& args, int* http_code = nullptr) {
  std::vector<std::string> argv = {"curl", "-sS"};
  if (http_code != nullptr) {
    argv.insert(argv.end(), {"-o", "/dev/null", "-w", "%{http_code}"});
  } else {
    argv.push_back("-f");
  }
  argv.insert(argv.end(), args.begin(), args.end());
  RunResult r = Run(argv);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, "curl " << args.back() << ": " << r.err);
  if (http_code != nullptr) {
    *http_code = std::stoi(r.out);
  }
  return r.out;
}

constexpr char kAcceptAll[] =
    "Accept: application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.docker.distribution.manifest.v2+json";

// ManifestBytes GETs repo:ref from the open registry directly (not through vouch).
std::string ManifestBytes(const std::string& repo, const std::string& ref) {
  return Curl({"-H", kAcceptAll, "http://" + Reg() + "/v2/" + repo + "/manifests/" + ref});
}

int ManifestStatus(const std::string& repo, const std::string& ref) {
  int code = 0;
  Curl({"-I", "-H", kAcceptAll, "http://" + Reg() + "/v2/" + repo + "/manifests/" + ref}, &code);
  return code;
}

std::string DigestOf(const std::string& bytes) { return Digest::Of(AsBytes(bytes)).ToString(); }

// WritePolicy writes the trust policy: images under <host>/*/prod/** need a signature by the
// release key; everything else is rejected.
std::string WritePolicy(const Env& env, const std::string& host, const std::string& name = "p") {
  std::string path = env.dir.File(name + ".json");
  WriteText(path, R"({"version": 1,
  "authorities": {"release": {"key": {"path": ")" + env.Pub("release") + R"("}}},
  "policies": [
    {"name": "production", "scope": ")" + host + R"(/*/prod/**", "mode": "enforce",
     "signatures": {"authorities": ["release"], "threshold": 1}},
    {"name": "default", "scope": "*", "mode": "reject"}]})");
  return path;
}

// Setup is one case's keys, policy and a signed multi-platform image at staging.
struct Setup {
  Env env;
  std::string prefix;
  std::string src;
  std::string dst_repo;
  std::string policy;
  explicit Setup(const std::string& what, bool sign = true) : prefix(Prefix(what)) {
    env.Key("release");
    env.Key("gate");
    src = env.Image("multi", prefix + "/staging/app");
    dst_repo = prefix + "/prod/app";
    policy = WritePolicy(env, Reg());
    if (sign) {
      env.MustVouch({"sign", src, "--key", env.dir.File("release.pem"), "--recursive"});
    }
  }
  std::string Dst(const std::string& host = "") const {
    return (host.empty() ? Reg() : host) + "/" + dst_repo + ":v1";
  }
  RunResult VerifyVsa(const std::string& image, std::vector<std::string> extra) const {
    std::vector<std::string> args = {"verify-attestation", image, "--type", "vsa", "--key",
                                     env.Pub("gate")};
    args.insert(args.end(), extra.begin(), extra.end());
    return env.Vouch(args);
  }
};

// FailManifestPutsAfter is the fault proxy's rule that lets the first |n| manifest PUTs to |repo|
// through and answers every later one 503 with a Retry-After that outlasts any client retry
// budget, so the client gives up at once: a registry fault in the middle of a copy.
std::string FailManifestPutsAfter(const std::string& repo, int n) {
  return vouch::testing::FaultRule(
      "^/v2/" + repo + "/manifests/", "status",
      R"(, "after": )" + std::to_string(n) + R"(, "code": 503, "retry_after": 3600)", "PUT");
}

// PushVsa signs a VSA statement about |about| with |pem| and attaches it to |image| as a bundle
// referrer, optionally tampering with the payload after signing. Library calls, so that the
// test can write VSAs vouch promote never would.
void PushVsa(const std::string& pem, const std::string& image, const Digest& about,
             const attest::Vsa& vsa, bool tamper = false) {
  auto signer = keys::LoadSignerPem(ReadText(pem), SecretString(""));
  BOOST_REQUIRE_MESSAGE(signer.ok(), signer.status().message());
  auto st = attest::VsaStatement(vsa, "vsa-test", about);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.status().message());
  std::string payload = st->Serialize();
  std::string hint = attest::PublicKeyHint((*signer)->PublicKey());
  auto env = attest::SignEnvelope(attest::kInTotoPayloadType, AsBytes(payload), **signer, hint);
  BOOST_REQUIRE(env.ok());
  if (tamper) {
    std::string p(env->payload.begin(), env->payload.end());
    size_t at = p.find("oci://");
    BOOST_REQUIRE(at != std::string::npos);
    p.replace(at, 6, "oci:/x");
    env->payload = ToBytes(p);
  }
  registry::Client client({});
  auto ref = registry::ParseReference(image);
  BOOST_REQUIRE(ref.ok());
  auto repo = client.Open(*ref, registry::Access::kPullPush);
  BOOST_REQUIRE(repo.ok());
  auto subject = (*repo)->Resolve(ref->Identifier());
  BOOST_REQUIRE_MESSAGE(subject.ok(), subject.status().message());
  sign::BundleSigner bundle_signer(**signer);
  auto bundle = bundle_signer.Seal(*env);
  BOOST_REQUIRE(bundle.ok());
  auto loc = sign::PushBundleReferrer(**repo, *subject, *bundle, attest::kVsaPredicateType,
                                      nullptr);
  BOOST_REQUIRE_MESSAGE(loc.ok(), loc.status().message());
}

attest::Vsa GoodVsa(std::chrono::system_clock::time_point when) {
  attest::Vsa vsa;
  vsa.verifier_id = kVerifierId;
  vsa.verifier_version["vouch"] = "test";
  vsa.time_verified = when;
  vsa.resource_uri = "oci://" + Reg() + "/vsa-test";
  vsa.policy_uri = "file:///policies/p.json#production";
  vsa.policy_digest["sha256"] = std::string(64, 'a');
  vsa.verification_result = "PASSED";
  vsa.verified_levels = {"SLSA_BUILD_LEVEL_2"};
  vsa.slsa_version = "1.0";
  return vsa;
}

BOOST_AUTO_TEST_SUITE(Promote)

BOOST_AUTO_TEST_CASE(AcceptedImageArrivesWithIdenticalDigestsAndVerifies) {
  Setup s("accept");
  RunResult p = s.env.MustVouch({"promote", s.src, s.Dst(), "--policy", s.policy, "--key",
                                 s.env.dir.File("gate.pem"), "--verifier-id", kVerifierId,
                                 "--output", "json"});
  auto j = ParseJson(p.out, "promote output");
  BOOST_REQUIRE_MESSAGE(j.ok(), p.out);
  for (const std::string& problem :
       testing::ShapeProblems(p.out, testing::DocumentedShape("promote"))) {
    BOOST_ERROR(problem);
  }
  BOOST_TEST((*j)["promoted"].get<bool>());
  BOOST_TEST((*j)["digest"].get<std::string>() == Known("multi"));
  BOOST_TEST((*j)["policy"].get<std::string>() == "production");
  BOOST_TEST((*j)["tagMoved"].get<bool>());
  BOOST_TEST((*j)["vsa"]["location"].get<std::string>().rfind("referrer sha256:", 0) == 0);
  const Json& pred = (*j)["vsa"]["statement"]["predicate"];
  BOOST_TEST(pred["verifier"]["id"].get<std::string>() == kVerifierId);
  BOOST_TEST(pred["verificationResult"].get<std::string>() == "PASSED");
  BOOST_TEST(pred["resourceUri"].get<std::string>() == "oci://" + Reg() + "/" + s.dst_repo);
  std::string policy_uri = pred["policy"]["uri"].get<std::string>();
  BOOST_TEST(policy_uri.size() > 11);
  BOOST_TEST(policy_uri.substr(policy_uri.size() - 11) == "#production");
  BOOST_TEST(pred["policy"]["digest"]["sha256"].get<std::string>() ==
             DigestOf(ReadText(s.policy)).substr(7));
  BOOST_TEST(pred["slsaVersion"].get<std::string>() == "1.0");
  BOOST_TEST(!pred.contains("dependencyLevels"));

  // Identical digests at DST: the index (by tag) and every child (by digest).
  std::string index = ManifestBytes(s.dst_repo, "v1");
  BOOST_TEST(DigestOf(index) == Known("multi"));
  auto ij = ParseJson(index, "index");
  BOOST_REQUIRE(ij.ok());
  BOOST_REQUIRE((*ij)["manifests"].size() >= 2);
  for (const Json& child : (*ij)["manifests"]) {
    std::string d = child["digest"].get<std::string>();
    BOOST_TEST(DigestOf(ManifestBytes(s.dst_repo, d)) == d);
  }
  // The signatures came along and verify at DST; the source's own tag is unchanged.
  s.env.MustVouch({"verify", s.Dst(), "--key", s.env.Pub("release"), "--all-platforms"});
  BOOST_TEST(DigestOf(ManifestBytes(s.prefix + "/staging/app", "v1")) == Known("multi"));

  // VSA round trip, and every check that must refuse it.
  RunResult ok = s.VerifyVsa(s.Dst(), {"--vsa-policy", "production", "--vsa-verifier-id",
                                       kVerifierId, "--max-age", "1h", "--vsa-resource-uri",
                                       "oci://" + Reg() + "/" + s.dst_repo});
  BOOST_TEST(ok.exit_code == 0, ok.err);
  BOOST_TEST(ok.out.find("verification_summary/v1") != std::string::npos, ok.out);
  struct Bad {
    std::vector<std::string> flags;
    std::string reason;
  };
  for (const Bad& bad : std::vector<Bad>{
           {{"--vsa-policy", "staging"}, "vsa policy"},
           {{"--vsa-verifier-id", "https://other.example"}, "vsa verifier"},
           {{"--vsa-level", "SLSA_BUILD_LEVEL_3"}, "vsa level too low"},
           {{"--vsa-resource-uri", "oci://elsewhere.example/app"}, "vsa resourceUri"}}) {
    RunResult r = s.VerifyVsa(s.Dst(), bad.flags);
    BOOST_TEST(r.exit_code == 1, bad.flags[0] << ": " << r.err);
    BOOST_TEST(r.out.find(bad.reason) != std::string::npos, bad.flags[0] << ": " << r.out);
  }
  // Another key (the release key did not sign the VSA): rejected.
  RunResult wrong_key = s.env.Vouch({"verify-attestation", s.Dst(), "--type", "vsa", "--key",
                                     s.env.Pub("release")});
  BOOST_TEST(wrong_key.exit_code == 1, wrong_key.err);
  // The source has no VSA: promote wrote it only at DST.
  RunResult at_src = s.VerifyVsa(s.src, {});
  BOOST_TEST(at_src.exit_code == 1, at_src.err);

  // A deploy-time gate accepts the VSA instead of repeating every check: a policy whose only
  // requirement is a VSA from the gate for policy "production" accepts DST, and refuses the
  // source (no VSA) and a requirement for another policy's VSA.
  auto deploy_policy = [&](const std::string& name, const std::string& wanted) {
    std::string path = s.env.dir.File(name + ".json");
    WriteText(path, R"({"version": 1,
  "authorities": {"gate": {"key": {"path": ")" + s.env.Pub("gate") + R"("}}},
  "policies": [
    {"name": "deploy", "scope": ")" + Reg() + R"(/**", "mode": "enforce",
     "attestations": [{"type": "vsa", "authorities": ["gate"], "maxAge": "90d",
                       "policy": ")" + wanted + R"(", "verifierId": ")" + kVerifierId + R"("}]}]})");
    return path;
  };
  std::string deploy = deploy_policy("deploy", "production");
  RunResult gate = s.env.Vouch({"verify", "--policy", deploy, s.Dst()});
  BOOST_TEST(gate.exit_code == 0, gate.out << gate.err);
  BOOST_TEST(gate.out.find("accepted (policy deploy") != std::string::npos, gate.out);
  RunResult gate_src = s.env.Vouch({"verify", "--policy", deploy, s.src});
  BOOST_TEST(gate_src.exit_code == 1, gate_src.out << gate_src.err);
  RunResult gate_other =
      s.env.Vouch({"verify", "--policy", deploy_policy("deploy-staging", "staging"), s.Dst()});
  BOOST_TEST(gate_other.exit_code == 1, gate_other.out << gate_other.err);
  BOOST_TEST(gate_other.out.find("vsa policy") != std::string::npos, gate_other.out);
}

BOOST_AUTO_TEST_CASE(RejectedImageLeavesDestinationUntouched) {
  Setup s("reject", /*sign=*/false);
  RunResult p = s.env.Vouch({"promote", s.src, s.Dst(), "--policy", s.policy, "--key",
                             s.env.dir.File("gate.pem")});
  BOOST_TEST(p.exit_code == 1, p.out << p.err);
  BOOST_TEST(p.out.find("Nothing was written") != std::string::npos, p.out);
  int code = 0;
  Curl({"http://" + Reg() + "/v2/" + s.dst_repo + "/tags/list"}, &code);
  BOOST_TEST(code == 404);  // the repository does not exist at all
  BOOST_TEST(ManifestStatus(s.dst_repo, Known("multi")) == 404);

  // Signed, but promoted outside the production scope: the default policy rejects it.
  s.env.MustVouch({"sign", s.src, "--key", s.env.dir.File("release.pem"), "--recursive"});
  std::string elsewhere = s.prefix + "/test/app";
  RunResult q = s.env.Vouch({"promote", s.src, Reg() + "/" + elsewhere + ":v1", "--policy",
                             s.policy, "--output", "json"});
  BOOST_TEST(q.exit_code == 1, q.out << q.err);
  auto j = ParseJson(q.out, "promote output");
  BOOST_REQUIRE_MESSAGE(j.ok(), q.out);
  BOOST_TEST(!(*j)["wroteToDestination"].get<bool>());
  Curl({"http://" + Reg() + "/v2/" + elsewhere + "/tags/list"}, &code);
  BOOST_TEST(code == 404);
}

BOOST_AUTO_TEST_CASE(RegistryFaultMidCopyLeavesDestinationTagUntouched) {
  Setup s("fault");
  // The manifest PUTs a promotion of the signed two-platform image makes at a fresh DST, in order:
  // 0-1 the platform manifests, 2 the index by digest, 3-8 the three signature referrers each
  // with its fallback index (distribution 2.8 has no referrers API), 9 the VSA referrer,
  // 10 its fallback index, 11 DST's tag. Fail each stage once, each time at a fresh DST whose
  // tag names an older image: the tag must still name it afterwards.
  for (int fail_after : {0, 2, 3, 4, 9, 10, 11}) {
    const std::string repo = s.prefix + "/prod/app-" + std::to_string(fail_after);
    s.env.Image("single", repo, "v1");
    BOOST_REQUIRE(DigestOf(ManifestBytes(repo, "v1")) == Known("single"));
    vouch::testing::FaultProxy proxy(Reg(), FailManifestPutsAfter(repo, fail_after));
    std::string policy = WritePolicy(s.env, proxy.host_port(), "proxy");
    RunResult p = s.env.Vouch({"promote", s.src, proxy.host_port() + "/" + repo + ":v1", "--policy",
                               policy, "--key", s.env.dir.File("gate.pem")});
    BOOST_TEST(p.exit_code == 3, "fail after " << fail_after << ": " << p.out << p.err);
    BOOST_TEST(p.out.find("The destination tag was not moved") != std::string::npos, p.out);
    std::string log = proxy.Log();
    BOOST_TEST(log.find("FAULT status PUT") != std::string::npos, log);
    if (fail_after == 11) {
      BOOST_TEST(log.find("FAULT status PUT /v2/" + repo + "/manifests/v1") != std::string::npos,
                 log);
    }
    BOOST_TEST(DigestOf(ManifestBytes(repo, "v1")) == Known("single"),
               "fail after " << fail_after << " moved the tag");
  }
  // Without faults the same promotion goes through, and the tag is the last manifest PUT.
  const std::string repo = s.prefix + "/prod/app-ok";
  s.env.Image("single", repo, "v1");
  vouch::testing::FaultProxy proxy(Reg());
  std::string policy = WritePolicy(s.env, proxy.host_port(), "proxy");
  RunResult p = s.env.Vouch({"promote", s.src, proxy.host_port() + "/" + repo + ":v1", "--policy",
                             policy, "--key", s.env.dir.File("gate.pem"), "-v"});
  BOOST_TEST(p.exit_code == 0, p.out << p.err);
  BOOST_TEST(DigestOf(ManifestBytes(repo, "v1")) == Known("multi"));
  std::vector<std::string> puts;
  std::istringstream lines(p.err);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("PUT ") != std::string::npos && line.find("/manifests/") != std::string::npos) {
      puts.push_back(line);
    }
  }
  BOOST_TEST(puts.size() == 12u, Join(puts));
  BOOST_REQUIRE(!puts.empty());
  BOOST_TEST(puts.back().find("/manifests/v1 ") != std::string::npos, Join(puts));
}

// DST already holds the image, signed by another key in both forms: the promotion adds the
// release signatures to DST's (.sig tags merged, referrers added) and DST then verifies with
// either key; promoting again adds nothing and reports it as present.
BOOST_AUTO_TEST_CASE(PromotionKeepsTheDestinationsSignatures) {
  Setup s("merge");
  s.env.MustVouch({"sign", s.src, "--key", s.env.dir.File("release.pem"), "--recursive",
                   "--format", "legacy"});
  s.env.Key("other");
  const std::string dst = s.env.Image("multi", s.dst_repo);
  for (const char* format : {"bundle", "legacy"}) {
    s.env.MustVouch({"sign", dst, "--key", s.env.dir.File("other.pem"), "--recursive",
                     "--format", format});
  }
  auto promote = [&]() {
    RunResult p = s.env.MustVouch({"promote", s.src, s.Dst(), "--policy", s.policy, "--key",
                                   s.env.dir.File("gate.pem"), "--output", "json"});
    auto j = ParseJson(p.out, "promote output");
    BOOST_REQUIRE_MESSAGE(j.ok(), p.out);
    return (*j)["copied"];
  };
  const Json first = promote();
  // The index and its two platform images each had a .sig at DST: all three merged.
  BOOST_TEST(first["tagsMerged"].size() == 3u, first.dump());
  BOOST_TEST(first["tagsCopied"].size() == 0u, first.dump());
  BOOST_TEST(first["referrersCopied"].get<int>() == 3, first.dump());
  for (const char* key : {"release", "other"}) {
    for (const char* format : {"bundle", "legacy"}) {
      RunResult v = s.env.Vouch({"verify", s.Dst(), "--key", s.env.Pub(key), "--all-platforms",
                                 "--signature-format", format});
      BOOST_TEST(v.exit_code == 0, key << " " << format << ": " << v.out << v.err);
    }
  }
  const std::string sig_tag = "sha256-" + Known("multi").substr(7) + ".sig";
  const std::string merged = ManifestBytes(s.dst_repo, sig_tag);
  const Json second = promote();
  BOOST_TEST(second["tagsPresent"].size() == 3u, second.dump());
  BOOST_TEST(second["tagsMerged"].size() == 0u, second.dump());
  BOOST_TEST(second["referrersPresent"].get<int>() == 3, second.dump());
  BOOST_TEST(second["referrersCopied"].get<int>() == 0, second.dump());
  BOOST_TEST(ManifestBytes(s.dst_repo, sig_tag) == merged);
}

BOOST_AUTO_TEST_CASE(CraftedVsasAreRefused) {
  Env env;
  env.Key("gate");
  const std::string prefix = Prefix("crafted");
  const auto now = std::chrono::system_clock::now();
  const Digest single = *Digest::Parse(Known("single"));
  const Digest multi = *Digest::Parse(Known("multi"));
  auto verify = [&](const std::string& image, std::vector<std::string> extra) {
    std::vector<std::string> args = {"verify-attestation", image, "--type", "vsa", "--key",
                                     env.Pub("gate")};
    args.insert(args.end(), extra.begin(), extra.end());
    return env.Vouch(args);
  };

  // Stale: verified two hours ago.
  std::string stale = env.Image("single", prefix + "/stale");
  PushVsa(env.dir.File("gate.pem"), stale, single, GoodVsa(now - std::chrono::hours(2)));
  RunResult r = verify(stale, {"--max-age", "1h"});
  BOOST_TEST(r.exit_code == 1, r.err);
  BOOST_TEST(r.out.find("vsa is stale") != std::string::npos, r.out);
  r = verify(stale, {"--max-age", "3h", "--vsa-policy", "production"});
  BOOST_TEST(r.exit_code == 0, r.out << r.err);

  // About another digest (multi), attached to single: the subject does not match.
  std::string other = env.Image("single", prefix + "/other");
  PushVsa(env.dir.File("gate.pem"), other, multi, GoodVsa(now));
  r = verify(other, {});
  BOOST_TEST(r.exit_code == 1, r.err);
  BOOST_TEST(r.out.find("subject") != std::string::npos, r.out);

  // Tampered after signing: the signature no longer verifies.
  std::string tampered = env.Image("single", prefix + "/tampered");
  PushVsa(env.dir.File("gate.pem"), tampered, single, GoodVsa(now), /*tamper=*/true);
  r = verify(tampered, {});
  BOOST_TEST(r.exit_code == 1, r.err);
  BOOST_TEST(r.out.find("signature") != std::string::npos, r.out);

  // FAILED, and another policy's summary.
  std::string failed = env.Image("single", prefix + "/failed");
  attest::Vsa f = GoodVsa(now);
  f.verification_result = "FAILED";
  f.verified_levels = {"FAILED"};
  PushVsa(env.dir.File("gate.pem"), failed, single, f);
  r = verify(failed, {});
  BOOST_TEST(r.exit_code == 1, r.err);
  BOOST_TEST(r.out.find("vsa result is FAILED") != std::string::npos, r.out);
  std::string staging = env.Image("single", prefix + "/staging");
  attest::Vsa st = GoodVsa(now);
  st.policy_uri = "file:///policies/p.json#staging";
  PushVsa(env.dir.File("gate.pem"), staging, single, st);
  r = verify(staging, {"--vsa-policy", "production"});
  BOOST_TEST(r.exit_code == 1, r.err);
  BOOST_TEST(r.out.find("vsa policy") != std::string::npos, r.out);

  // Usage: VSA flags need --type vsa.
  r = env.Vouch({"verify-attestation", staging, "--type", "slsaprovenance", "--key",
                 env.Pub("gate"), "--vsa-policy", "production"});
  BOOST_TEST(r.exit_code == 2, r.err);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::images_test
