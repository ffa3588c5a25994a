// verify::Evaluate with a compiled TrustPolicy against the in-memory registry with hand-built
// policies: a failed lookup
// is "could not check" (Decision::kError with the registry's code) in every mode, never a
// rejection; accept and reject modes make no request; signatures count per authority; the text
// and JSON reports.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <unistd.h>

#include "core/internal/json.h"
#include "registry/fake_registry.h"
#include "registry/test_images.h"
#include "testutil/fake_clock.h"
#include "vouch/keys/keys.h"
#include "vouch/sign/attest.h"
#include "vouch/sign/image.h"
#include "vouch/verify/engine.h"
#include "vouch/verify/render.h"

namespace vouch::verify {

// For Boost.Test messages (found by argument-dependent lookup).
inline std::ostream& operator<<(std::ostream& os, Decision d) { return os << DecisionName(d); }
inline std::ostream& operator<<(std::ostream& os, Reason r) { return os << ReasonName(r); }

namespace {

using registry::testing::FakeRegistry;
using registry::testing::PushImage;

struct Fixture {
  std::shared_ptr<FakeRegistry> reg = std::make_shared<FakeRegistry>();
  std::unique_ptr<registry::Client> client;
  std::unique_ptr<keys::Signer> k1 = std::move(*keys::Generate(keys::KeyAlgorithm::kEcdsaP256));
  std::unique_ptr<keys::Signer> k2 = std::move(*keys::Generate(keys::KeyAlgorithm::kEcdsaP256));
  policy::Policy pol;

