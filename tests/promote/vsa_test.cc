// The VSA v1 predicate (attest/vsa.h), CheckVsa (verify/vsa.h) and BuildVsa (promote.h), without
// a registry: fixed times, every refusal with the check it names.
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "vouch/attest/vsa.h"
#include "vouch/promote/promote.h"
#include "vouch/registry/reference.h"
#include "vouch/verify/vsa.h"

namespace vouch {
namespace {

using namespace std::chrono_literals;

const TimePoint kNow = *ParseRfc3339("2026-03-01T12:00:00Z");
const Digest kImage = Digest::Of(AsBytes("image"));
const Digest kOther = Digest::Of(AsBytes("other"));

attest::Vsa Sample() {
  attest::Vsa v;
  v.verifier_id = "https://gate.example/promote";
  v.verifier_version["vouch"] = "0.1.0";
  v.time_verified = kNow - 1h;
  v.resource_uri = "oci://registry.example.com/prod/app";
  v.policy_uri = "file:///etc/vouch/policy.json#production";
  v.policy_digest["sha256"] = std::string(64, 'b');
  v.input_attestations.push_back({"oci://registry.example.com/prod/app@sha256:" +
                                      std::string(64, 'c'),
                                  {{"sha256", std::string(64, 'c')}}});
  v.verification_result = "PASSED";
  v.verified_levels = {"SLSA_BUILD_LEVEL_2"};
  v.slsa_version = "1.0";
  return v;
}

verify::VerifiedAttestation Verified(const attest::Vsa& v, const Digest& about = kImage) {
  auto st = attest::VsaStatement(v, "registry.example.com/prod/app", about);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.status().message());
  return verify::VerifiedAttestation{*st, ToBytes(st->Serialize()), "keyid"};
}

BOOST_AUTO_TEST_SUITE(VsaPredicate)

BOOST_AUTO_TEST_CASE(RoundTripsWithFixedKeyOrder) {
  auto json = attest::SerializeVsaPredicate(Sample());
  BOOST_REQUIRE(json.ok());
  BOOST_TEST(*json ==
             R"({"verifier":{"id":"https://gate.example/promote","version":{"vouch":"0.1.0"}},)"
             R"("timeVerified":"2026-03-01T11:00:00Z",)"
             R"("resourceUri":"oci://registry.example.com/prod/app",)"
             R"("policy":{"uri":"file:///etc/vouch/policy.json#production","digest":{"sha256":")" +
                 std::string(64, 'b') +
                 R"("}},"inputAttestations":[{"uri":"oci://registry.example.com/prod/app@sha256:)" +
                 std::string(64, 'c') + R"(","digest":{"sha256":")" + std::string(64, 'c') +
                 R"("}}],"verificationResult":"PASSED","verifiedLevels":["SLSA_BUILD_LEVEL_2"],)"
                 R"("slsaVersion":"1.0"})");
  auto back = attest::ParseVsaPredicate(*json);
  BOOST_REQUIRE_MESSAGE(back.ok(), back.status().message());
  BOOST_TEST((*back == Sample()));
  attest::Vsa deps = Sample();
  deps.dependency_levels = std::map<std::string, int64_t>{};  // "no dependencies" is kept
  auto d = attest::ParseVsaPredicate(*attest::SerializeVsaPredicate(deps));
  BOOST_REQUIRE(d.ok());
  BOOST_TEST(d->dependency_levels.has_value());
  BOOST_TEST(attest::PolicyNameOfUri(Sample().policy_uri) == "production");
}

