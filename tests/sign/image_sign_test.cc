// SignImage against the in-memory registry (tests/registry/fake_registry.h): the bundle referrer
// and the legacy `.sig` manifest have cosign's shapes, legacy signing is idempotent, --recursive
// signs every platform, and concurrent signers keep every signature.
#include <boost/test/unit_test.hpp>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/internal/json.h"
#include "registry/fake_registry.h"
#include "registry/test_images.h"
#include "vouch/attest/bundle.h"
#include "vouch/attest/simple_signing.h"
#include "vouch/attest/statement.h"
#include "vouch/keys/keys.h"
#include "vouch/sign/image.h"

namespace vouch::sign {
namespace {

using registry::testing::FakeRegistry;
using registry::testing::PushImage;
using registry::testing::PushMultiArchCopyable;

struct Fixture {
  std::shared_ptr<FakeRegistry> reg = std::make_shared<FakeRegistry>();
  std::unique_ptr<registry::Client> client;
  std::unique_ptr<keys::Signer> key = std::move(*keys::Generate(keys::KeyAlgorithm::kEcdsaP256));
  std::string digest;

  Fixture() {
    registry::ClientOptions o;
    o.transport = reg;
    o.retry.sleep = [](std::chrono::milliseconds) {};
    client = std::make_unique<registry::Client>(std::move(o));
    digest = PushImage(*reg, "app", "v1", "amd64");
  }
  Result<SignImageResult> Sign(const keys::Signer& k, ImageSignatureFormat f,
                               std::map<std::string, std::string> ann = {},
                               bool recursive = false) {
    SignImageRequest r;
    r.signer = &k;
    r.format = f;
    r.annotations = std::move(ann);
    r.recursive = recursive;
    r.tag_update.sleep = [](std::chrono::milliseconds) {};
    auto repo = std::move(*client->Open(*registry::ParseReference("reg.test/app:v1"),
                                        registry::Access::kPullPush));
    return SignImage(*repo, r);
  }
  Json ManifestJson(const std::string& ref) {
    auto bytes = reg->ManifestBytes("app", ref);
    BOOST_REQUIRE_MESSAGE(bytes.has_value(), "no manifest " << ref);
    return *ParseJson(*bytes, "test");
  }
};

BOOST_FIXTURE_TEST_SUITE(ImageSign, Fixture)

BOOST_AUTO_TEST_CASE(BundleReferrerHasCosignV3Shape) {
  auto res = Sign(*key, ImageSignatureFormat::kBundle, {{"env", "prod"}});
  BOOST_REQUIRE_MESSAGE(res.ok(), res.status().message());
  BOOST_REQUIRE_EQUAL(res->manifests.size(), 1u);
  BOOST_TEST(res->manifests[0].digest.ToString() == digest);
  std::string loc = res->manifests[0].location;
  BOOST_REQUIRE(loc.starts_with("referrer sha256:"));
  Json m = ManifestJson(loc.substr(9));
  BOOST_TEST(m["artifactType"] == "application/vnd.dev.sigstore.bundle.v0.3+json");
  BOOST_TEST(m["config"]["mediaType"] == "application/vnd.oci.empty.v1+json");
  BOOST_TEST(m["config"]["digest"] ==
             "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
  BOOST_TEST(m["subject"]["digest"] == digest);
  BOOST_TEST(m["annotations"]["dev.sigstore.bundle.content"] == "dsse-envelope");
  BOOST_TEST(m["annotations"]["dev.sigstore.bundle.predicateType"] ==
             "https://sigstore.dev/cosign/sign/v1");
  BOOST_TEST(m["annotations"].contains("org.opencontainers.image.created"));
  BOOST_REQUIRE_EQUAL(m["layers"].size(), 1u);
  // The fallback index lists it (FakeRegistry has no referrers API by default).
  Json index = ManifestJson("sha256-" + digest.substr(7));
  BOOST_TEST(index["manifests"].size() == 1u);
  // The bundle: publicKey hint = DSSE keyid, statement as cosign v3 writes it.
  auto repo = std::move(*client->Open(*registry::ParseReference("reg.test/app:v1")));
  auto blob = repo->FetchBlob(*Digest::Parse(m["layers"][0]["digest"].get<std::string>()), -1);
  BOOST_REQUIRE(blob.ok());
  auto bundle = attest::ParseBundle(AsChars(*blob));
  BOOST_REQUIRE(bundle.ok());
  BOOST_TEST(bundle->media_type == "application/vnd.dev.sigstore.bundle.v0.3+json");
  const auto& env = std::get<attest::DsseEnvelope>(bundle->content);
  BOOST_TEST(env.signatures[0].keyid == bundle->verification_material.public_key_hint);
  BOOST_TEST(bundle->verification_material.public_key_hint == attest::PublicKeyHint(key->PublicKey()));
  auto st = attest::Statement::Parse(AsChars(env.payload));
  BOOST_REQUIRE(st.ok());
  BOOST_TEST(st->predicate_type() == "https://sigstore.dev/cosign/sign/v1");
  BOOST_TEST(st->subjects()[0].name.empty());
  BOOST_TEST(st->subjects()[0].annotations_json == R"({"env":"prod"})");
  BOOST_TEST(attest::SubjectMatches(*st, *Digest::Parse(digest)));
}

BOOST_AUTO_TEST_CASE(LegacyLayerIsIdempotentAndAppends) {
  auto first = Sign(*key, ImageSignatureFormat::kLegacy);
  BOOST_REQUIRE_MESSAGE(first.ok(), first.status().message());
  BOOST_TEST(!first->manifests[0].already_signed);
  std::string tag = "sha256-" + digest.substr(7) + ".sig";
  Json m = ManifestJson(tag);
  BOOST_REQUIRE_EQUAL(m["layers"].size(), 1u);
  const Json& layer = m["layers"][0];
  BOOST_TEST(layer["mediaType"] == "application/vnd.dev.cosign.simplesigning.v1+json");
  std::string payload = attest::MakeSimpleSigningPayload("reg.test/app", *Digest::Parse(digest), {});
  BOOST_TEST(layer["digest"] == Digest::Of(AsBytes(payload)).ToString());
  auto sig = Base64Decode(layer["annotations"]["dev.cosignproject.cosign/signature"].get<std::string>());
  BOOST_REQUIRE(sig.ok());
  BOOST_TEST(key->PublicKey().Verify(*sig, AsBytes(payload)).ok());
  // Same key again: nothing added.
  auto again = Sign(*key, ImageSignatureFormat::kLegacy);
  BOOST_REQUIRE(again.ok());
  BOOST_TEST(again->manifests[0].already_signed);
  BOOST_TEST(ManifestJson(tag)["layers"].size() == 1u);
  // Another key: a second layer; the config lists both layer digests.
  auto other = std::move(*keys::Generate(keys::KeyAlgorithm::kEcdsaP256));
  BOOST_REQUIRE(Sign(*other, ImageSignatureFormat::kLegacy).ok());
  Json m2 = ManifestJson(tag);
  BOOST_TEST(m2["layers"].size() == 2u);
  auto repo = std::move(*client->Open(*registry::ParseReference("reg.test/app:v1")));
  auto cfg = repo->FetchBlob(*Digest::Parse(m2["config"]["digest"].get<std::string>()), -1);
  BOOST_REQUIRE(cfg.ok());
  std::string d = Digest::Of(AsBytes(payload)).ToString();
  BOOST_TEST(std::string(AsChars(*cfg)) ==
             R"({"architecture":"","created":"0001-01-01T00:00:00Z","history":[{"created":"0001-01-01T00:00:00Z"}],"os":"","rootfs":{"type":"layers","diff_ids":[")" +
                 d + R"(",")" + d + R"("]},"config":{}})");
}