  Fixture() {
    registry::ClientOptions o;
    o.transport = reg;
    o.retry.sleep = [](std::chrono::milliseconds) {};
    client = std::make_unique<registry::Client>(std::move(o));
    reg->referrers_api = true;
    PushImage(*reg, "app", "v1", "amd64");
    policy::Authority a;
    a.name = "a";
    a.keys = {k1->PublicKey()};
    policy::Authority b;
    b.name = "b";
    b.keys = {k2->PublicKey()};
    pol.authorities = {{"a", a}, {"b", b}};
    policy::ScopePolicy sp;
    sp.name = "prod";
    sp.scope = "reg.test/**";
    sp.signatures = policy::SignatureRequirement{{"a", "b"}, 1, {}};
    pol.policies.push_back(sp);
  }
  std::unique_ptr<registry::Repository> Repo() {
    return std::move(
        *client->Open(*registry::ParseReference("reg.test/app:v1"), registry::Access::kPullPush));
  }
  void Sign(const keys::Signer& k, sign::ImageSignatureFormat f) {
    sign::SignImageRequest r;
    r.signer = &k;
    r.format = f;
    r.tag_update.sleep = [](std::chrono::milliseconds) {};
    auto repo = Repo();
    auto res = sign::SignImage(*repo, r);
    BOOST_REQUIRE_MESSAGE(res.ok(), res.status().message());
  }
  ImageDecision Evaluate(const EvaluateOptions& o = {}) {
    auto repo = Repo();
    trust = TrustPolicy::Compile(pol);
    return verify::Evaluate(*repo, *trust, o);
  }
  std::string DecisionsToText(const std::vector<ImageDecision>& ds) {
    return Render(ds, *trust, Shape::kPolicy, Format::kText);
  }
  std::string DecisionsToJson(const std::vector<ImageDecision>& ds) {
    return Render(ds, *trust, Shape::kPolicy, Format::kJson);
  }
  // Attest attaches a |predicate| of |type| signed by |k| as an `.att` layer.
  void Attest(const keys::Signer& k, const std::string& type, const std::string& predicate) {
    const std::string path = (std::filesystem::temp_directory_path() /
                              ("vouch-eval-" + std::to_string(::getpid()) + ".json"))
                                 .string();
    std::ofstream(path) << predicate;
    sign::AttestImageRequest a;
    a.signer = &k;
    a.predicate_type = type;
    a.predicate_path = path;
    a.format = sign::ImageSignatureFormat::kLegacy;
    a.tag_update.sleep = [](std::chrono::milliseconds) {};
    auto repo = Repo();
    auto res = sign::AttestImage(*repo, a);
    std::filesystem::remove(path);
    BOOST_REQUIRE_MESSAGE(res.ok(), res.status().message());
  }
  std::shared_ptr<const TrustPolicy> trust;
};

using testing::FixedClock;

// kNow is the fixed "now" of the time tests: 2026-03-01T12:00:00Z.
const TimePoint kNow = *ParseRfc3339("2026-03-01T12:00:00Z");

BOOST_FIXTURE_TEST_SUITE(PolicyEval, Fixture)

BOOST_AUTO_TEST_CASE(SignedByOneOfTwoAuthorities) {
  Sign(*k2, sign::ImageSignatureFormat::kBundle);
  ImageDecision d = Evaluate();
  BOOST_TEST(d.decision == Decision::kAccepted, DecisionsToText({d}));
  BOOST_TEST(d.status.ok());
  BOOST_REQUIRE_EQUAL(d.results.size(), 1u);
  BOOST_TEST(d.results[0].reason.find("signed by b (key ") == 0, d.results[0].reason);
  BOOST_REQUIRE_EQUAL(d.inputs.size(), 1u);
  BOOST_TEST(d.inputs[0].kind == "signature");
  BOOST_TEST(d.inputs[0].authority == "b");
  BOOST_TEST(d.policy_name == "prod");
  BOOST_TEST(d.mode == "enforce");
}

BOOST_AUTO_TEST_CASE(ThresholdCountsAuthoritiesNotSignatures) {
  pol.policies[0].signatures->threshold = 2;
  Sign(*k1, sign::ImageSignatureFormat::kBundle);
  Sign(*k1, sign::ImageSignatureFormat::kLegacy);
  ImageDecision d = Evaluate();
  BOOST_TEST(d.decision == Decision::kRejected, DecisionsToText({d}));
  BOOST_TEST(d.status.code() == ErrorCode::kVerificationFailed);
  BOOST_TEST(d.status.message().find("1 of 2 required authorities") != std::string::npos,
             d.status.message());
  Sign(*k2, sign::ImageSignatureFormat::kLegacy);
  BOOST_TEST(Evaluate().decision == Decision::kAccepted);
}

// CompressedSpki re-encodes a P-256 SubjectPublicKeyInfo (30 59 … 03 42 00 04 || X || Y) with
// the compressed point (02|03 || X), as `openssl ec -pubin -conv_form compressed -pubout` does.
Bytes CompressedSpki(const Bytes& spki) {
  static constexpr uint8_t kPrefix[] = {0x30, 0x39, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48,
                                        0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48,
                                        0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x22, 0x00};
  BOOST_REQUIRE_EQUAL(spki.size(), 91u);
  BOOST_REQUIRE_EQUAL(spki[26], 0x04);
  Bytes out(std::begin(kPrefix), std::end(kPrefix));
  out.push_back((spki[90] & 1) != 0 ? 0x03 : 0x02);
  out.insert(out.end(), spki.begin() + 27, spki.begin() + 59);
  return out;
}

// Two authorities holding one key (the same key file, or the same key as a compressed EC point)
// are one signer: a threshold of 2 is not met by that key's signature alone.
const bool kCompressed[] = {false, true};

BOOST_DATA_TEST_CASE_F(Fixture, SharedKeyCountsOnceTowardThreshold,
                       boost::unit_test::data::make(kCompressed), compressed) {
  keys::Verifier same = k1->PublicKey();
  if (compressed) {
    Bytes der = CompressedSpki(k1->PublicKey().SpkiDer());
    BOOST_REQUIRE(!(der == k1->PublicKey().SpkiDer()));
    auto v = keys::Verifier::FromSpkiDer(der);
    BOOST_REQUIRE_MESSAGE(v.ok(), v.status().ToString());
    same = *v;
    // Keys compare as keys: the compressed form has the key's one SPKI and key id.
    BOOST_TEST(same.KeyId() == k1->PublicKey().KeyId());
  }
  pol.authorities["b"].keys = {same};
  pol.policies[0].signatures->threshold = 2;
  Sign(*k1, sign::ImageSignatureFormat::kBundle);
  Sign(*k1, sign::ImageSignatureFormat::kLegacy);
  ImageDecision d = Evaluate();
  BOOST_TEST(d.decision == Decision::kRejected, DecisionsToText({d}));
  BOOST_TEST(d.status.code() == ErrorCode::kVerificationFailed, d.status.ToString());
  BOOST_REQUIRE_EQUAL(d.results.size(), 1u);
  BOOST_TEST(d.results[0].code == Reason::kThresholdNotMet);
  BOOST_TEST(d.results[0].signers == 1u);
  BOOST_TEST(d.results[0].reason.find("1 of 2 required authorities") != std::string::npos,
             d.results[0].reason);
  BOOST_TEST(d.results[0].reason.find("b: the same signer as a (key ") != std::string::npos,
             d.results[0].reason);
  // A second, distinct signer meets it: b may hold k1 and k2 (rotation), a only k1.
  pol.authorities["b"].keys = {same, k2->PublicKey()};
  Sign(*k2, sign::ImageSignatureFormat::kLegacy);
  ImageDecision two = Evaluate();
  BOOST_TEST(two.decision == Decision::kAccepted, DecisionsToText({two}));
  BOOST_TEST(two.results[0].signers == 2u);
}

// A provenance that claims to have been built in the future is refused (it would pass any maxAge
// until that date), with a reason naming the time.
BOOST_AUTO_TEST_CASE(FutureDatedProvenanceIsRejected) {
  pol.policies[0].signatures.reset();
  pol.policies[0].attestations.push_back({"slsaprovenance",
                                          {"https://slsa.dev/provenance/v1"},
                                          {"a"},
                                          std::chrono::hours(24 * 30),
                                          {},
                                          {},
                                          {},
                                          {}});
  auto provenance = [](const std::string& finished) {
    return R"({"buildDefinition": {"buildType": "https://example.com/build/v1",
                 "externalParameters": {}},
               "runDetails": {"builder": {"id": "https://example.com/builder"},
                 "metadata": {"startedOn": "2026-03-01T11:00:00Z", "finishedOn": ")" +
           finished + R"("}}})";
  };
  Attest(*k1, "https://slsa.dev/provenance/v1", provenance("2026-03-02T12:00:00Z"));
  FixedClock clock(kNow);
  EvaluateOptions o;
  o.clock = &clock;
  ImageDecision d = Evaluate(o);
  BOOST_TEST(d.decision == Decision::kRejected, DecisionsToText({d}));
  BOOST_TEST(d.status.code() == ErrorCode::kVerificationFailed, d.status.ToString());
  BOOST_REQUIRE_EQUAL(d.results.size(), 1u);
  BOOST_TEST(d.results[0].findings.size() == 1u);
  BOOST_TEST(d.results[0].findings[0].reason == Reason::kFutureDated);
  BOOST_TEST(d.results[0].reason.find("provenance is future-dated: the build finished at "
                                      "2026-03-02T12:00:00Z, after now (2026-03-01T12:00:00Z)") !=
                 std::string::npos,
             d.results[0].reason);
  // Within the clock skew (4 minutes ahead) it is a current build.
  Attest(*k1, "https://slsa.dev/provenance/v1", provenance("2026-03-01T12:04:00Z"));
  ImageDecision ok = Evaluate(o);
  BOOST_TEST(ok.decision == Decision::kAccepted, DecisionsToText({ok}));
}

