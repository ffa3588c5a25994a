// `vouch verify`'s trust (CompileSignatureCheck) through the engine against the in-memory
// registry (tests/registry/fake_registry.h): request counts per storage form, lookup failures
// that must never read as "unsigned", rejected signatures, attestations that are not counted as
// signatures, request validation, and the simple-signing payload bytes.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "registry/fake_registry.h"
#include "registry/test_images.h"
#include "vouch/attest/simple_signing.h"
#include "vouch/keys/keys.h"
#include "vouch/sign/image.h"
#include "vouch/sign/attest.h"
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
  std::string digest;

  Fixture() {
    registry::ClientOptions o;
    o.transport = reg;
    o.retry.sleep = [](std::chrono::milliseconds) {};
    client = std::make_unique<registry::Client>(std::move(o));
    digest = PushImage(*reg, "app", "v1", "amd64");
  }
  std::unique_ptr<registry::Repository> Repo() {
    return std::move(*client->Open(*registry::ParseReference("reg.test/app:v1"),
                                   registry::Access::kPullPush));
  }
  void Sign(const keys::Signer& k, sign::ImageSignatureFormat f,
            std::map<std::string, std::string> ann = {}) {
    sign::SignImageRequest r;
    r.signer = &k;
    r.format = f;
    r.annotations = std::move(ann);
    r.tag_update.sleep = [](std::chrono::milliseconds) {};
    auto repo = Repo();
    auto res = sign::SignImage(*repo, r);
    BOOST_REQUIRE_MESSAGE(res.ok(), res.status().message());
  }
  ImageDecision Verify(SignatureForms forms = SignatureForms::kAll, size_t threshold = 1,
                       std::map<std::string, std::string> ann = {}) {
    SignatureCheck check;
    check.trust.keys = {k1->PublicKey(), k2->PublicKey()};
    check.threshold = threshold;
    check.annotations = std::move(ann);
    auto trust = CompileSignatureCheck(check);
    BOOST_REQUIRE_MESSAGE(trust.ok(), trust.status().message());
    EvaluateOptions o;
    o.forms = forms;
    auto repo = Repo();
    last_trust = *trust;
    return Evaluate(*repo, **trust, o);
  }
  // Signatures returns the signature requirement's result on the image.
  static const RequirementResult& Signatures(const ImageDecision& d) {
    BOOST_REQUIRE(!d.results.empty());
    BOOST_REQUIRE_EQUAL(d.results[0].requirement, "signatures");
    return d.results[0];
  }
  // Problem is what `vouch verify` prints about a decision.
  std::string Problem(const ImageDecision& d) {
    auto lines = Problems({d}, *last_trust, Shape::kSignatures);
    return lines.empty() ? "" : lines[0];
  }
  std::shared_ptr<const TrustPolicy> last_trust;
};

BOOST_FIXTURE_TEST_SUITE(ImageVerify, Fixture)

// With the referrers API: HEAD, referrers GET, referrer manifest GET, bundle blob GET.
BOOST_AUTO_TEST_CASE(FourRequestsForBundlesThreeForLegacy) {
  reg->referrers_api = true;
  Sign(*k1, sign::ImageSignatureFormat::kBundle);
  Sign(*k2, sign::ImageSignatureFormat::kLegacy);
  size_t before = reg->requests.size();
  ImageDecision b = Verify(SignatureForms::kBundle);
  BOOST_TEST(b.status.ok(), b.status.message());
  BOOST_TEST(reg->requests.size() - before == 4u);
  before = reg->requests.size();
  ImageDecision l = Verify(SignatureForms::kLegacy);
  BOOST_TEST(l.status.ok(), l.status.message());
  BOOST_TEST(reg->requests.size() - before == 3u);
  before = reg->requests.size();
  ImageDecision all = Verify(SignatureForms::kAll, 2);
  BOOST_TEST(all.status.ok(), all.status.message());
  BOOST_TEST(reg->requests.size() - before == 6u);  // one HEAD shared by both forms
  BOOST_REQUIRE_EQUAL(all.subjects.size(), 1u);
  BOOST_TEST(Signatures(all).signers == 2u);
  BOOST_TEST(all.subjects[0].referrers_scheme == "api");
}

