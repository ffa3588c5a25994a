// containers/image signature/fixtures (cosign subset; provenance and expected verdicts in
// ${VOUCH_VECTORS}/containers-image-cosign/README.md, from upstream
// signature/policy_eval_sigstore_test.go). Each key-based fixture directory holds the signed
// image's manifest.json and signature-N attachment files; a fixture is accepted when at least one
// of its signatures verifies against the key, the sha256 of manifest.json and the expected
// identity. The table must name every fixture directory: an unknown one fails the suite, and the
// keyless fixtures (Fulcio/PKI certificates, a later issue) are skipped with their count asserted.
//
// dir-img-cosign-key-rekor-valid also carries a Rekor SET (dev.sigstore.cosign/bundle); vouch's
// key-based verification checks the signature only, so the SET is neither required nor checked
// here (upstream accepts the fixture too).
#include <dirent.h>

#include <boost/test/unit_test.hpp>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "testutil/testutil.h"
#include "vouch/attest/simple_signing.h"
#include "vouch/core/file.h"
#include "vouch/keys/keys.h"
#include "vouch/verify/image.h"

namespace vouch::verify {
namespace {

using vouch::testing::ReadText;
using vouch::testing::VectorsDir;

std::string FixturesDir() { return VectorsDir() + "/containers-image-cosign/fixtures"; }

struct Case {
  std::string dir;
  std::string key;       // file under fixtures/
  std::string identity;  // expected docker reference ("" = not checked)
  bool accept;
  std::vector<bool> per_signature;  // expected verdict of signature-1, signature-2, ...
};

// clang-format off
const std::vector<Case> kCases = {
    {"dir-img-cosign-valid", "cosign.pub", "192.168.64.2:5000/cosign-signed-single-sample", true, {true}},
    {"dir-img-cosign-valid", "cosign.pub", "testing/manifest:notlatest", false, {false}},
    {"dir-img-cosign-valid", "cosign2.pub", "", false, {false}},  // mutated: another key
    {"dir-img-cosign-valid-2", "cosign.pub", "192.168.64.2:5000/cosign-signed-single-sample", true, {true, true}},
    {"dir-img-cosign-mixed", "cosign.pub", "192.168.64.2:5000/cosign-signed-single-sample", true, {false, true}},
    {"dir-img-cosign-valid-with-tag", "cosign.pub", "192.168.64.2:5000/skopeo-signed:tag", true, {true}},
    {"dir-img-cosign-valid-with-tag", "cosign.pub", "192.168.64.2:5000/skopeo-signed:othertag", false, {false}},
    {"dir-img-cosign-other-attachment", "cosign.pub", "", false, {false}},
    {"dir-img-cosign-modified-manifest", "cosign.pub", "", false, {false}},
    {"dir-img-cosign-manifest-digest-error", "cosign.pub", "", false, {false}},
    {"dir-img-cosign-no-manifest", "cosign.pub", "", false, {false}},
    {"dir-img-cosign-key-rekor-valid", "cosign2.pub", "192.168.64.2:5000/cosign-signed/key-1", true, {true}},
    {"dir-img-cosign-key-rekor-valid", "cosign.pub", "", false, {false}},  // mutated: another key
};
// clang-format on
const std::set<std::string> kKeyless = {"dir-img-cosign-fulcio-rekor-valid",
                                        "dir-img-cosign-pki-valid"};

std::vector<std::string> FixtureDirs() {
  std::vector<std::string> out;
  DIR* d = opendir(FixturesDir().c_str());
  BOOST_REQUIRE_MESSAGE(d != nullptr, "cannot open " << FixturesDir());
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name.starts_with("dir-img-cosign")) {
      out.push_back(name);
    }
  }
  closedir(d);
  return out;
}

std::vector<attest::SigstoreAttachment> Signatures(const std::string& dir) {
  std::vector<attest::SigstoreAttachment> out;
  for (int i = 1;; ++i) {
    std::string path = FixturesDir() + "/" + dir + "/signature-" + std::to_string(i);
    if (!PathExists(path)) {
      break;
    }
    auto att = attest::ParseSigstoreAttachment(AsBytes(ReadText(path)));
    BOOST_REQUIRE_MESSAGE(att.ok(), path << ": " << att.status().message());
    out.push_back(*att);
  }
  BOOST_REQUIRE_MESSAGE(!out.empty(), dir << " has no signature-N file");
  return out;
}

