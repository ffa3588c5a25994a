// Manifest and index parsing: what the client accepts and the error codes of what it refuses.
#include <boost/test/unit_test.hpp>

#include "registry/test_images.h"
#include "vouch/registry/manifest.h"

namespace vouch::registry::testing {
namespace {

BOOST_AUTO_TEST_CASE(ParsesManifestAndIndex) {
  std::string m = ImageManifest("cfg", "layer");
  auto v = ParseManifest(AsBytes(m), "application/vnd.oci.image.manifest.v1+json; charset=x");
  BOOST_REQUIRE(v.ok());
  BOOST_TEST(!v->is_index);
  BOOST_TEST(v->layers.size() == 1u);
  BOOST_TEST(v->EffectiveArtifactType() == "application/vnd.oci.image.config.v1+json");
  auto i = ParseManifest(AsBytes(IndexOf(m, m)), "");
  BOOST_REQUIRE(i.ok());
  BOOST_TEST(i->is_index);
  BOOST_TEST(i->manifests.size() == 3u);
  BOOST_TEST(i->manifests[1].platform->variant == "v8");
}

BOOST_AUTO_TEST_CASE(RejectsMalformed) {
  const char* bad[] = {
      "[]",
      "{",
      R"({"schemaVersion":3,"config":{},"layers":[]})",
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","layers":[]})",
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"a/b","digest":"sha256:00","size":1},"layers":[]})",
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"a/b","digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000","size":-1},"layers":[]})",
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":{}})",
      R"({"schemaVersion":2,"mediaType":"text/plain","manifests":[]})",
  };
  for (const char* b : bad) {
    auto r = ParseManifest(AsBytes(std::string(b)), "");
    BOOST_TEST(IsDataLoss(r.status()), b);
  }
  // Content-Type that disagrees with mediaType.
  BOOST_TEST(IsDataLoss(ParseManifest(AsBytes(ImageManifest("c", "l")),
                                      "application/vnd.oci.image.index.v1+json")
                            .status()));
  // Docker schema 1 is refused as unsupported.
  BOOST_TEST(ParseManifest(AsBytes(std::string(R"({"schemaVersion":1})")), "").status().code() ==
             ErrorCode::kUnimplemented);
}

BOOST_AUTO_TEST_CASE(DescriptorDataMustMatch) {
  std::string ok = R"({"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2,"data":"e30="})";
  auto d = ParseDescriptorJson(AsBytes(ok));
  BOOST_REQUIRE(d.ok());
  BOOST_TEST(ToString(*d->data) == "{}");
  std::string wrong = ok;
  wrong.replace(wrong.find("e30="), 4, "e31=");
  BOOST_TEST(!ParseDescriptorJson(AsBytes(wrong)).ok());
}

}  // namespace
}  // namespace vouch::registry::testing
