// Runs the image-spec cases against the registry module's parsers: every descriptor, manifest
// and index case must get upstream's verdict; the digest cases must hash to the expected digest
// over their exact bytes and parse. Config and layout cases are outside the client's parsers and
// are skipped with an asserted count.
#define BOOST_TEST_MODULE vouch_oci_image_spec_conformance
#include <boost/test/unit_test.hpp>

#include <set>

#include "core/internal/json.h"
#include "testutil/testutil.h"
#include "vouch/registry/manifest.h"

namespace vouch::registry {
namespace {

Json LoadCases() {
  std::string path = vouch::testing::VectorsDir() + "/oci-image-spec/extracted-cases.json";
  auto j = ParseJson(vouch::testing::ReadText(path), path);
  BOOST_REQUIRE_MESSAGE(j.ok(), j.status().ToString());
  return *j;
}

BOOST_AUTO_TEST_CASE(ValidationCases) {
  Json cases = LoadCases();
  const Json& vc = cases.at("validation_cases");
  BOOST_REQUIRE_EQUAL(vc.size(), 65u);
  const std::set<std::string> known = {"source_file", "index",  "mediaType",          "comment",
                                       "document",    "expect", "beyond_json_schema",
                                       "digest_matches_bytes"};
  int checked = 0;
  int skipped = 0;
  int deviations = 0;
  auto label_key = [](const Json& c) {
    return c.at("source_file").get<std::string>() + "#" + std::to_string(c.at("index").get<int>());
  };
  const std::set<std::string> kUnverifiableDigests = {
      "schema/descriptor_test.go#21", "schema/descriptor_test.go#22",
      "schema/descriptor_test.go#23", "schema/descriptor_test.go#24",
      "schema/descriptor_test.go#25", "schema/descriptor_test.go#27"};
  for (const Json& c : vc) {
    for (const auto& [k, v] : c.items()) {
      BOOST_REQUIRE_MESSAGE(known.count(k) > 0, "unknown field " << k);  // fail on new fields
    }
    std::string file = c.at("source_file").get<std::string>();
    std::string doc = c.at("document").get<std::string>();
    std::string expect = c.at("expect").get<std::string>();
    std::string label = file + "#" + std::to_string(c.at("index").get<int>()) + " (" +
                        c.at("comment").get<std::string>() + ")";
    Status s;
    if (file == "schema/descriptor_test.go") {
      s = ParseDescriptorJson(AsBytes(doc)).status();
    } else if (file == "schema/manifest_test.go" || file == "schema/imageindex_test.go") {
      s = ParseManifest(AsBytes(doc), c.at("mediaType").get<std::string>()).status();
    } else {
      ++skipped;
      continue;
    }
    ++checked;
    if (expect == "valid" && kUnverifiableDigests.count(label_key(c)) > 0) {
      // Deliberate deviation: vouch verifies every digest it accepts, so algorithms it cannot
      // compute (sha256+b64, multihash+base58, ...) are refused instead of ignored.
      BOOST_TEST(IsDataLoss(s), label << ": " << s.ToString());
      BOOST_TEST(s.message().find("unsupported digest algorithm") != std::string::npos);
      ++deviations;
      continue;
    }
    if (expect == "valid") {
      BOOST_TEST(s.ok(), label << ": " << s.ToString());
    } else {
      BOOST_TEST(!s.ok(), label << " must be rejected");
      if (!s.ok()) {
        BOOST_TEST(IsDataLoss(s), label << ": " << s.ToString());
      }
    }
  }
  BOOST_TEST(checked == 53);
  BOOST_TEST(deviations == 6);
  BOOST_TEST(skipped == 12);  // config 10, layout 2
}

BOOST_AUTO_TEST_CASE(DigestCases) {
  Json cases = LoadCases();
  const Json& dc = cases.at("digest_cases");
  BOOST_REQUIRE_EQUAL(dc.size(), 4u);
  for (const Json& c : dc) {
    std::string doc = c.at("document_utf8").get<std::string>();
    std::string expected = c.at("expected_digest").get<std::string>();
    BOOST_TEST(Digest::Of(AsBytes(doc)).ToString() == expected);
    // Re-serialised JSON has another digest: hash what was received (formats.md pitfall 4).
    auto j = ParseJson(doc, "case");
    BOOST_REQUIRE(j.ok());
    BOOST_TEST(Digest::Of(AsBytes(DumpJson(*j))).ToString() != expected);
    std::string mt = c.at("original_mediaType").get<std::string>();
    if (IsIndexMediaType(mt) || IsManifestMediaType(mt)) {
      auto m = ParseManifest(AsBytes(doc), mt);
      BOOST_TEST(m.ok(), m.status().ToString());
    }
    // A one-byte change is a different digest (mutated negative).
    std::string mutated = doc;
    mutated[mutated.size() / 2] ^= 1;
    BOOST_TEST(Digest::Of(AsBytes(mutated)).ToString() != expected);
  }
}

}  // namespace
}  // namespace vouch::registry