// A future-dated vulnerability report never becomes the newest: the current report's critical
// finding decides, and the future one is reported as such.
BOOST_AUTO_TEST_CASE(FutureDatedScanCannotHideCurrentFinding) {
  pol.policies[0].signatures.reset();
  policy::AttestationRequirement vuln{"vuln",
                                      {"https://cosign.sigstore.dev/attestation/vuln/v1"},
                                      {"a"},
                                      std::chrono::hours(24 * 7),
                                      {},
                                      policy::VulnerabilityRequirement{},
                                      {},
                                      {}};
  vuln.vulnerabilities->max_severity = "high";
  pol.policies[0].attestations.push_back(vuln);
  auto report = [](const std::string& finished, const std::string& result) {
    return R"({"invocation": {}, "scanner": {"uri": "pkg:github/aquasecurity/trivy",
                 "version": "0.50.0", "result": )" +
           result + R"(}, "metadata": {"scanStartedOn": "2026-02-28T00:00:00Z",
                 "scanFinishedOn": ")" +
           finished + R"("}})";
  };
  const std::string type = "https://cosign.sigstore.dev/attestation/vuln/v1";
  Attest(*k1, type,
         report("2026-03-01T11:00:00Z",
                R"([{"id": "CVE-2026-0001", "severity": [{"method": "CVSSv3", "score": "9.8"}]}])"));
  Attest(*k1, type, report("2027-01-01T00:00:00Z", "[]"));
  FixedClock clock(kNow);
  EvaluateOptions o;
  o.clock = &clock;
  ImageDecision d = Evaluate(o);
  BOOST_TEST(d.decision == Decision::kRejected, DecisionsToText({d}));
  BOOST_TEST(d.status.code() == ErrorCode::kVerificationFailed, d.status.ToString());
  BOOST_REQUIRE_EQUAL(d.results.size(), 2u);
  BOOST_TEST((d.results[0].outcome == Outcome::kPass), d.results[0].reason);
  BOOST_TEST(d.results[1].requirement == "vulnerabilities");
  BOOST_TEST(d.results[1].code == Reason::kVulnerable);
  BOOST_TEST(d.results[1].reason.find("CVE-2026-0001 (critical)") != std::string::npos,
             d.results[1].reason);
  size_t future = 0;
  for (const EvidenceFinding& f : d.results[0].findings) {
    if (f.reason == Reason::kFutureDated) {
      ++future;
      BOOST_TEST(!f.valid);
      BOOST_TEST(f.detail.find("metadata.scanFinishedOn 2027-01-01T00:00:00Z is after now") !=
                     std::string::npos,
                 f.detail);
    }
  }
  BOOST_TEST(future == 1u);
}

