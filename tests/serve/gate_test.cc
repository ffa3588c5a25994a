// The gate's answers made without verification (DecideUnverified: skipped requests and kinds
// vouch cannot read, per admission.unknownKinds) and the decision log record: who asked, the
// object, and the evidence each image was admitted on.
#include "gate.h"

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "serve/review.h"
#include "vouch/attest/vsa.h"
#include "vouch/core/bytes.h"

namespace vouch::serve::internal {
namespace {

using Json = nlohmann::json;
using serve_test::PodImages;
using serve_test::Review;
using serve_test::ReviewOptions;

AdmissionRequest Parse(const std::string& body) {
  auto r = ParseAdmissionReview(body);
  BOOST_REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  return *r;
}

const std::string kRollout =
    R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"r1","kind":{"group":"argoproj.io","version":"v1alpha1","kind":"Rollout"},"namespace":"team-a","name":"web","operation":"CREATE","userInfo":{"username":"alice"},"object":{"spec":{"template":{"spec":{"containers":[{"name":"a","image":"unsigned:1"}]}}}}}})";

BOOST_AUTO_TEST_SUITE(gate)

BOOST_AUTO_TEST_CASE(skipped_requests_are_allowed_with_their_reason) {
  policy::Policy p;
  ReviewOptions o;
  o.operation = "DELETE";
  o.no_object = true;
  o.old = PodImages{{"unsigned:1"}, {}, {}};
  for (bool mutate : {false, true}) {
    auto d = DecideUnverified(Parse(Review("d", "Pod", "web", {}, o)), mutate, p);
    BOOST_REQUIRE(d.has_value());
    BOOST_TEST(d->response.allowed);
    BOOST_TEST(d->skipped == "delete");
    BOOST_TEST(d->images.empty());
    BOOST_TEST(d->response.patch.empty());
    BOOST_TEST(!d->refused.empty());
  }
  ReviewOptions u;
  u.operation = "UPDATE";
  u.old = PodImages{{"unsigned:1"}, {}, {}};
  auto same = DecideUnverified(Parse(Review("u", "Deployment", "web", {{"unsigned:1"}, {}, {}}, u)),
                               false, p);
  BOOST_REQUIRE(same.has_value());
  BOOST_TEST(same->skipped == "unchanged-images");
  BOOST_TEST(same->response.allowed);
  // A changed image, and a plain CREATE, are the gate's to verify.
  BOOST_TEST(
      !DecideUnverified(Parse(Review("u", "Deployment", "web", {{"other:2"}, {}, {}}, u)), false, p)
           .has_value());
  BOOST_TEST(!DecideUnverified(Parse(Review("c", "Job", "j", {{"unsigned:1"}, {}, {}})), false, p)
                  .has_value());
}

BOOST_AUTO_TEST_CASE(unknown_kind_follows_admission_unknown_kinds) {
  policy::Policy p;  // default: deny
  const AdmissionRequest rollout = Parse(kRollout);
  auto denied = DecideUnverified(rollout, false, p);
  BOOST_REQUIRE(denied.has_value());
  BOOST_TEST(!denied->response.allowed);
  BOOST_TEST(denied->response.code == 403);
  BOOST_TEST(denied->skipped == "unknown-kind");
  const std::string& msg = denied->response.message;
  BOOST_TEST(msg.find("argoproj.io/v1alpha1 Rollout") != std::string::npos, msg);
  BOOST_TEST(msg.find("admission.unknownKinds: deny") != std::string::npos, msg);
  // /mutate never denies; /validate does.
  auto mutated = DecideUnverified(rollout, true, p);
  BOOST_REQUIRE(mutated.has_value());
  BOOST_TEST(mutated->response.allowed);
  BOOST_TEST(mutated->response.patch.empty());

  p.admission.unknown_kinds = policy::UnknownKinds::kAllow;
  auto allowed = DecideUnverified(rollout, false, p);
  BOOST_REQUIRE(allowed.has_value());
  BOOST_TEST(allowed->response.allowed);
  BOOST_REQUIRE_EQUAL(allowed->response.warnings.size(), 1u);
  BOOST_TEST(allowed->response.warnings[0].find("admitted unverified") != std::string::npos);
  // A DELETE of an unknown kind is a DELETE: allowed whatever the setting.
  p.admission.unknown_kinds = policy::UnknownKinds::kDeny;
  auto del = DecideUnverified(
      Parse(
          R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"r2","kind":{"group":"argoproj.io","version":"v1alpha1","kind":"Rollout"},"operation":"DELETE","object":null}})"),
      false, p);
  BOOST_REQUIRE(del.has_value());
  BOOST_TEST(del->response.allowed);
  BOOST_TEST(del->skipped == "delete");
}