// A failed lookup is "could not check" with the registry's code, never "unsigned".
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
    {"/referrers/", 429, ErrorCode::kUnavailable},
    {"/referrers/", 503, ErrorCode::kUnavailable},
    {".sig", 500, ErrorCode::kUnavailable},
    {"/blobs/", 503, ErrorCode::kUnavailable},
};

BOOST_DATA_TEST_CASE_F(Fixture, LookupFailuresKeepTheirCode, boost::unit_test::data::make(kLookupFaults),
                       fault) {
  reg->referrers_api = true;
  Sign(*k1, sign::ImageSignatureFormat::kBundle);
  Sign(*k1, sign::ImageSignatureFormat::kLegacy);
  reg->fault = [&](const registry::HttpRequest& req) -> std::optional<Result<registry::HttpResponse>> {
    if (req.method == "GET" && req.url.find(fault.path_part) != std::string::npos) {
      registry::HttpResponse r;
      r.status = fault.http_status;
      return Result<registry::HttpResponse>(r);
    }
    return std::nullopt;
  };
  // Threshold 2 with one key signing: the other form cannot make up for the failed lookup.
  ImageDecision rep = Verify(SignatureForms::kAll, 2);
  BOOST_TEST(rep.decision == Decision::kError);
  BOOST_TEST(rep.status.code() == fault.want, rep.status.message());
  BOOST_TEST(Signatures(rep).code == Reason::kLookupFailed);
  BOOST_TEST(Problem(rep).find("no signatures") == std::string::npos);
  BOOST_TEST(Problem(rep).find("could not check") != std::string::npos, Problem(rep));
}

BOOST_AUTO_TEST_CASE(RejectionsAreVerificationFailed) {
  // Unsigned.
  ImageDecision u = Verify();
  BOOST_TEST(u.status.code() == ErrorCode::kVerificationFailed);
  BOOST_TEST(Signatures(u).code == Reason::kNoEvidence);
  BOOST_TEST(Problem(u).find("no signatures found") != std::string::npos, Problem(u));
  // Another key only.
  auto other = std::move(*keys::Generate(keys::KeyAlgorithm::kEcdsaP256));
  Sign(*other, sign::ImageSignatureFormat::kBundle);
  Sign(*other, sign::ImageSignatureFormat::kLegacy);
  ImageDecision w = Verify();
  BOOST_TEST(w.status.code() == ErrorCode::kVerificationFailed);
  BOOST_TEST(Signatures(w).code == Reason::kNoneValid);
  BOOST_TEST(Signatures(w).findings.size() == 2u);
  for (const auto& f : Signatures(w).findings) {
    BOOST_TEST(f.reason == Reason::kUntrusted);
    BOOST_TEST(f.detail == "signature does not verify with any trusted key");
  }
  // Annotations must match.
  Sign(*k1, sign::ImageSignatureFormat::kLegacy, {{"env", "prod"}});
  BOOST_TEST(Verify(SignatureForms::kAll, 1, {{"env", "prod"}}).status.ok());
  BOOST_TEST(Verify(SignatureForms::kAll, 1, {{"env", "dev"}}).status.code() ==
             ErrorCode::kVerificationFailed);
  // Threshold 2 with one trusted key signing.
  ImageDecision t = Verify(SignatureForms::kAll, 2);
  BOOST_TEST(Signatures(t).code == Reason::kThresholdNotMet);
  BOOST_TEST(Problem(t).find("only 1 of the 2 required") != std::string::npos, Problem(t));
}