BOOST_AUTO_TEST_CASE(RecursiveSignsEveryPlatform) {
  PushMultiArchCopyable(*reg, "app", "v1");
  auto res = Sign(*key, ImageSignatureFormat::kLegacy, {}, true);
  BOOST_REQUIRE_MESSAGE(res.ok(), res.status().message());
  BOOST_REQUIRE_EQUAL(res->manifests.size(), 3u);
  BOOST_TEST(res->manifests[1].platform == "linux/amd64");
  BOOST_TEST(res->manifests[2].platform == "linux/arm64/v8");
}

BOOST_AUTO_TEST_CASE(ConcurrentSignersKeepEverySignature) {
  std::vector<std::unique_ptr<keys::Signer>> keys;
  for (int i = 0; i < 4; ++i) {
    keys.push_back(std::move(*keys::Generate(keys::KeyAlgorithm::kEcdsaP256)));
  }
  for (ImageSignatureFormat f : {ImageSignatureFormat::kBundle, ImageSignatureFormat::kLegacy}) {
    std::vector<std::thread> threads;
    std::vector<Status> results(4, OkStatus());
    for (int i = 0; i < 4; ++i) {
      threads.emplace_back([&, i] { results[i] = Sign(*keys[i], f).status(); });
    }
    for (auto& t : threads) {
      t.join();
    }
    for (const Status& s : results) {
      BOOST_TEST(s.ok(), s.message());
    }
  }
  BOOST_TEST(ManifestJson("sha256-" + digest.substr(7))["manifests"].size() == 4u);
  BOOST_TEST(ManifestJson("sha256-" + digest.substr(7) + ".sig")["layers"].size() == 4u);
}

BOOST_AUTO_TEST_CASE(Errors) {
  SignImageRequest r;
  auto repo = std::move(*client->Open(*registry::ParseReference("reg.test/app:v1"),
                                      registry::Access::kPullPush));
  BOOST_TEST(SignImage(*repo, r).status().code() == ErrorCode::kInvalidArgument);
  r.signer = key.get();
  auto missing = std::move(*client->Open(*registry::ParseReference("reg.test/app:nope"),
                                         registry::Access::kPullPush));
  BOOST_TEST(SignImage(*missing, r).status().code() == ErrorCode::kNotFound);
  BOOST_TEST(ParseImageSignatureFormat("cosign").status().code() == ErrorCode::kInvalidArgument);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::sign