// Only a future-dated report: nothing can decide, and the reason says why.
BOOST_AUTO_TEST_CASE(OnlyFutureDatedScanIsRejected) {
  pol.policies[0].signatures.reset();
  pol.policies[0].attestations.push_back({"vuln",
                                          {"https://cosign.sigstore.dev/attestation/vuln/v1"},
                                          {"a"},
                                          {},
                                          {},
                                          {},
                                          {},
                                          {}});
  Attest(*k1, "https://cosign.sigstore.dev/attestation/vuln/v1",
         R"({"scanner": {"result": []}, "metadata": {"scanFinishedOn": "2026-03-01T12:06:00Z"}})");
  FixedClock clock(kNow);
  EvaluateOptions o;
  o.clock = &clock;
  ImageDecision d = Evaluate(o);
  BOOST_TEST(d.decision == Decision::kRejected, DecisionsToText({d}));
  BOOST_REQUIRE_EQUAL(d.results.size(), 1u);
  BOOST_TEST(d.results[0].code == Reason::kFutureDated);
  BOOST_TEST(d.results[0].reason.find("is future-dated: metadata.scanFinishedOn "
                                      "2026-03-01T12:06:00Z") != std::string::npos,
             d.results[0].reason);
}

BOOST_AUTO_TEST_CASE(DeniedKeyNeverCounts) {
  Sign(*k1, sign::ImageSignatureFormat::kBundle);
  pol.deny.key_ids = {k1->PublicKey().KeyId()};
  ImageDecision d = Evaluate();
  BOOST_TEST(d.decision == Decision::kRejected, DecisionsToText({d}));
  BOOST_TEST(d.status.message().find("revoked (deny.keyIds)") != std::string::npos,
             d.status.message());
}

BOOST_AUTO_TEST_CASE(AcceptAndRejectModesMakeNoRequest) {
  pol.policies[0].mode = policy::Mode::kAccept;
  size_t before = reg->requests.size();
  ImageDecision a = Evaluate();
  BOOST_TEST(a.decision == Decision::kAccepted);
  pol.policies[0].mode = policy::Mode::kReject;
  ImageDecision r = Evaluate();
  BOOST_TEST(r.decision == Decision::kRejected);
  BOOST_TEST(r.results[0].reason == "mode reject");
  BOOST_TEST(reg->requests.size() == before);
}