// An attestation is not a signature: it is neither counted nor listed as an invalid one.
BOOST_AUTO_TEST_CASE(AttestationsAreNotInvalidSignatures) {
  const std::string predicate =
      (std::filesystem::temp_directory_path() / ("vouch-pred-" + std::to_string(::getpid()))).string();
  // A valid SLSA v1 predicate: signing refuses an invalid one (attest::ValidatePredicate).
  std::ofstream(predicate) << R"({"buildDefinition":{"buildType":"https://bt.test/v1",)"
                              R"("externalParameters":{}},)"
                              R"("runDetails":{"builder":{"id":"https://builder.test"}}})";
  sign::AttestImageRequest a;
  a.signer = k1.get();
  a.predicate_type = std::string(attest::kSlsaProvenanceV1);
  a.predicate_path = predicate;
  a.tag_update.sleep = [](std::chrono::milliseconds) {};
  for (auto format : {sign::ImageSignatureFormat::kBundle, sign::ImageSignatureFormat::kLegacy}) {
    a.format = format;
    auto repo = Repo();
    auto res = sign::AttestImage(*repo, a);
    BOOST_REQUIRE_MESSAGE(res.ok(), res.status().message());
  }
  std::filesystem::remove(predicate);
  ImageDecision only = Verify();
  BOOST_TEST(Signatures(only).code == Reason::kNoEvidence, Problem(only));
  BOOST_TEST(Signatures(only).findings.empty());
  Sign(*k1, sign::ImageSignatureFormat::kBundle);
  ImageDecision one = Verify();
  BOOST_TEST(one.status.ok(), one.status.message());
  BOOST_REQUIRE_EQUAL(Signatures(one).findings.size(), 1u);
  BOOST_TEST(Signatures(one).findings[0].valid);
}

BOOST_AUTO_TEST_CASE(TamperedPayloadBlobIsRejectedNotAnError) {
  Sign(*k1, sign::ImageSignatureFormat::kLegacy);
  reg->fault = [](const registry::HttpRequest& req) -> std::optional<Result<registry::HttpResponse>> {
    if (req.method == "GET" && req.url.find("/blobs/") != std::string::npos) {
      registry::HttpResponse r;
      r.status = 200;
      r.body = ToBytes("{\"critical\":{}}");
      // Complete by its own framing: the registry meant these bytes (a short body without a
      // Content-Length would read as a truncation, retried and "could not check").
      r.headers.Add("Content-Length", std::to_string(r.body.size()));
      return Result<registry::HttpResponse>(r);
    }
    return std::nullopt;
  };
  ImageDecision r = Verify(SignatureForms::kLegacy);
  BOOST_TEST(r.status.code() == ErrorCode::kVerificationFailed, r.status.message());
}

// Usage errors come from the factory, before any request, never inside a decision.
BOOST_AUTO_TEST_CASE(InvalidRequests) {
  size_t before = reg->requests.size();
  SignatureCheck c;
  BOOST_TEST(IsInvalidArgument(CompileSignatureCheck(c).status()));
  c.trust.keys = {k1->PublicKey(), k1->PublicKey()};
  c.threshold = 2;  // the same key twice is one key
  BOOST_TEST(IsInvalidArgument(CompileSignatureCheck(c).status()));
  c.threshold = 0;
  BOOST_TEST(IsInvalidArgument(CompileSignatureCheck(c).status()));
  c.threshold = 1;
  c.trust.identities.push_back({});  // keys and identities
  BOOST_TEST(IsInvalidArgument(CompileSignatureCheck(c).status()));
  c.trust.keys.clear();  // an identity without a trusted root
  BOOST_TEST(IsInvalidArgument(CompileSignatureCheck(c).status()));
  BOOST_TEST(reg->requests.size() == before);
}

BOOST_AUTO_TEST_CASE(SimpleSigningPayloadBytesMatchGo) {
  Digest d = *Digest::Parse("sha256:" + std::string(64, 'a'));
  BOOST_TEST(attest::MakeSimpleSigningPayload("ghcr.io/org/app", d, {}) ==
             R"({"critical":{"identity":{"docker-reference":"ghcr.io/org/app"},"image":{"docker-manifest-digest":"sha256:)" +
                 std::string(64, 'a') +
                 R"("},"type":"cosign container image signature"},"optional":null})");
  std::string with = attest::MakeSimpleSigningPayload(
      "r/a", d, {{"z", "1"}, {"a", "<&>\"\\\n\x01\xe2\x80\xa8\xff"}});
  BOOST_TEST(with.substr(with.find("\"optional\"")) ==
             R"("optional":{"a":"\u003c\u0026\u003e\"\\\n\u0001\u2028\ufffd","z":"1"}})");
  auto parsed = attest::ParseSimpleSigningPayload(AsBytes(with));
  BOOST_REQUIRE(parsed.ok());
  BOOST_TEST(parsed->annotations.at("z") == "1");
  BOOST_TEST(!parsed->optional_null);
  BOOST_TEST(attest::ParseSimpleSigningPayload(AsBytes("{\"critical\":1}")).status().code() ==
             ErrorCode::kInvalidArgument);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::verify
