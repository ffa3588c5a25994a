// `vouch copy` to a destination that already has signatures and attestations of the same image
// (issue "nothing lost"), against the real docker-registry fixture: the destination keeps its own
// and gains the source's, in both storage forms; copying again adds nothing; a different SBOM is
// refused instead of replaced.
#include <boost/test/unit_test.hpp>
#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

#include "images/attachments.h"
#include "images/common.h"
#include "vouch/core/bytes.h"
#include "vouch/registry/client.h"
#include "vouch/registry/reference.h"

namespace vouch::images_test {
namespace {

// Two copies of the single-platform fixture image: SRC and DST name the same digest.
struct Pair {
  Env env;
  std::string src;
  std::string dst;
  explicit Pair(const std::string& what) {
    env.Key("a");
    env.Key("b");
    src = env.Image("single", RepoName("merge-" + what + "-src"));
    dst = env.Image("single", RepoName("merge-" + what + "-dst"));
  }
  RunResult Verify(const std::string& image, const std::string& key, const std::string& format) {
    return env.Vouch({"verify", image, "--key", env.Pub(key), "--signature-format", format});
  }
};

// ExpectAccepted checks that |verify| (one vouch verification per key name) accepts every key.
void ExpectAccepted(const std::function<RunResult(const char*)>& verify,
                    std::initializer_list<const char*> keys) {
  for (const char* key : keys) {
    RunResult v = verify(key);
    BOOST_TEST(v.exit_code == 0, key << ": " << v.out << v.err);
  }
}

BOOST_AUTO_TEST_SUITE(CopyMerge)

// DST signed by key B, SRC by key A (cosign legacy .sig tag): after the copy DST verifies with
// both; a second copy adds no layer.
BOOST_AUTO_TEST_CASE(LegacySignaturesAreMergedIntoTheDestinationTag) {
  Pair p("sig");
  p.env.MustVouch({"sign", p.src, "--key", p.env.dir.File("a.pem"), "--format", "legacy"});
  p.env.MustVouch({"sign", p.dst, "--key", p.env.dir.File("b.pem"), "--format", "legacy"});
  BOOST_REQUIRE(p.Verify(p.dst, "a", "legacy").exit_code == 1);
  const std::string tag = CosignTag(Known("single"), ".sig");
  p.env.MustVouch({"copy", p.src, p.dst});
  ExpectAccepted([&](const char* key) { return p.Verify(p.dst, key, "legacy"); }, {"a", "b"});
  const std::string merged = TagManifest(p.dst, tag);
  BOOST_TEST(Count(merged, "dev.cosignproject.cosign/signature") == 2u, merged);
  // Idempotent: the second copy finds every layer there and writes nothing.
  p.env.MustVouch({"copy", p.src, p.dst});
  BOOST_TEST(TagManifest(p.dst, tag) == merged);
  // The source's tag is untouched.
  BOOST_TEST(Count(TagManifest(p.src, tag), "dev.cosignproject.cosign/signature") == 1u);
  // And a signer at DST after the merge still appends (the merged manifest is a cosign one).
  p.env.Key("c");
  p.env.MustVouch({"sign", p.dst, "--key", p.env.dir.File("c.pem"), "--format", "legacy"});
  ExpectAccepted([&](const char* key) { return p.Verify(p.dst, key, "legacy"); }, {"a", "b", "c"});
}

// The same for attestations in cosign's .att tag.
BOOST_AUTO_TEST_CASE(LegacyAttestationsAreMergedIntoTheDestinationTag) {
  Pair p("att");
  const std::string predicate = p.env.dir.File("predicate.json");
  WriteText(predicate, R"({"hello":"world"})");
  for (const auto& [image, key] : {std::pair{p.src, "a"}, std::pair{p.dst, "b"}}) {
    p.env.MustVouch({"attest", image, "--key", p.env.dir.File(std::string(key) + ".pem"),
                     "--predicate", predicate, "--type", "custom", "--format", "legacy"});
  }
  auto verify = [&](const char* key) {
    return p.env.Vouch({"verify-attestation", p.dst, "--key", p.env.Pub(key), "--type", "custom"});
  };
  BOOST_REQUIRE(verify("a").exit_code == 1);
  const std::string tag = CosignTag(Known("single"), ".att");
  p.env.MustVouch({"copy", p.src, p.dst});
  ExpectAccepted(verify, {"a", "b"});
  const std::string merged = TagManifest(p.dst, tag);
  BOOST_TEST(Count(merged, "application/vnd.dsse.envelope.v1+json") == 2u, merged);
  p.env.MustVouch({"copy", p.src, p.dst});
  BOOST_TEST(TagManifest(p.dst, tag) == merged);
}

// Bundle signatures are referrers: the source's are added to the destination's fallback index,
// which keeps its own entries; a second copy adds no entry.
BOOST_AUTO_TEST_CASE(ReferrersAreAddedToTheDestinationReferrers) {
  Pair p("referrers");
  p.env.MustVouch({"sign", p.src, "--key", p.env.dir.File("a.pem")});
  p.env.MustVouch({"sign", p.dst, "--key", p.env.dir.File("b.pem")});
  BOOST_REQUIRE(p.Verify(p.dst, "a", "bundle").exit_code == 1);
  const std::string fallback = "sha256-" + Known("single").substr(7);
  p.env.MustVouch({"copy", p.src, p.dst});
  ExpectAccepted([&](const char* key) { return p.Verify(p.dst, key, "bundle"); }, {"a", "b"});
  const std::string index = TagManifest(p.dst, fallback);
  BOOST_TEST(Count(index, "\"artifactType\"") == 2u, index);
  p.env.MustVouch({"copy", p.src, p.dst});
  BOOST_TEST(TagManifest(p.dst, fallback) == index);
}

// cosign attaches one SBOM per image: a destination .sbom that differs is refused (exit 2,
// nothing written), never replaced or merged; the same SBOM copies as already present.
BOOST_AUTO_TEST_CASE(AnotherSbomAtTheDestinationIsRefused) {
  Pair p("sbom");
  PushSbom(p.src, R"({"spdxVersion":"SPDX-2.3","name":"source"})");
  PushSbom(p.dst, R"({"spdxVersion":"SPDX-2.3","name":"destination"})");
  p.env.MustVouch({"sign", p.src, "--key", p.env.dir.File("a.pem"), "--format", "legacy"});
  const std::string tag = CosignTag(Known("single"), ".sbom");
  const std::string before = TagManifest(p.dst, tag);
  RunResult c = p.env.Vouch({"copy", p.src, p.dst});
  BOOST_TEST(c.exit_code == 2, c.out << c.err);
  BOOST_TEST(c.err.find(tag + " holds another SBOM") != std::string::npos, c.err);
  BOOST_TEST(TagManifest(p.dst, tag) == before);
  // Refused before anything was written: the source's signature did not arrive either.
  BOOST_TEST(p.Verify(p.dst, "a", "legacy").exit_code == 1);
  // The same SBOM at both ends is no conflict.
  PushSbom(p.dst, R"({"spdxVersion":"SPDX-2.3","name":"source"})");
  p.env.MustVouch({"copy", p.src, p.dst});
  BOOST_TEST(p.Verify(p.dst, "a", "legacy").exit_code == 0);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::images_test
