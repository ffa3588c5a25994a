// Storage forms beyond what vouch writes, against the in-memory registry
// (tests/registry/fake_registry.h): fallback index entries whose artifactType is missing or the
// empty media type (read from the referrer manifest, as cosign and sigstore-go do), BuildKit
// attestations stored in the image index (listed by the inventory, never evidence), and
// `vouch tree`'s listing of every form with whether the engine reads it.
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "core/internal/json.h"
#include "registry/fake_registry.h"
#include "registry/test_images.h"
#include "vouch/attest/dsse.h"
#include "vouch/attest/statement.h"
#include "vouch/keys/keys.h"
#include "vouch/sign/attest.h"
#include "vouch/sign/image.h"
#include "vouch/verify/engine.h"
#include "vouch/verify/render.h"
#include "vouch/verify/tree.h"

namespace vouch::verify {
namespace {

using registry::testing::BuildKitImage;
using registry::testing::FakeRegistry;
using registry::testing::PushBuildKitImage;
using registry::testing::PushImage;
using registry::testing::ReferrerManifest;

constexpr char kBuildKitBuilder[] = "https://github.com/docker/buildx@v0.12.1";

// BuildKitProvenance is a SLSA v0.2 predicate as BuildKit writes it (mode=min).
std::string BuildKitProvenance() {
  return std::string(R"({"builder":{"id":")") + kBuildKitBuilder +
         R"("},"buildType":"https://mobyproject.org/buildkit@v1",)"
         R"("invocation":{"configSource":{"uri":"https://github.com/acme/app.git#refs/heads/main",)"
         R"("digest":{"sha1":"0123456789abcdef0123456789abcdef01234567"}}},)"
         R"("materials":[{"uri":"pkg:docker/alpine@3.19?platform=linux%2Famd64",)"
         R"("digest":{"sha256":")" +
         std::string(64, '1') +
         R"("}}],"metadata":{"buildStartedOn":"2024-01-01T00:00:00Z",)"
         R"("buildFinishedOn":"2024-01-01T00:01:00Z"}})";
}

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
  void AttestLegacy(const std::string& predicate_type, const std::string& predicate) {
    const std::string path = (std::filesystem::temp_directory_path() /
                              ("vouch-forms-" + std::to_string(::getpid()) + ".json"))
                                 .string();
    std::ofstream(path) << predicate;
    sign::AttestImageRequest a;
    a.signer = k1.get();
    a.predicate_type = predicate_type;
    a.predicate_path = path;
    a.format = sign::ImageSignatureFormat::kLegacy;
    a.tag_update.sleep = [](std::chrono::milliseconds) {};
    auto res = sign::AttestImage(*Repo(), a);
    std::filesystem::remove(path);
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

// An attestation may name the image in another algorithm than SHA-256 (in-toto allows any): the
// manifest is then fetched once and hashed in it. Only then: a SHA-256 subject costs no GET.
BOOST_AUTO_TEST_CASE(AttestationNamingTheImageBySha512Verifies) {
  const std::string type = "https://example.test/sha512/v1";
  auto attach = [&](const std::string& repo, const std::string& manifest,
                    const std::string& sha512_hex) {
    const std::string statement =
        R"({"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"app","digest":)"
        R"({"sha512":")" + sha512_hex + R"("}}],"predicateType":")" + type + R"(","predicate":{}})";
    Bytes sig = *k1->Sign(attest::Pae(attest::kInTotoPayloadType, AsBytes(statement)));
    const std::string bundle = DumpJson(Json{
        {"mediaType", "application/vnd.dev.sigstore.bundle.v0.3+json"},
        {"verificationMaterial", {{"publicKey", {{"hint", k1->PublicKey().KeyId()}}}}},
        {"dsseEnvelope",
         {{"payload", Base64Encode(AsBytes(statement))},
          {"payloadType", attest::kInTotoPayloadType},
          {"signatures", Json::array({Json{{"sig", Base64Encode(sig)}}})}}}});
    reg->AddBlob(repo, bundle);
    Status st = Repo("reg.test/" + repo + ":v1")->PushReferrer(
        AsBytes(ReferrerManifest(manifest, "application/vnd.dev.sigstore.bundle.v0.3+json", bundle)),
        registry::kOciManifest);
    BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  };
  auto verify = [&](const std::string& ref) {
    AttestationCheck check;
    check.trust.keys = {k1->PublicKey()};
    check.predicate_type = type;
    auto t = CompileAttestationCheck(check);
    BOOST_REQUIRE_MESSAGE(t.ok(), t.status().message());
    trust = *t;
    return Evaluate(*Repo(ref), *trust, EvaluateOptions());
  };

  const std::string image = PushImage(*reg, "app", "v1", "amd64");
  const std::string manifest = *reg->ManifestBytes("app", image);
  attach("app", manifest, Digest::Of(AsBytes(manifest), HashAlgorithm::kSha512).Hex());
  const std::string get_image = "GET /v2/app/manifests/" + image;
  const int before = reg->CountRequests(get_image);
  ImageDecision ok = verify("reg.test/app:v1");
  BOOST_TEST(DecisionName(ok.decision) == "accepted", ok.status.message());
  BOOST_TEST(reg->CountRequests(get_image) - before == 1);

  // Another image's SHA-512: rejected, and said so.
  const std::string other = PushImage(*reg, "other", "v1", "amd64");
  attach("other", *reg->ManifestBytes("other", other),
         Digest::Of(AsBytes(std::string("another manifest")), HashAlgorithm::kSha512).Hex());
  ImageDecision bad = verify("reg.test/other:v1");
  BOOST_TEST(DecisionName(bad.decision) == "rejected", bad.status.message());
  BOOST_REQUIRE(!bad.results.empty() && !bad.results[0].findings.empty());
  BOOST_TEST(bad.results[0].findings[0].detail.find("no subject of the statement has digest") !=
                 std::string::npos,
             bad.results[0].findings[0].detail);
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

// A BuildKit provenance in the index is the image's only provenance: a policy requiring
// provenance rejects the image ("no verified ... attestation"), even when the inventory has
// collected it, and the inventory lists it, unsigned, with what it says.
BOOST_AUTO_TEST_CASE(BuildKitAttestationIsListedNeverEvidence) {
  const BuildKitImage img = PushBuildKitImage(
      *reg, "app", "v1", std::string(attest::kSlsaProvenanceV02), BuildKitProvenance());
  policy::Policy pol;
  policy::Authority a;
  a.name = "release";
  a.keys = {k1->PublicKey()};
  pol.authorities = {{"release", a}};
  policy::ScopePolicy sp;
  sp.name = "prod";
  sp.scope = "reg.test/**";
  sp.platforms = policy::Platforms::kAll;
  policy::AttestationRequirement req;
  req.type = "slsaprovenance";
  req.predicate_types = {std::string(attest::kSlsaProvenanceV1),
                         std::string(attest::kSlsaProvenanceV02)};
  req.authorities = {"release"};
  sp.attestations = {req};
  pol.policies.push_back(sp);
  trust = TrustPolicy::Compile(pol);
  for (bool inventory : {false, true}) {
    reg->requests.clear();
    EvaluateOptions o;
    o.inventory = inventory;
    ImageDecision d = Evaluate(*Repo(), *trust, o);
    BOOST_TEST(DecisionName(d.decision) == "rejected", d.status.message());
    const RequirementResult* att = nullptr;
    for (const RequirementResult& r : d.results) {
      if (r.requirement == "attestation slsaprovenance" && r.platform == "linux/amd64") {
        att = &r;
      }
    }
    BOOST_REQUIRE(att != nullptr);
    BOOST_TEST(ReasonName(att->code) == "no-evidence");
    BOOST_TEST(att->reason.find("no verified slsaprovenance attestation") == 0u, att->reason);
    BOOST_TEST(att->findings.empty());
    // Only the inventory reads the attestation manifest.
    BOOST_TEST(reg->CountRequests("GET /v2/app/manifests/" + img.attestation) ==
               (inventory ? 1 : 0));
    if (!inventory) {
      continue;
    }
    BOOST_REQUIRE_EQUAL(d.inventory.size(), 1u);
    const EvidenceFinding& f = d.inventory[0];
    BOOST_TEST(f.format == "buildkit");
    BOOST_TEST(f.kind == "attestation");
    BOOST_TEST(!f.is_signed);
    BOOST_TEST(!f.valid);
    BOOST_TEST(ReasonName(f.reason) == "unsigned");
    BOOST_TEST(f.predicate_type == attest::kSlsaProvenanceV02);
    BOOST_TEST(d.subjects[f.subject].platform == "linux/amd64");
    BOOST_TEST(f.statement_json.find(kBuildKitBuilder) != std::string::npos);
    BOOST_TEST(d.inputs.empty());
  }
}

// inspect shows a BuildKit attestation with no signer; with keys it is "not verified" (false),
// without keys unchecked (null), and its provenance is summarized like any other.
BOOST_AUTO_TEST_CASE(InspectShowsBuildKitAttestationUnsigned) {
  PushBuildKitImage(*reg, "app", "v1", std::string(attest::kSlsaProvenanceV02),
                    BuildKitProvenance());
  for (bool with_key : {true, false}) {
    ImageDecision d = Inspect(with_key);
    BOOST_TEST(d.status.ok(), d.status.message());
    Json j = Json::parse(Render({d}, *trust, Shape::kInventory, Format::kJson));
    BOOST_REQUIRE_EQUAL(j["objects"].size(), 1u);
    const Json& o = j["objects"][0];
    BOOST_TEST(o["format"] == "buildkit");
    BOOST_TEST(o["kind"] == "attestation");
    BOOST_TEST(o["signer"] == "none (unsigned)");
    BOOST_TEST(o["verified"] == (with_key ? Json(false) : Json(nullptr)), o.dump());
    BOOST_TEST(o["platform"] == "linux/amd64");
    BOOST_TEST(o["predicateType"] == std::string(attest::kSlsaProvenanceV02));
    BOOST_TEST(o["provenance"]["builderId"] == kBuildKitBuilder, o.dump());
    const std::string text = Render({d}, *trust, Shape::kInventory, Format::kText);
    BOOST_TEST(
        text.find("attestation  buildkit  attestation manifest sha256:") != std::string::npos,
        text);
    BOOST_TEST(text.find("signer: none (unsigned)") != std::string::npos, text);
    BOOST_TEST(text.find("(claimed, not verified)") == std::string::npos, text);
  }
}

// The tree of an index with every form: on the index a bundle signature (its entry rewritten
// with artifactType oci.empty by another writer), an SBOM referrer, a legacy `.att` and a cosign
// `.sbom`; on its
// image a legacy `.sig`, a Notation signature and a BuildKit provenance. Each is listed under
// the manifest it belongs to, with whether the engine reads it.
BOOST_AUTO_TEST_CASE(TreeListsEveryFormPerManifest) {
  const BuildKitImage img = PushBuildKitImage(
      *reg, "app", "v1", std::string(attest::kSlsaProvenanceV02), BuildKitProvenance());
  Sign(sign::ImageSignatureFormat::kBundle);
  EditFallbackIndex(img.index, [](Json& e) {
    e["artifactType"] = std::string(registry::kOciEmpty);
    e.erase("data");
  });
  AttestLegacy(std::string(attest::kSlsaProvenanceV1),
               R"({"buildDefinition":{"buildType":"https://bt.test/v1","externalParameters":{}},)"
               R"("runDetails":{"builder":{"id":"https://builder.test"}}})");
  Sign(sign::ImageSignatureFormat::kLegacy, "reg.test/app@" + img.image);
  const std::string index = *reg->ManifestBytes("app", img.index);
  const std::string image = *reg->ManifestBytes("app", img.image);
  reg->AddBlob("app", "sbom");
  reg->AddBlob("app", "jws");
  reg->AddManifest(
      "app", registry::CosignTag(*Digest::Parse(img.index), registry::CosignAttachment::kSbom),
      registry::testing::ImageManifest("{}", "sbom"), std::string(registry::kOciManifest));
  auto repo = Repo();
  BOOST_REQUIRE(
      repo->PushReferrer(AsBytes(ReferrerManifest(index, "application/spdx+json", "sbom")),
                         registry::kOciManifest)
          .ok());
  BOOST_REQUIRE(repo->PushReferrer(AsBytes(ReferrerManifest(
                                       image, "application/vnd.cncf.notary.signature", "jws")),
                                   registry::kOciManifest)
                    .ok());

  reg->requests.clear();
  auto tree = registry::ListTree(*Repo());
  BOOST_REQUIRE_MESSAGE(tree.ok(), tree.status().ToString());
  // The index; the tag list and the root's referrers (API probe, fallback tag); the image's
  // fallback tag; the `.att`, `.sbom` and `.sig` tags; the attestation manifest; the bundle
  // referrer whose entry named no type.
  BOOST_TEST(reg->requests.size() == 10u);
  BOOST_REQUIRE_EQUAL(tree->manifests.size(), 2u);
  BOOST_TEST(tree->platforms.size() == 2u);  // the image and the attestation manifest

  Json j = Json::parse(TreeToJson(*tree));
  BOOST_REQUIRE_EQUAL(j["manifests"].size(), 2u);
  BOOST_TEST(j["manifests"][0]["digest"] == img.index);
  BOOST_TEST(j["manifests"][1]["digest"] == img.image);
  BOOST_TEST(j["manifests"][1]["platform"] == "linux/amd64");
  // format kind read, per manifest, in listing order: referrers (by artifact type), cosign tags,
  // BuildKit attestation manifests.
  auto summary = [](const Json& attachments) {
    std::string out;
    for (const Json& a : attachments) {
      out += a["format"].get<std::string>() + " " + a["kind"].get<std::string>() +
             (a["read"].get<bool>() ? " read" : " not-read") +
             (a["signed"] == false ? " unsigned" : "") + ";";
    }
    return out;
  };
  BOOST_TEST(summary(j["manifests"][0]["attachments"]) ==
             "other other not-read;sigstore-bundle signature read;cosign-tag attestation read;"
             "cosign-tag sbom not-read unsigned;");
  BOOST_TEST(j["manifests"][0]["attachments"][0]["signed"].is_null());  // an unknown form
  BOOST_TEST(summary(j["manifests"][1]["attachments"]) ==
             "notation signature read;cosign-tag signature read;"
             "buildkit attestation not-read unsigned;");
  const Json& att = j["manifests"][0]["attachments"][2];
  BOOST_TEST(att["location"] == registry::CosignTag(*Digest::Parse(img.index),
                                                    registry::CosignAttachment::kAttestation));
  BOOST_TEST(att["layers"] == 1);
  BOOST_TEST(att["predicateTypes"] == Json::array({std::string(attest::kSlsaProvenanceV1)}));
  const Json& notation = j["manifests"][1]["attachments"][0];
  BOOST_TEST(notation["read"] == true);
  const Json& buildkit = j["manifests"][1]["attachments"][2];
  BOOST_TEST(buildkit["digest"] == img.attestation);
  BOOST_TEST(buildkit["describes"] == img.image);
  BOOST_TEST(buildkit["predicateTypes"] == Json::array({std::string(attest::kSlsaProvenanceV02)}));
  // The shape `vouch tree` always had is kept, with the new fields added.
  BOOST_TEST(j["referrersScheme"] == "fallback-tag");
  BOOST_TEST(j["legacyTags"].size() == 2u);
  BOOST_TEST(j["legacyTags"][0] == att["location"]);
  const Json& bundle = j["referrers"]["application/vnd.dev.sigstore.bundle.v0.3+json"][0];
  BOOST_TEST(bundle["describedFromManifest"] == true);
  BOOST_TEST(bundle["read"] == true);
  BOOST_TEST(bundle["kind"] == "signature");

  const std::string text = TreeToText(*tree);
  BOOST_TEST(text.find("`-- linux/amd64 " + img.image) != std::string::npos, text);
  BOOST_TEST(
      text.find("[notation signature, read]") != std::string::npos,
      text);
  BOOST_TEST(text.find(img.attestation + " (1 layer: " + std::string(attest::kSlsaProvenanceV02) +
                       ")  [buildkit attestation, unsigned, not read: listed by vouch inspect, "
                       "never evidence]") != std::string::npos,
             text);
  BOOST_TEST(text.find(".sig (1 layer)  [cosign-tag signature, read]") != std::string::npos, text);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::verify