BOOST_AUTO_TEST_CASE(StrictParse) {
  const std::string ok = *attest::SerializeVsaPredicate(Sample());
  struct Case {
    std::string from, to, why;
  };
  for (const Case& c : std::vector<Case>{
           {R"("id":"https://gate.example/promote",)", "", "verifier.id"},
           {R"("resourceUri":"oci://registry.example.com/prod/app",)", "", "resourceUri"},
           {R"("uri":"file:///etc/vouch/policy.json#production",)", "", "policy.uri"},
           {R"("PASSED")", R"("OK")", "verificationResult"},
           {R"(["SLSA_BUILD_LEVEL_2"])", R"(["SLSA_BUILD_LEVEL_9"])", "not a SLSA level"},
           {R"(["SLSA_BUILD_LEVEL_2"])", R"(["SLSA_BUILD_LEVEL_2","SLSA_BUILD_LEVEL_1"])",
            "more than one level"},
           {R"(["SLSA_BUILD_LEVEL_2"])", R"([])", "must not be empty"},
           {R"(["SLSA_BUILD_LEVEL_2"])", R"("SLSA_BUILD_LEVEL_2")", "verifiedLevels"},
           {R"("2026-03-01T11:00:00Z")", R"("yesterday")", "timeVerified"},
           {std::string(64, 'b'), std::string(63, 'b'), "policy.digest.sha256"},
       }) {
    std::string text = ok;
    size_t at = text.find(c.from);
    BOOST_REQUIRE_MESSAGE(at != std::string::npos, c.from);
    text.replace(at, c.from.size(), c.to);
    auto r = attest::ParseVsaPredicate(text);
    BOOST_TEST(IsInvalidArgument(r.status()), c.why << ": " << r.status().message());
    BOOST_TEST(r.status().message().find(c.why) != std::string::npos, r.status().message());
  }
  BOOST_TEST(attest::ValidateVsaLevel("ACME_LEVEL_HIGH").ok());  // custom levels are allowed
  BOOST_TEST(attest::LevelSatisfies({"SLSA_BUILD_LEVEL_3"}, "SLSA_BUILD_LEVEL_2"));
  BOOST_TEST(!attest::LevelSatisfies({"SLSA_BUILD_LEVEL_1"}, "SLSA_BUILD_LEVEL_2"));
  BOOST_TEST(!attest::LevelSatisfies({"SLSA_BUILD_LEVEL_UNEVALUATED"}, "SLSA_BUILD_LEVEL_0"));
  BOOST_TEST(!attest::LevelSatisfies({"SLSA_SOURCE_LEVEL_3"}, "SLSA_BUILD_LEVEL_1"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(CheckVsa)

BOOST_AUTO_TEST_CASE(AcceptsWhatWasAskedAndRefusesTheRest) {
  policy::VsaRequirement want;
  want.policy = "production";
  want.verifier_id = "https://gate.example/promote";
  want.min_level = "SLSA_BUILD_LEVEL_1";
  BOOST_TEST(verify::CheckVsa(Verified(Sample()), kImage, want, 2h, kNow,
                              "oci://registry.example.com/prod/app")
                 .ok());
  struct Case {
    std::string why;
    attest::Vsa vsa;
    Digest subject;
    policy::VsaRequirement want;
    std::optional<std::chrono::seconds> max_age;
    std::string resource;
  };
  attest::Vsa failed = Sample();
  failed.verification_result = "FAILED";
  attest::Vsa future = Sample();
  future.time_verified = kNow + 1h;
  attest::Vsa untimed = Sample();
  untimed.time_verified.reset();
  policy::VsaRequirement other_policy = want;
  other_policy.policy = "staging";
  policy::VsaRequirement other_verifier = want;
  other_verifier.verifier_id = "https://other.example";
  policy::VsaRequirement higher = want;
  higher.min_level = "SLSA_BUILD_LEVEL_3";
  for (const Case& c : std::vector<Case>{
           {"vsa subject", Sample(), kOther, want, std::nullopt, ""},
           {"vsa result is FAILED", failed, kImage, want, std::nullopt, ""},
           {"vsa policy", Sample(), kImage, other_policy, std::nullopt, ""},
           {"vsa verifier", Sample(), kImage, other_verifier, std::nullopt, ""},
           {"vsa level too low", Sample(), kImage, higher, std::nullopt, ""},
           {"vsa is stale", Sample(), kImage, want, 30min, ""},
           {"vsa has no timeVerified", untimed, kImage, want, 30min, ""},
           {"vsa is from the future", future, kImage, want, std::nullopt, ""},
           {"vsa resourceUri", Sample(), kImage, want, std::nullopt, "oci://elsewhere/app"},
       }) {
    Status s = verify::CheckVsa(Verified(c.vsa), c.subject, c.want, c.max_age, kNow, c.resource);
    BOOST_TEST(IsVerificationFailed(s), c.why << ": " << s.message());
    BOOST_TEST(s.message().find(c.why) != std::string::npos, s.message());
  }
  // A statement of another predicate type is refused even if it were passed in.
  auto st = attest::Statement::Create({{"", "", {{"sha256", kImage.Hex()}}, {}, "", "", ""}},
                                      "https://slsa.dev/provenance/v1", "{}");
  BOOST_REQUIRE(st.ok());
  Status s = verify::CheckVsa({*st, {}, ""}, kImage, want, std::nullopt, kNow);
  BOOST_TEST(IsVerificationFailed(s));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(BuildVsa)

BOOST_AUTO_TEST_CASE(RecordsTheDecisionAtTheDestination) {
  policy::Policy pol;
  pol.source = "/etc/vouch/policy.json";
  pol.digest = Digest::Of(AsBytes("policy bytes"));
  verify::ImageDecision d;
  d.decision = verify::Decision::kAccepted;
  d.digest = kImage;
  d.policy_name = "production";
  d.inputs.push_back({"attestation", "https://slsa.dev/provenance/v1", "ci",
                      "referrer " + kOther.ToString(), kOther});
  d.inputs.push_back({"signature", "", "release",
                      "sha256-" + kImage.Hex() + ".sig layer 0", kImage});
  auto trust = verify::TrustPolicy::Compile(pol);
  promote::PromoteRequest req;
  req.trust = trust.get();
  req.verifier_id = "https://gate.example/promote";
  auto dst = registry::ParseReference("registry.example.com/prod/app:1.0");
  BOOST_REQUIRE(dst.ok());
  auto vsa = promote::BuildVsa(d, *dst, req, kNow);
  BOOST_REQUIRE_MESSAGE(vsa.ok(), vsa.status().message());
  BOOST_TEST(vsa->resource_uri == "oci://registry.example.com/prod/app");
  BOOST_TEST(vsa->policy_uri == "file:///etc/vouch/policy.json#production");
  BOOST_TEST(vsa->policy_digest.at("sha256") == pol.digest.Hex());
  BOOST_TEST(vsa->verified_levels == std::vector<std::string>{"SLSA_BUILD_LEVEL_UNEVALUATED"});
  BOOST_REQUIRE(vsa->input_attestations.size() == 2u);
  BOOST_TEST(vsa->input_attestations[0].uri ==
             "oci://registry.example.com/prod/app@" + kOther.ToString());
  BOOST_TEST(vsa->input_attestations[1].uri ==
             "oci://registry.example.com/prod/app:sha256-" + kImage.Hex() + ".sig");
  BOOST_TEST(!vsa->dependency_levels.has_value());
  BOOST_TEST(attest::SerializeVsaPredicate(*vsa).ok());
  d.decision = verify::Decision::kRejected;
  BOOST_TEST((promote::BuildVsa(d, *dst, req, kNow).status().code() ==
              ErrorCode::kFailedPrecondition));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch
