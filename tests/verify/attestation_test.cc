// DSSE attestation bundles through VerifyBundle (a key, no trusted root), then CheckSlsa: every
// check, positive and mutated negative, with keys generated in the test; subjects in SHA-256,
// SHA-384, SHA-512 and SHA-1, by file (one pass) and by digest.
#include <boost/test/unit_test.hpp>
#include <memory>
#include <string>
#include <vector>

#include "vouch/attest/bundle.h"
#include "vouch/attest/dsse.h"
#include "vouch/attest/statement.h"
#include "vouch/verify/attestation.h"
#include "vouch/verify/sigstore.h"

namespace vouch::verify {
namespace {

const std::string kPredicate =
    R"({"buildDefinition":{"buildType":"https://bt","externalParameters":{}},)"
    R"("runDetails":{"builder":{"id":"https://builder.test/b@v1"}}})";
const std::string kArtifact = "artifact";

// MemorySource serves |text| once.
class MemorySource final : public ByteSource {
 public:
  explicit MemorySource(std::string text) : text_(std::move(text)) {}
  Result<size_t> Read(std::span<uint8_t> buf) override {
    size_t n = std::min(buf.size(), text_.size() - at_);
    std::copy_n(text_.data() + at_, n, buf.data());
    at_ += n;
    return n;
  }
  std::optional<ByteView> Map() override { return std::nullopt; }
  std::string Name() const override { return "memory"; }

 private:
  std::string text_;
  size_t at_ = 0;
};

struct Fixture {
  std::unique_ptr<keys::Signer> signer = *keys::Generate(keys::KeyAlgorithm::kEcdsaP256);
  std::unique_ptr<keys::Signer> other = *keys::Generate(keys::KeyAlgorithm::kEcdsaP256);
  keys::Verifier key = signer->PublicKey();

