// CopyImage and ListTree over the fake registry and OCI layouts: digests preserved, blobs
// skipped or mounted, attachments carried, the destination tag written last (atomic copy).
#include <boost/test/unit_test.hpp>

#include "registry/fake_registry.h"
#include "registry/test_images.h"
#include "testutil/testutil.h"
#include "vouch/registry/client.h"
#include "vouch/registry/operations.h"

namespace vouch::registry::testing {
namespace {

struct Fixture {
  std::shared_ptr<FakeRegistry> reg = std::make_shared<FakeRegistry>();
  std::string index_digest;
  Fixture() { index_digest = PushMultiArchCopyable(*reg, "src/app", "v1"); }
  std::unique_ptr<Repository> Open(Client& c, const std::string& ref, Access a = Access::kPull) {
    auto r = c.Open(*ParseReference(ref), a);
    BOOST_REQUIRE(r.ok());
    return std::move(r).value();
  }
  // Attach a referrer and a cosign .sig tag to the source index.
  void Attach(Client& c) {
    auto src = Open(c, "reg.test/src/app:v1", Access::kPullPush);
    std::string index = *reg->ManifestBytes("src/app", "v1");
    std::string layer = "bundle";
    reg->AddBlob("src/app", layer);
    reg->AddBlob("src/app", "{}");
    std::string ref = ReferrerManifest(index, "application/vnd.dev.sigstore.bundle.v0.3+json", layer);
    // ReferrerManifest's subject says image manifest; fine for the copy.
    BOOST_REQUIRE(src->PushReferrer(AsBytes(ref), kOciManifest).ok());
    std::string sig_layer = "simple signing payload";
    reg->AddBlob("src/app", sig_layer);
    std::string config = R"({"os":""})";
    reg->AddBlob("src/app", config);
    reg->AddManifest("src/app", FallbackTag(*Digest::Parse(index_digest)) + ".sig",
                     ImageManifest(config, sig_layer), kOciManifest.data());
  }
};

BOOST_FIXTURE_TEST_SUITE(CopyTests, Fixture)

BOOST_AUTO_TEST_CASE(CopyWithinRegistryMountsAndPreservesDigests) {
  Client c(FastOptions(reg));
  Attach(c);
  auto src = Open(c, "reg.test/src/app:v1");
  auto dst = Open(c, "reg.test/dst/app:v2", Access::kPullPush);
  auto r = CopyImage(*src, *dst, CopyOptions{});
  BOOST_REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  BOOST_TEST(r->digest.ToString() == index_digest);
  BOOST_TEST(*reg->TagDigest("dst/app", "v2") == index_digest);
  BOOST_TEST(r->blobs_mounted == 8u);  // 2 configs, 2 layers, empty config, bundle, sig config+layer
  BOOST_TEST(r->blobs_copied == 0u);
  BOOST_TEST(r->referrers_copied == 1u);
  BOOST_TEST(r->tags_copied.size() == 1u);
  BOOST_TEST(reg->CountRequests("GET /v2/src/app/blobs/") == 0);
  // The destination's fallback index lists the referrer.
  auto refs = dst->ListReferrers(*Digest::Parse(index_digest), "");
  BOOST_REQUIRE(refs.ok());
  BOOST_TEST(refs->descriptors.size() == 1u);
  // The tree shows platforms, the referrer and the legacy tag (with its one layer).
  auto tree = ListTree(*Open(c, "reg.test/dst/app:v2"));
  BOOST_REQUIRE(tree.ok());
  BOOST_TEST(tree->platforms.size() == 2u);
  BOOST_REQUIRE(tree->manifests.size() == 3u);  // the index and its two platform images
  BOOST_TEST(tree->manifests[2].platform == "linux/arm64/v8");
  BOOST_REQUIRE(tree->manifests[0].referrers.size() == 1u);
  BOOST_TEST(tree->manifests[0].referrers[0].label ==
             "application/vnd.dev.sigstore.bundle.v0.3+json");
  BOOST_REQUIRE(tree->manifests[0].cosign_tags.size() == 1u);
  BOOST_TEST(tree->manifests[0].cosign_tags[0].layers.size() == 1u);
}

BOOST_AUTO_TEST_CASE(SecondCopySkipsExistingBlobs) {
  Client c(FastOptions(reg));
  vouch::testing::TempDir dir;
  auto src = Open(c, "reg.test/src/app:v1");
  auto lay = Open(c, "oci:" + dir.File("lay") + ":v1", Access::kPullPush);
  auto r1 = CopyImage(*src, *lay, CopyOptions{});
  BOOST_REQUIRE_MESSAGE(r1.ok(), r1.status().ToString());
  BOOST_TEST(r1->blobs_copied == 4u);
  auto r2 = CopyImage(*src, *lay, CopyOptions{});
  BOOST_REQUIRE(r2.ok());
  BOOST_TEST(r2->blobs_skipped == 4u);
  BOOST_TEST(r2->blobs_copied == 0u);
  // Layout -> registry (the air-gapped path back), by platform.
  auto back = Open(c, "reg.test/back/app:amd", Access::kPullPush);
  auto lay_src = Open(c, "oci:" + dir.File("lay") + ":v1");
  CopyOptions only_arm;
  only_arm.platform = *ParsePlatform("linux/arm64");
  auto r3 = CopyImage(*lay_src, *back, only_arm);
  BOOST_REQUIRE_MESSAGE(r3.ok(), r3.status().ToString());
  BOOST_TEST(r3->blobs_copied == 2u);
  std::string arm = *reg->TagDigest("back/app", "amd");
  BOOST_TEST(arm != index_digest);
  auto arm_manifest = Open(c, "reg.test/back/app:amd")->FetchManifest("amd");
  BOOST_REQUIRE(arm_manifest.ok());
  BOOST_TEST(ToString(arm_manifest->bytes).find("layers") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(FaultMidCopyLeavesDestinationTagUntouched) {
  Client c(FastOptions(reg));
  // The destination tag already names an older image.
  std::string old = PushImage(*reg, "dst/app", "v2", "old");
  int puts = 0;
  reg->fault = [&](const HttpRequest& r) -> std::optional<Result<HttpResponse>> {
    if (r.method == "PUT" && r.url.find("/manifests/") != std::string::npos && ++puts == 2) {
      return Result<HttpResponse>(UnavailableError("Connection reset by peer"));
    }
    return std::nullopt;
  };
  auto o = FastOptions(reg);
  o.retry.max_attempts = 1;
  Client c1(o);
  auto src = Open(c1, "reg.test/src/app:v1");
  auto dst = Open(c1, "reg.test/dst/app:v2", Access::kPullPush);
  auto r = CopyImage(*src, *dst, CopyOptions{});
  BOOST_TEST(IsUnavailable(r.status()), r.status().ToString());
  BOOST_TEST(*reg->TagDigest("dst/app", "v2") == old);
  // Blob fetch fault (digest mismatch) during a copy to another "registry" (a layout).
  reg->fault = [&](const HttpRequest& r2) -> std::optional<Result<HttpResponse>> {
    if (r2.method == "GET" && r2.url.find("/blobs/") != std::string::npos) {
      HttpResponse resp;
      resp.status = 200;
      resp.body = ToBytes("garbage");
      return Result<HttpResponse>(resp);
    }
    return std::nullopt;
  };
  vouch::testing::TempDir dir;
  auto lay = Open(c1, "oci:" + dir.File("l") + ":v1", Access::kPullPush);
  auto r2 = CopyImage(*src, *lay, CopyOptions{});
  BOOST_TEST(!r2.ok());
  BOOST_TEST(IsNotFound(lay->Resolve("v1").status()));
}

BOOST_AUTO_TEST_CASE(LayoutRoundTripAndReferrers) {
  Client c(FastOptions(reg));
  vouch::testing::TempDir dir;
  std::string path = dir.File("layout");
  auto lay = Open(c, "oci:" + path + ":v1", Access::kPullPush);
  BOOST_TEST(vouch::testing::ReadText(path + "/oci-layout").find("1.0.0") != std::string::npos);
  auto src = Open(c, "reg.test/src/app:v1");
  BOOST_REQUIRE(CopyImage(*src, *lay, CopyOptions{}).ok());
  auto d = lay->Resolve("v1");
  BOOST_REQUIRE(d.ok());
  BOOST_TEST(d->digest.ToString() == index_digest);
  auto tags = lay->ListTags();
  BOOST_REQUIRE(tags.ok());
  BOOST_TEST(tags->size() == 1u);
  std::string index = *reg->ManifestBytes("src/app", "v1");
  std::string referrer = ReferrerManifest(index, "application/x.test", "l");
  BOOST_REQUIRE(lay->PushReferrer(AsBytes(referrer), kOciManifest).ok());
  BOOST_REQUIRE(lay->PushReferrer(AsBytes(referrer), kOciManifest).ok());
  auto refs = lay->ListReferrers(*Digest::Parse(index_digest), "application/x.test");
  BOOST_REQUIRE(refs.ok());
  BOOST_TEST(refs->descriptors.size() == 1u);
  BOOST_TEST(refs->scheme == ReferrersScheme::kFallbackTag);
  // Tampered blob on disk: kDataLoss.
  std::string hex = index_digest.substr(7);
  vouch::testing::WriteText(path + "/blobs/sha256/" + hex, "{}");
  BOOST_TEST(IsDataLoss(lay->FetchManifest("v1").status()));
  // Reading a directory that is not a layout.
  BOOST_TEST(IsNotFound(c.Open(*ParseReference("oci:" + dir.File("nothing"))).status()));
}

BOOST_AUTO_TEST_CASE(CopyCarriesAttachmentsOfEveryPlatformChild) {
  Client c(FastOptions(reg));
  auto src = Open(c, "reg.test/src/app:v1", Access::kPullPush);
  auto view = ParseManifest(AsBytes(*reg->ManifestBytes("src/app", "v1")), kOciIndex);
  BOOST_REQUIRE(view.ok());
  std::string child = view->manifests[0].digest.ToString();
  std::string child_bytes = *reg->ManifestBytes("src/app", child);
  // An attestation referring to the amd64 child, a signature referring to the attestation,
  // and a third level (a signature of that signature) that is beyond the one-level bound.
  reg->AddBlob("src/app", "{}");
  reg->AddBlob("src/app", "att");
  reg->AddBlob("src/app", "att-sig");
  reg->AddBlob("src/app", "deep");
  std::string att = ReferrerManifest(child_bytes, "application/vnd.in-toto+json", "att");
  std::string att_sig = ReferrerManifest(att, "application/vnd.dev.cosign.artifact.sig.v1+json",
                                         "att-sig");
  std::string deep = ReferrerManifest(att_sig, "application/x.deep", "deep");
  BOOST_REQUIRE(src->PushReferrer(AsBytes(att), kOciManifest).ok());
  BOOST_REQUIRE(src->PushReferrer(AsBytes(att_sig), kOciManifest).ok());
  BOOST_REQUIRE(src->PushReferrer(AsBytes(deep), kOciManifest).ok());
  // A cosign legacy signature tag on the arm64 child.
  std::string arm = view->manifests[1].digest.ToString();
  std::string sig_layer = "arm signing payload";
  reg->AddBlob("src/app", sig_layer);
  reg->AddBlob("src/app", R"({"os":""})");
  std::string sig_tag = FallbackTag(*Digest::Parse(arm)) + ".sig";
  reg->AddManifest("src/app", sig_tag, ImageManifest(R"({"os":""})", sig_layer),
                   kOciManifest.data());

  reg->requests.clear();
  auto dst = Open(c, "reg.test/dst/app:v3", Access::kPullPush);
  auto r = CopyImage(*src, *dst, CopyOptions{});
  BOOST_REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  const std::vector<std::string> log = reg->requests;
  BOOST_TEST(r->referrers_copied == 2u);
  BOOST_REQUIRE(r->tags_copied.size() == 1u);
  BOOST_TEST(r->tags_copied[0] == sig_tag);
  BOOST_TEST(reg->TagDigest("dst/app", sig_tag).has_value());
  auto child_refs = dst->ListReferrers(*Digest::Parse(child), "");
  BOOST_REQUIRE(child_refs.ok());
  BOOST_REQUIRE(child_refs->descriptors.size() == 1u);
  BOOST_TEST(child_refs->descriptors[0].digest.ToString() == Sha(att));
  auto att_refs = dst->ListReferrers(*Digest::Parse(Sha(att)), "");
  BOOST_REQUIRE(att_refs.ok());
  BOOST_REQUIRE(att_refs->descriptors.size() == 1u);
  BOOST_TEST(att_refs->descriptors[0].digest.ToString() == Sha(att_sig));
  BOOST_TEST(!reg->ManifestBytes("dst/app", Sha(deep)).has_value());  // beyond the bound
  // Order: every referrer after its subject, the destination tag last.
  auto pos = [&](const std::string& needle) {
    for (size_t i = 0; i < log.size(); ++i) {
      if (log[i] == "PUT /v2/dst/app/manifests/" + needle) {
        return i;
      }
    }
    BOOST_FAIL("no PUT of " << needle);
    return size_t{0};
  };
  BOOST_TEST(pos(child) < pos(Sha(att)));
  BOOST_TEST(pos(Sha(att)) < pos(Sha(att_sig)));
  BOOST_TEST(pos(arm) < pos(sig_tag));
  BOOST_TEST(pos(index_digest) < pos("v3"));
  BOOST_TEST(pos(sig_tag) < pos("v3"));
  BOOST_TEST(pos(Sha(att_sig)) < pos("v3"));
  BOOST_TEST(log.back() == "PUT /v2/dst/app/manifests/v3");
  // Without the referrers API the tag list tells which subjects have a fallback index: one
  // referrers API probe (for the image, whose fallback tag is then read and missing), and
  // fallback tag reads only where the tag exists (the child and the attestation), plus the
  // .sig tag.
  auto count = [&](const std::string& prefix) {
    return std::count_if(log.begin(), log.end(),
                         [&](const std::string& l) { return l.starts_with(prefix); });
  };
  BOOST_TEST(count("GET /v2/src/app/referrers/") == 1);
  BOOST_TEST(count("GET /v2/src/app/manifests/sha256-") == 4);
}

// A .sig tag at the destination keeps its layers: the source's are appended. Two keys signing
// one payload make two layers with one digest and different signature annotations; both stay.
// Copying again writes nothing.
BOOST_AUTO_TEST_CASE(SigTagIsMergedKeepingSameDigestLayersOfOtherKeys) {
  Client c(FastOptions(reg));
  auto src = Open(c, "reg.test/src/app:v1");
  auto dst = Open(c, "reg.test/dst/app:v1", Access::kPullPush);
  CopyOptions image_only;
  image_only.with_attachments = false;
  BOOST_REQUIRE(CopyImage(*src, *dst, image_only).ok());
  const std::string payload = "one simple signing payload";
  const std::string config = R"({"os":""})";
  auto sig_manifest = [&](const std::string& signature) {
    return R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":)" +
           std::to_string(config.size()) + R"(,"digest":")" + Sha(config) +
           R"("},"layers":[{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","size":)" +
           std::to_string(payload.size()) + R"(,"digest":")" + Sha(payload) +
           R"(","annotations":{"dev.cosignproject.cosign/signature":")" + signature + R"("}}]})";
  };
  const std::string tag = FallbackTag(*Digest::Parse(index_digest)) + ".sig";
  for (const char* repo : {"src/app", "dst/app"}) {
    reg->AddBlob(repo, payload);
    reg->AddBlob(repo, config);
  }
  reg->AddManifest("src/app", tag, sig_manifest("c2lnbmVkIGJ5IEE="), kOciManifest.data());
  reg->AddManifest("dst/app", tag, sig_manifest("c2lnbmVkIGJ5IEI="), kOciManifest.data());
  CopyOptions options;
  options.tag_update.sleep = [](std::chrono::milliseconds) {};
  auto r = CopyImage(*src, *dst, options);
  BOOST_REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  BOOST_TEST(r->tags_merged == std::vector<std::string>{tag});
  BOOST_TEST(r->tags_copied.empty());
  auto merged = ParseManifest(AsBytes(*reg->ManifestBytes("dst/app", tag)), kOciManifest);
  BOOST_REQUIRE(merged.ok());
  BOOST_REQUIRE(merged->layers.size() == 2u);
  BOOST_TEST(merged->layers[0].annotations.at("dev.cosignproject.cosign/signature") ==
             "c2lnbmVkIGJ5IEI=");  // the destination's own first
  BOOST_TEST(merged->layers[1].annotations.at("dev.cosignproject.cosign/signature") ==
             "c2lnbmVkIGJ5IEE=");
  BOOST_TEST(merged->layers[0].digest.ToString() == merged->layers[1].digest.ToString());
  // cosign's config, rebuilt for two layers, is at the destination.
  BOOST_TEST(merged->config->media_type == "application/vnd.oci.image.config.v1+json");
  BOOST_TEST(reg->HasBlob("dst/app", merged->config->digest.ToString()));
  auto again = CopyImage(*src, *dst, options);
  BOOST_REQUIRE_MESSAGE(again.ok(), again.status().ToString());
  BOOST_TEST(again->tags_present == std::vector<std::string>{tag});
  BOOST_TEST(again->tags_merged.empty());
  auto unchanged = ParseManifest(AsBytes(*reg->ManifestBytes("dst/app", tag)), kOciManifest);
  BOOST_REQUIRE(unchanged.ok());
  BOOST_TEST(unchanged->layers.size() == 2u);
}

BOOST_AUTO_TEST_CASE(SelectPlatformSkipsAttestations) {
  std::string a = ImageManifest("c1", "l1");
  std::string b = ImageManifest("c2", "l2");
  Manifest m;
  m.bytes = ToBytes(IndexOf(a, b));
  m.media_type = kOciIndex;
  m.digest = Digest::Of(m.bytes);
  auto arm = SelectPlatform(m, *ParsePlatform("linux/arm64/v8"));
  BOOST_REQUIRE(arm.ok());
  BOOST_TEST(arm->digest.ToString() == Sha(b));
  BOOST_TEST(SelectPlatform(m, *ParsePlatform("linux/arm64"))->digest.ToString() == Sha(b));
  BOOST_TEST(IsNotFound(SelectPlatform(m, *ParsePlatform("unknown/unknown")).status()));
  BOOST_TEST(IsNotFound(SelectPlatform(m, *ParsePlatform("linux/s390x")).status()));
  BOOST_TEST(IsInvalidArgument(ParsePlatform("linux").status()));
  BOOST_TEST(IsInvalidArgument(ParsePlatform("linux/arm64/v8/x").status()));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::registry::testing
