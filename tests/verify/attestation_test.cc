// VerifyAttestationEnvelope / VerifyAttestationBundle / CheckSlsa: every check, positive and
// mutated negative, with keys generated in the test.
#include "vouch/verify/attestation.h"

#include <boost/test/unit_test.hpp>
#include <memory>
#include <string>
#include <vector>

#include "vouch/attest/bundle.h"
#include "vouch/attest/dsse.h"
#include "vouch/attest/statement.h"

namespace vouch::verify {
namespace {

const std::string kPredicate =
    R"({"buildDefinition":{"buildType":"https://bt","externalParameters":{}},)"
    R"("runDetails":{"builder":{"id":"https://builder.test/b@v1"}}})";

struct Fixture {
  std::unique_ptr<keys::Signer> signer = *keys::Generate(keys::KeyAlgorithm::kEcdsaP256);
  std::unique_ptr<keys::Signer> other = *keys::Generate(keys::KeyAlgorithm::kEcdsaP256);
  Digest subject = Digest::Of(AsBytes(std::string("artifact")));

  std::string StatementJson(const std::string& type = std::string(attest::kSlsaProvenanceV1)) {
    attest::ResourceDescriptor rd;
    rd.name = "artifact";
    rd.digest["sha256"] = subject.Hex();
    return attest::Statement::Create({rd}, type, kPredicate)->Serialize();
  }
  attest::DsseEnvelope Envelope(const std::string& payload,
                                std::string_view payload_type = attest::kInTotoPayloadType) {
    return *attest::SignEnvelope(payload_type, AsBytes(payload), *signer,
                                 attest::PublicKeyHint(signer->PublicKey()));
  }
  std::vector<keys::Verifier> Keys() { return {signer->PublicKey()}; }
  attest::Bundle BundleOf(attest::DsseEnvelope env) {
    attest::Bundle b;
    b.media_type = std::string(attest::kBundleMediaTypeV03New);
    b.verification_material.public_key_hint = attest::PublicKeyHint(signer->PublicKey());
    b.content = std::move(env);
    return b;
  }
};

void ExpectRejected(const Status& st, const std::string& mentions) {
  BOOST_TEST(IsVerificationFailed(st), st.ToString());
  BOOST_TEST(st.message().find(mentions) != std::string::npos, st.message());
}

BOOST_FIXTURE_TEST_SUITE(attestation, Fixture)

BOOST_AUTO_TEST_CASE(verifies_and_returns_the_statement) {
  std::string json = StatementJson();
  auto v = VerifyAttestationEnvelope(Envelope(json), subject, Keys(), attest::kSlsaProvenanceV1);
  BOOST_REQUIRE_MESSAGE(v.ok(), v.status().ToString());
  BOOST_TEST(AsChars(v->payload) == json);
  BOOST_TEST(v->statement.predicate_type() == attest::kSlsaProvenanceV1);
  BOOST_TEST(v->key_id == signer->PublicKey().KeyId());
  // Any one of several keys suffices.
  std::vector<keys::Verifier> two = {other->PublicKey(), signer->PublicKey()};
  BOOST_TEST(
      VerifyAttestationEnvelope(Envelope(json), subject, two, attest::kSlsaProvenanceV1).ok());
}

BOOST_AUTO_TEST_CASE(rejects_each_failed_check) {
  std::string json = StatementJson();
  ExpectRejected(VerifyAttestationEnvelope(Envelope(json, "application/json"), subject, Keys(),
                                           attest::kSlsaProvenanceV1)
                     .status(),
                 "payload type \"application/json\"");
  std::vector<keys::Verifier> wrong = {other->PublicKey()};
  ExpectRejected(
      VerifyAttestationEnvelope(Envelope(json), subject, wrong, attest::kSlsaProvenanceV1).status(),
      "signature does not verify");
  attest::DsseEnvelope tampered = Envelope(json);
  tampered.payload.back() = ' ';
  ExpectRejected(
      VerifyAttestationEnvelope(tampered, subject, Keys(), attest::kSlsaProvenanceV1).status(),
      "signature does not verify");
  ExpectRejected(VerifyAttestationEnvelope(Envelope("{\"_type\":\"x\"}"), subject, Keys(),
                                           attest::kSlsaProvenanceV1)
                     .status(),
                 "statement is malformed");
  Digest another = Digest::Of(AsBytes(std::string("another")));
  ExpectRejected(
      VerifyAttestationEnvelope(Envelope(json), another, Keys(), attest::kSlsaProvenanceV1)
          .status(),
      "subject: no subject of the statement has digest " + another.ToString());
  ExpectRejected(
      VerifyAttestationEnvelope(Envelope(json), subject, Keys(), attest::kSlsaProvenanceV02)
          .status(),
      "predicate type \"https://slsa.dev/provenance/v1\" is not the expected "
      "\"https://slsa.dev/provenance/v0.2\"");
}

BOOST_AUTO_TEST_CASE(bad_arguments) {
  std::string json = StatementJson();
  BOOST_TEST(IsInvalidArgument(
      VerifyAttestationEnvelope(Envelope(json), subject, {}, attest::kSlsaProvenanceV1).status()));
  BOOST_TEST(
      IsInvalidArgument(VerifyAttestationEnvelope(Envelope(json), subject, Keys(), "").status()));
}

BOOST_AUTO_TEST_CASE(bundle_rules) {
  std::string json = StatementJson();
  BOOST_TEST(
      VerifyAttestationBundle(BundleOf(Envelope(json)), subject, Keys(), attest::kSlsaProvenanceV1)
          .ok());
  // An empty keyid is fine (sigstore-js omits it); a different one is not.
  attest::DsseEnvelope env = Envelope(json);
  env.signatures[0].keyid = "";
  BOOST_TEST(
      VerifyAttestationBundle(BundleOf(env), subject, Keys(), attest::kSlsaProvenanceV1).ok());
  env.signatures[0].keyid = "someone-else";
  ExpectRejected(
      VerifyAttestationBundle(BundleOf(env), subject, Keys(), attest::kSlsaProvenanceV1).status(),
      "differs from its public key hint");
  // The hint names another key.
  attest::Bundle b = BundleOf(Envelope(json));
  b.verification_material.public_key_hint = attest::PublicKeyHint(other->PublicKey());
  b.content = [&] {
    attest::DsseEnvelope e = Envelope(json);
    e.signatures[0].keyid = "";
    return e;
  }();
  ExpectRejected(VerifyAttestationBundle(b, subject, Keys(), attest::kSlsaProvenanceV1).status(),
                 "signed with a different key");
  // Two signatures break the bundle rule.
  attest::DsseEnvelope two = Envelope(json);
  two.signatures.push_back(two.signatures[0]);
  ExpectRejected(
      VerifyAttestationBundle(BundleOf(two), subject, Keys(), attest::kSlsaProvenanceV1).status(),
      "exactly one signature");
  attest::Bundle ms = BundleOf(Envelope(json));
  ms.content = attest::MessageSignature{std::nullopt, Bytes{1, 2, 3}};
  ExpectRejected(VerifyAttestationBundle(ms, subject, Keys(), attest::kSlsaProvenanceV1).status(),
                 "message signature");
}

BOOST_AUTO_TEST_CASE(slsa_checks_on_verified_statement) {
  auto v = VerifyAttestationEnvelope(Envelope(StatementJson()), subject, Keys(),
                                     attest::kSlsaProvenanceV1);
  BOOST_REQUIRE(v.ok());
  SlsaExpectations want;
  BOOST_TEST(CheckSlsa(*v, want).ok());
  want.builder_ids = {"https://builder.test/b"};
  BOOST_TEST(CheckSlsa(*v, want).ok());
  want.builder_ids = {"https://builder.test/c"};
  ExpectRejected(CheckSlsa(*v, want), "builder id");
  // SLSA checks on another predicate type are a usage error.
  auto custom = VerifyAttestationEnvelope(Envelope(StatementJson("https://example.test/p")),
                                          subject, Keys(), "https://example.test/p");
  BOOST_REQUIRE(custom.ok());
  BOOST_TEST(IsInvalidArgument(CheckSlsa(*custom, want)));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::verify