BOOST_AUTO_TEST_CASE(AcceptModeStillAppliesDenyDigests) {
  pol.policies[0].mode = policy::Mode::kAccept;
  auto repo = Repo();
  auto root = repo->Resolve("v1");
  BOOST_REQUIRE(root.ok());
  pol.deny.digests = {Digest::Of(AsBytes(std::string("another image")))};
  BOOST_TEST(Evaluate().decision == Decision::kAccepted);
  pol.deny.digests.push_back(root->digest);
  ImageDecision d = Evaluate();
  BOOST_TEST(d.decision == Decision::kRejected, DecisionsToText({d}));
  BOOST_TEST(d.status.message().find("is denied (deny.digests)") != std::string::npos,
             d.status.message());
}

// DecideOutright is what `vouch serve` asks before resolving anything: the decisions the policy
// makes alone, and nullopt whenever the registry must be asked.
BOOST_AUTO_TEST_CASE(DecideOutrightOnlyWhenThePolicyAloneDecides) {
  const Digest denied = Digest::Of(AsBytes(std::string("denied image")));
  pol.deny.digests = {denied};
  pol.policies[0].mode = policy::Mode::kEnforce;
  trust = TrustPolicy::Compile(pol);
  const auto tagged = *registry::ParseReference("reg.test/app:v1");
  BOOST_TEST(!DecideOutright(tagged, *trust, {}).has_value());
  // A digest on the deny list, written in the reference: rejected in every mode, no request.
  const size_t before = reg->requests.size();
  auto d = DecideOutright(tagged.WithDigest(denied), *trust, {});
  BOOST_REQUIRE(d.has_value());
  BOOST_TEST(d->decision == Decision::kRejected);
  BOOST_TEST(d->results.back().code == Reason::kDeniedDigest);
  auto repo = client->Open(tagged.WithDigest(denied));
  BOOST_REQUIRE(repo.ok());
  BOOST_TEST(verify::Evaluate(**repo, *trust, {}).decision == Decision::kRejected);
  BOOST_TEST(reg->requests.size() == before);
  // Accept mode is outright only while nothing is denied (the digest must be looked up).
  pol.policies[0].mode = policy::Mode::kAccept;
  trust = TrustPolicy::Compile(pol);
  BOOST_TEST(!DecideOutright(tagged, *trust, {}).has_value());
  pol.deny.digests.clear();
  trust = TrustPolicy::Compile(pol);
  auto a = DecideOutright(tagged, *trust, {});
  BOOST_REQUIRE(a.has_value());
  BOOST_TEST(a->decision == Decision::kAccepted);
  pol.policies[0].mode = policy::Mode::kReject;
  trust = TrustPolicy::Compile(pol);
  BOOST_TEST(DecideOutright(tagged, *trust, {})->decision == Decision::kRejected);
  pol.policies[0].scope = "other.test/**";
  trust = TrustPolicy::Compile(pol);
  auto none = DecideOutright(tagged, *trust, {});
  BOOST_REQUIRE(none.has_value());
  BOOST_TEST(none->results[0].code == Reason::kNoScope);
}

BOOST_AUTO_TEST_CASE(NoScopeRejects) {
  pol.policies[0].scope = "other.test/**";
  ImageDecision d = Evaluate();
  BOOST_TEST(d.decision == Decision::kRejected);
  BOOST_TEST(d.results[0].requirement == "scope");
}

BOOST_AUTO_TEST_CASE(ScopeImageSelectsTheScope) {
  pol.policies[0].scope = "other.test/**";
  Sign(*k1, sign::ImageSignatureFormat::kBundle);
  EvaluateOptions o;
  o.scope_image = "other.test/prod/app:v1";
  ImageDecision d = Evaluate(o);
  BOOST_TEST(d.decision == Decision::kAccepted, DecisionsToText({d}));
}

// Trust material that does not load (an x509 authority without roots) makes the requirement
// "could not check", with an operational code: never a rejection, never a usage error.
BOOST_AUTO_TEST_CASE(UnusableTrustIsAnError) {
  pol.authorities["a"].kind = policy::AuthorityKind::kX509;
  pol.policies[0].signatures->authorities = {"a"};
  Sign(*k1, sign::ImageSignatureFormat::kBundle);
  ImageDecision d = Evaluate();
  BOOST_TEST(d.decision == Decision::kError, DecisionsToText({d}));
  BOOST_TEST(d.status.code() == ErrorCode::kUnavailable, d.status.ToString());
  BOOST_REQUIRE(!d.results.empty());
  BOOST_TEST(d.results[0].code == Reason::kTrustUnavailable);
}

