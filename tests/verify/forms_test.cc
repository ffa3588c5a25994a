// Storage forms beyond what vouch writes, against the in-memory registry
// (tests/registry/fake_registry.h): fallback index entries whose artifactType is missing or the
// empty media type (read from the referrer manifest, as cosign and sigstore-go do).
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "core/internal/json.h"
#include "registry/fake_registry.h"
#include "registry/test_images.h"
#include "vouch/keys/keys.h"
#include "vouch/sign/image.h"
#include "vouch/verify/engine.h"
#include "vouch/verify/render.h"

namespace vouch::verify {
namespace {

using registry::testing::FakeRegistry;
using registry::testing::PushImage;
using registry::testing::ReferrerManifest;

struct Fixture {
  std::shared_ptr<FakeRegistry> reg = std::make_shared<FakeRegistry>();
  std::unique_ptr<registry::Client> client;
  std::unique_ptr<keys::Signer> k1 = std::move(*keys::Generate(keys::KeyAlgorithm::kEcdsaP256));

  Fixture() {
    registry::ClientOptions o;
    o.transport = reg;
    o.retry.sleep = [](std::chrono::milliseconds) {};
    client = std::make_unique<registry::Client>(std::move(o));
  }
  std::unique_ptr<registry::Repository> Repo(const std::string& ref = "reg.test/app:v1") {
    return std::move(*client->Open(*registry::ParseReference(ref), registry::Access::kPullPush));
  }
  void Sign(sign::ImageSignatureFormat f, const std::string& ref = "reg.test/app:v1") {
    sign::SignImageRequest r;
    r.signer = k1.get();
    r.format = f;
    r.tag_update.sleep = [](std::chrono::milliseconds) {};
    auto res = sign::SignImage(*Repo(ref), r);
    BOOST_REQUIRE_MESSAGE(res.ok(), res.status().message());
  }
  // EditFallbackIndex rewrites every entry of |subject|'s fallback index with |edit|, as another
  // writer would have written it.
  void EditFallbackIndex(const std::string& subject, const std::function<void(Json&)>& edit) {
    const std::string tag = registry::FallbackTag(*Digest::Parse(subject));
    auto bytes = reg->ManifestBytes("app", tag);
    BOOST_REQUIRE(bytes.has_value());
    Json index = Json::parse(*bytes);
    for (Json& entry : index["manifests"]) {
      edit(entry);
    }
    reg->AddManifest("app", tag, index.dump(), "application/vnd.oci.image.index.v1+json");
  }
  ImageDecision VerifyBundles() {
    SignatureCheck check;
    check.trust.keys = {k1->PublicKey()};
    auto t = CompileSignatureCheck(check);
    BOOST_REQUIRE(t.ok());
    trust = *t;
    EvaluateOptions o;
    o.forms = SignatureForms::kBundle;
    return Evaluate(*Repo(), *trust, o);
  }
  ImageDecision Inspect(bool with_key) {
    TrustFlags flags;
    if (with_key) {
      flags.keys = {k1->PublicKey()};
    }
    auto t = CompileInspection(flags);
    BOOST_REQUIRE(t.ok());
    trust = *t;
    EvaluateOptions o;
    o.inventory = true;
    return Evaluate(*Repo(), *trust, o);
  }
  std::shared_ptr<const TrustPolicy> trust;
};

BOOST_FIXTURE_TEST_SUITE(EvidenceForms, Fixture)

// An entry whose artifactType is application/vnd.oci.empty.v1+json says no more than a missing
// one: the collector reads the referrer manifest, finds the bundle, and it verifies.
BOOST_AUTO_TEST_CASE(FallbackEntryWithEmptyArtifactTypeIsRead) {
  const std::string digest = PushImage(*reg, "app", "v1", "amd64");
  Sign(sign::ImageSignatureFormat::kBundle);
  EditFallbackIndex(digest, [](Json& e) {
    e["artifactType"] = std::string(registry::kOciEmpty);
    e.erase("annotations");  // old writers copied none (formats.md pitfall 17)
    e.erase("data");         // nor embedded the manifest
  });
  ImageDecision d = VerifyBundles();
  BOOST_TEST(d.status.ok(), d.status.message());
  BOOST_REQUIRE(!d.results.empty());
  BOOST_REQUIRE_EQUAL(d.results[0].findings.size(), 1u);
  BOOST_TEST(d.results[0].findings[0].valid);
  // Another named artifact type is not a bundle: the entry is not even read.
  EditFallbackIndex(digest, [](Json& e) { e["artifactType"] = "application/spdx+json"; });
  ImageDecision other = VerifyBundles();
  BOOST_TEST(other.status.code() == ErrorCode::kVerificationFailed);
  BOOST_TEST(ReasonName(other.results[0].code) == "no-evidence");
}

// A referrer whose entry names no type and whose manifest holds no bundle (an SBOM) is read,
// found not to be evidence, and dropped: neither a finding nor an inventory object.
BOOST_AUTO_TEST_CASE(UnnamedEntryThatIsNoBundleIsNotEvidence) {
  const std::string digest = PushImage(*reg, "app", "v1", "amd64");
  const std::string subject = *reg->ManifestBytes("app", digest);
  reg->AddBlob("app", "sbom");
  auto repo = Repo();
  BOOST_REQUIRE(
      repo->PushReferrer(AsBytes(ReferrerManifest(subject, "application/spdx+json", "sbom")),
                         registry::kOciManifest)
          .ok());
  Sign(sign::ImageSignatureFormat::kBundle);
  EditFallbackIndex(digest, [](Json& e) {
    e["artifactType"] = std::string(registry::kOciEmpty);
    e.erase("data");
  });
  ImageDecision d = VerifyBundles();
  BOOST_TEST(d.status.ok(), d.status.message());
  BOOST_TEST(d.results[0].findings.size() == 1u);
  ImageDecision inv = Inspect(/*with_key=*/true);
  BOOST_TEST(inv.status.ok(), inv.status.message());
  BOOST_REQUIRE_EQUAL(inv.inventory.size(), 1u);
  BOOST_TEST(inv.inventory[0].kind == "signature");
  BOOST_TEST(inv.inventory[0].valid);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::verify