// Verdicts returns the verdict of every signature of |c|.
std::vector<Status> Verdicts(const Case& c) {
  auto key = keys::Verifier::FromPem(ReadText(FixturesDir() + "/" + c.key));
  BOOST_REQUIRE(key.ok());
  std::vector<Status> out;
  std::string manifest_path = FixturesDir() + "/" + c.dir + "/manifest.json";
  std::optional<Digest> expected;
  if (PathExists(manifest_path)) {
    expected = Digest::Of(AsBytes(ReadText(manifest_path)));
  }
  for (const attest::SigstoreAttachment& att : Signatures(c.dir)) {
    if (!expected) {
      out.push_back(VerificationFailedError("the signed image has no manifest"));
      continue;
    }
    out.push_back(VerifySigstoreAttachment(att, *key, *expected, {}, c.identity));
  }
  return out;
}

BOOST_AUTO_TEST_SUITE(containers_image_cosign)

BOOST_AUTO_TEST_CASE(EveryFixtureIsClassified) {
  std::set<std::string> known(kKeyless);
  for (const Case& c : kCases) {
    known.insert(c.dir);
  }
  size_t skipped = 0;
  for (const std::string& dir : FixtureDirs()) {
    BOOST_CHECK_MESSAGE(known.count(dir) == 1, "fixture " << dir << " is not in the table");
    skipped += kKeyless.count(dir);
  }
  BOOST_TEST_MESSAGE("keyless fixtures skipped (Fulcio/PKI certificates, later issue): "
                     << skipped);
  BOOST_TEST(skipped == 2u);
  BOOST_TEST(FixtureDirs().size() == 11u);
}

BOOST_AUTO_TEST_CASE(KeyBasedFixturesGiveUpstreamVerdicts) {
  for (const Case& c : kCases) {
    BOOST_TEST_CONTEXT(c.dir << " with " << c.key << " identity \"" << c.identity << "\"") {
      std::vector<Status> v = Verdicts(c);
      BOOST_REQUIRE_EQUAL(v.size(), c.per_signature.size());
      bool any = false;
      for (size_t i = 0; i < v.size(); ++i) {
        BOOST_TEST(v[i].ok() == c.per_signature[i], "signature-" << i + 1 << ": "
                                                                 << v[i].message());
        if (!v[i].ok()) {
          BOOST_TEST(IsVerificationFailed(v[i]), "reject must be kVerificationFailed, got "
                                                     << ErrorCodeName(v[i].code()));
        }
        any = any || v[i].ok();
      }
      BOOST_TEST(any == c.accept);
    }
  }
}

BOOST_AUTO_TEST_CASE(SpecificRejectionReasons) {
  auto key = keys::Verifier::FromPem(ReadText(FixturesDir() + "/cosign.pub"));
  BOOST_REQUIRE(key.ok());
  auto valid = Signatures("dir-img-cosign-valid")[0];
  Digest good = Digest::Of(AsBytes(ReadText(FixturesDir() + "/dir-img-cosign-valid/manifest.json")));
  Digest modified =
      Digest::Of(AsBytes(ReadText(FixturesDir() + "/dir-img-cosign-modified-manifest/manifest.json")));
  Status other_digest = VerifySigstoreAttachment(valid, *key, modified);
  BOOST_TEST(IsVerificationFailed(other_digest));
  BOOST_TEST(other_digest.message().find("payload is for sha256:634a8f35") != std::string::npos,
             other_digest.message());
  Status attachment = VerifySigstoreAttachment(Signatures("dir-img-cosign-other-attachment")[0],
                                               *key, good);
  BOOST_TEST(attachment.message().find("not a signature") != std::string::npos,
             attachment.message());
  // Mutations of the valid signature: a payload byte, the signature, a required annotation.
  auto tampered = valid;
  tampered.payload[tampered.payload.size() / 2] ^= 1;
  BOOST_TEST(IsVerificationFailed(VerifySigstoreAttachment(tampered, *key, good)));
  auto bad_sig = valid;
  std::string& s = bad_sig.annotations["dev.cosignproject.cosign/signature"];
  s[10] = s[10] == 'A' ? 'B' : 'A';
  Status st = VerifySigstoreAttachment(bad_sig, *key, good);
  BOOST_TEST(st.message().find("does not verify") != std::string::npos, st.message());
  Status ann = VerifySigstoreAttachment(valid, *key, good, {{"env", "prod"}});
  BOOST_TEST(ann.message().find("annotation env is missing") != std::string::npos, ann.message());
  BOOST_TEST(VerifySigstoreAttachment(valid, *key, good).ok());
}

BOOST_AUTO_TEST_CASE(AttachmentFileFormat) {
  BOOST_TEST(IsInvalidArgument(attest::ParseSigstoreAttachment(AsBytes("sigstore-json\n{}")).status()));
  BOOST_TEST(IsInvalidArgument(
      attest::ParseSigstoreAttachment(AsBytes(std::string("\0sigstore-json\n{\"mimeType\":1}", 29)))
          .status()));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::verify