BOOST_AUTO_TEST_CASE(decision_log_records_who_asked_and_the_evidence) {
  const Digest image = Digest::Of(AsBytes("image"));
  const Digest sig = Digest::Of(AsBytes("signature"));
  const Digest vsa = Digest::Of(AsBytes("vsa"));
  auto d = std::make_shared<verify::ImageDecision>();
  d->decision = verify::Decision::kAccepted;
  d->digest = image;
  d->inputs.push_back({"signature", "", "release", "referrer " + sig.ToString(), sig});
  d->inputs.push_back(
      {"attestation", std::string(attest::kVsaPredicateType), "ci", "sha256-x.att layer 0", vsa});
  verify::RequirementResult sr;
  sr.requirement = "signatures";
  verify::EvidenceFinding sf;
  sf.location = "referrer " + sig.ToString();
  sf.digest = sig;
  sf.valid = true;
  sf.signer.authority = "release";
  sf.signer.key_id = std::string(64, 'a');
  sr.findings.push_back(sf);
  d->results.push_back(sr);
  verify::RequirementResult ar;
  ar.requirement = "attestation vsa";
  verify::EvidenceFinding af;
  af.location = "sha256-x.att layer 0";
  af.digest = vsa;
  af.valid = true;
  af.signer.authority = "ci";
  af.signer.identity = "https://github.com/acme/ci (https://token.actions.githubusercontent.com)";
  ar.findings.push_back(af);
  d->results.push_back(ar);

  ReviewOptions o;
  o.username = "system:serviceaccount:ci:deployer";
  const AdmissionRequest req =
      Parse(Review("uid-9", "Deployment", "web", {{"reg/app:v1"}, {}, {}}, o));
  AdmissionDecision dec;
  dec.response.allowed = true;
  ImageVerdict iv;
  iv.image = "reg/app:v1";
  iv.pinned = "reg/app@" + image.ToString();
  iv.digest = image.ToString();
  iv.policy = "production";
  iv.result = "accepted";
  iv.allowed = true;
  iv.decision = d;
  dec.images.push_back(iv);
  Json j = Json::parse(DecisionLogLine(req, false, dec, "sha256:policy"));
  BOOST_TEST(j["uid"] == "uid-9");
  BOOST_TEST(j["kind"] == "apps/Deployment");
  BOOST_TEST(j["namespace"] == "team-a");
  BOOST_TEST(j["name"] == "web");
  BOOST_TEST(j["operation"] == "CREATE");
  BOOST_TEST(j["subResource"] == "");
  BOOST_TEST(j["user"]["username"] == "system:serviceaccount:ci:deployer");
  BOOST_TEST(j["user"]["groups"] == Json::array({"system:authenticated", "my-admin-group"}));
  BOOST_TEST(j["result"] == "allowed");
  BOOST_TEST(!j.contains("skipped"));
  const Json& ev = j["images"][0]["evidence"];
  BOOST_REQUIRE_EQUAL(ev.size(), 2u);
  BOOST_TEST(ev[0]["kind"] == "signature");
  BOOST_TEST(ev[0]["authority"] == "release");
  BOOST_TEST(ev[0]["keyId"] == std::string(64, 'a'));
  BOOST_TEST(ev[0]["identity"] == "");
  BOOST_TEST(ev[0]["digest"] == sig.ToString());
  BOOST_TEST(ev[1]["kind"] == "attestation");
  BOOST_TEST(ev[1]["predicateType"] == std::string(attest::kVsaPredicateType));
  BOOST_TEST(ev[1]["identity"] == af.signer.identity);
  BOOST_TEST(ev[1]["digest"] == vsa.ToString());
  BOOST_TEST(j["images"][0]["digest"] == image.ToString());

  // A skipped review: no images, the reason as a code and as a sentence.
  ReviewOptions u;
  u.operation = "UPDATE";
  u.old = PodImages{{"reg/app:v1"}, {}, {}};
  const AdmissionRequest same = Parse(Review("uid-10", "Pod", "web", {{"reg/app:v1"}, {}, {}}, u));
  policy::Policy p;
  auto skipped = DecideUnverified(same, false, p);
  BOOST_REQUIRE(skipped.has_value());
  Json s = Json::parse(DecisionLogLine(same, false, *skipped, "sha256:policy"));
  BOOST_TEST(s["result"] == "allowed");
  BOOST_TEST(s["skipped"] == "unchanged-images");
  BOOST_TEST(s["images"].empty());
  BOOST_REQUIRE_EQUAL(s["reasons"].size(), 1u);
  BOOST_TEST(s["reasons"][0].get<std::string>().find("not verified") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::serve::internal