// The compiled digest covers the trust material: the same policy bytes with another key (a
// changed key file) is another trust policy, so a gate's cache never mixes them.
BOOST_AUTO_TEST_CASE(TrustDigestCoversKeys) {
  pol.digest = Digest::Of(AsBytes(std::string("the policy file")));
  auto first = TrustPolicy::Compile(pol);
  BOOST_TEST((TrustPolicy::Compile(pol)->digest() == first->digest()));
  pol.authorities["a"].keys = {k2->PublicKey()};
  auto rotated = TrustPolicy::Compile(pol);
  BOOST_TEST((rotated->policy().digest == first->policy().digest));
  BOOST_TEST(!(rotated->digest() == first->digest()));
}

// A failed lookup is "could not check" with the registry's code, never a rejection, in enforce
// and in audit mode alike.
struct LookupFault {
  std::string path_part;
  int http_status;
  ErrorCode want;
};
std::ostream& operator<<(std::ostream& os, const LookupFault& f) {
  return os << f.path_part << " -> " << f.http_status;
}
const LookupFault kLookupFaults[] = {
    {"/referrers/", 403, ErrorCode::kPermissionDenied},
    {"/referrers/", 503, ErrorCode::kUnavailable},
    {".sig", 500, ErrorCode::kUnavailable},
    {".att", 429, ErrorCode::kUnavailable},
};

BOOST_DATA_TEST_CASE_F(Fixture, LookupFailuresAreErrors,
                       boost::unit_test::data::make(kLookupFaults), fault) {
  pol.policies[0].attestations.push_back(
      {"slsaprovenance", {"https://slsa.dev/provenance/v1"}, {"a"}, {}, {}, {}, {}, {}});
  reg->fault =
      [&](const registry::HttpRequest& req) -> std::optional<Result<registry::HttpResponse>> {
    if (req.method == "GET" && req.url.find(fault.path_part) != std::string::npos) {
      registry::HttpResponse r;
      r.status = fault.http_status;
      return Result<registry::HttpResponse>(r);
    }
    return std::nullopt;
  };
  for (policy::Mode mode : {policy::Mode::kEnforce, policy::Mode::kAudit}) {
    pol.policies[0].mode = mode;
    ImageDecision d = Evaluate();
    BOOST_TEST(d.decision == Decision::kError, DecisionsToText({d}));
    BOOST_TEST(d.status.code() == fault.want, d.status.message());
    BOOST_TEST(d.status.message().find("could not check") != std::string::npos, d.status.message());
  }
}

BOOST_AUTO_TEST_CASE(Reports) {
  Sign(*k1, sign::ImageSignatureFormat::kBundle);
  ImageDecision ok = Evaluate();
  pol.policies[0].signatures->authorities = {"b"};
  ImageDecision bad = Evaluate();
  std::string text = DecisionsToText({ok, bad});
  BOOST_TEST(text.find("reg.test/app:v1@sha256:") == 0, text);
  BOOST_TEST(text.find(": accepted (policy prod, scope reg.test/**, mode enforce)\n  pass   "
                       "signatures: signed by a (key ") != std::string::npos,
             text);
  BOOST_TEST(text.find(": rejected (policy prod") != std::string::npos, text);
  BOOST_TEST(
      text.find("  FAIL   signatures: 0 of 1 required authorities signed") != std::string::npos,
      text);
  auto j = ParseJson(DecisionsToJson({ok, bad}), "report");
  BOOST_REQUIRE(j.ok());
  BOOST_TEST((*j)["accepted"].get<bool>() == false);
  BOOST_TEST((*j)["images"][0]["decision"].get<std::string>() == "accepted");
  BOOST_TEST((*j)["images"][1]["errorCode"].get<std::string>() ==
             std::string(ErrorCodeName(ErrorCode::kVerificationFailed)));
  BOOST_TEST((*j)["images"][1]["results"][0]["outcome"].get<std::string>() == "fail");
  BOOST_TEST((*j)["images"][1]["results"][0]["code"].get<std::string>() == "none-valid");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::verify