  std::string StatementJson(const std::string& type = std::string(attest::kSlsaProvenanceV1),
                            std::map<std::string, std::string> digests = {}) {
    attest::ResourceDescriptor rd;
    rd.name = "artifact";
    rd.digest = digests.empty()
                    ? std::map<std::string, std::string>{{"sha256",
                                                          Digest::Of(AsBytes(kArtifact)).Hex()}}
                    : digests;
    return attest::Statement::Create({rd}, type, kPredicate)->Serialize();
  }
  attest::Bundle BundleOf(const std::string& payload,
                          std::string_view payload_type = attest::kInTotoPayloadType,
                          const keys::Signer* by = nullptr) {
    attest::Bundle b;
    b.media_type = std::string(attest::kBundleMediaTypeV03New);
    b.verification_material.public_key_hint = attest::PublicKeyHint(signer->PublicKey());
    b.content = *attest::SignEnvelope(payload_type, AsBytes(payload), by ? *by : *signer,
                                      attest::PublicKeyHint(signer->PublicKey()));
    return b;
  }
  // ByFile verifies |b| against the artifact's bytes; ByDigest against a digest string.
  Result<BundleVerification> ByFile(const attest::Bundle& b, const std::string& type = "",
                                    const std::string& content = kArtifact) {
    MemorySource src(content);
    Artifact a;
    a.source = &src;
    BundleVerifyOptions o;
    o.key = &key;
    o.expected_predicate_type = type;
    return VerifyBundle(b, a, o);
  }
  Result<BundleVerification> ByDigest(const attest::Bundle& b, const std::string& digest) {
    Artifact a;
    a.digest = *ArtifactDigest::Parse(digest);
    BundleVerifyOptions o;
    o.key = &key;
    return VerifyBundle(b, a, o);
  }
};

void ExpectRejected(const Status& st, const std::string& mentions) {
  BOOST_TEST(IsVerificationFailed(st), st.ToString());
  BOOST_TEST(st.message().find(mentions) != std::string::npos, st.message());
}

BOOST_FIXTURE_TEST_SUITE(attestation, Fixture)

BOOST_AUTO_TEST_CASE(verifies_and_returns_the_payload) {
  std::string json = StatementJson();
  auto v = ByFile(BundleOf(json), std::string(attest::kSlsaProvenanceV1));
  BOOST_REQUIRE_MESSAGE(v.ok(), v.status().ToString());
  BOOST_TEST(AsChars(*v->dsse_payload) == json);
  BOOST_TEST(v->predicate_type == attest::kSlsaProvenanceV1);
  BOOST_TEST(v->signer == "key " + key.KeyId());
}

BOOST_AUTO_TEST_CASE(every_check_rejects) {
  std::string json = StatementJson();
  ExpectRejected(ByFile(BundleOf(json, "application/json")).status(), "payloadType");
  ExpectRejected(ByFile(BundleOf(json, attest::kInTotoPayloadType, other.get())).status(),
                 "does not verify");
  ExpectRejected(ByFile(BundleOf("{\"_type\":\"x\"}")).status(), "not a valid in-toto statement");
  ExpectRejected(ByFile(BundleOf(json), "", "another artifact").status(), "no subject");
  ExpectRejected(ByFile(BundleOf(json), std::string(attest::kSlsaProvenanceV02)).status(),
                 "predicate type");
  attest::Bundle ms = BundleOf(json);
  ms.content = attest::MessageSignature{std::nullopt, Bytes{1, 2, 3}};
  ExpectRejected(ByFile(ms, std::string(attest::kSlsaProvenanceV1)).status(), "message signature");
}

// The hint is a hint: in another format (npm's OpenSSH fingerprint) or naming another key, the
// signature decides.
BOOST_AUTO_TEST_CASE(a_hint_never_binds) {
  attest::Bundle b = BundleOf(StatementJson());
  b.verification_material.public_key_hint = "SHA256:jl3bwswu80PjjokCgh0o2w5c2U4LhQAE57gj9cz1kzA";
  BOOST_TEST(ByFile(b).ok());
  b.verification_material.public_key_hint = attest::PublicKeyHint(other->PublicKey());
  BOOST_TEST(ByFile(b).ok());
}

// Subjects in the algorithms npm and GitHub use: the file is hashed with each algorithm the
// subjects name, in one pass; a digest is compared as given.
BOOST_AUTO_TEST_CASE(subjects_in_every_algorithm) {
  const ByteView bytes = AsBytes(kArtifact);
  const std::string sha512 = Digest::Of(bytes, HashAlgorithm::kSha512).Hex();
  const std::string sha384 = Digest::Of(bytes, HashAlgorithm::kSha384).Hex();
  attest::Bundle only512 = BundleOf(StatementJson("https://t", {{"sha512", sha512}}));
  BOOST_TEST(ByFile(only512).ok(), ByFile(only512).status().ToString());
  BOOST_TEST(ByDigest(only512, "sha512:" + sha512).ok());
  ExpectRejected(ByFile(only512, "", "other bytes").status(), "no subject");
  ExpectRejected(ByDigest(only512, "sha512:" + std::string(128, '0')).status(), "no subject");
  ExpectRejected(ByDigest(only512, "sha256:" + Digest::Of(bytes).Hex()).status(), "no subject");
  attest::Bundle only384 = BundleOf(StatementJson("https://t", {{"sha384", sha384}}));
  BOOST_TEST(ByFile(only384).ok());
  const std::string commit(40, 'c');
  attest::Bundle git = BundleOf(StatementJson("https://t", {{"sha1", commit}}));
  BOOST_TEST(ByDigest(git, "sha1:" + commit).ok());
  ExpectRejected(ByFile(git).status(), "no digest algorithm vouch computes");
  BOOST_TEST(IsInvalidArgument(ArtifactDigest::Parse("md5:" + std::string(32, '0')).status()));
  BOOST_TEST(IsInvalidArgument(ArtifactDigest::Parse("sha512:abc").status()));
}

BOOST_AUTO_TEST_CASE(slsa_checks_on_verified_statement) {
  std::string json = StatementJson();
  VerifiedAttestation v{*attest::Statement::Parse(json), ToBytes(json), key.KeyId()};
  SlsaExpectations want;
  BOOST_TEST(CheckSlsa(v, want).ok());
  want.builder_ids = {"https://builder.test/b"};
  BOOST_TEST(CheckSlsa(v, want).ok());
  want.builder_ids = {"https://builder.test/c"};
  ExpectRejected(CheckSlsa(v, want), "builder id");
  // SLSA checks on another predicate type are a usage error.
  std::string custom_json = StatementJson("https://example.test/p");
  VerifiedAttestation custom{*attest::Statement::Parse(custom_json), ToBytes(custom_json), ""};
  BOOST_TEST(IsInvalidArgument(CheckSlsa(custom, want)));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::verify
