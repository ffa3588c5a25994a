// containers/image signature/fixtures (cosign subset; provenance and expected verdicts in
// ${VOUCH_VECTORS}/containers-image-cosign/README.md, from upstream
// signature/policy_eval_sigstore_test.go). Each key-based fixture directory holds the signed
// image's manifest.json and signature-N attachment files; a fixture is accepted when at least one
// of its signatures verifies against the key, the sha256 of manifest.json and the expected
// identity. The table must name every fixture directory: an unknown one fails the suite.
//
// The two certificate fixtures are verified offline through verify/sigstore/cosign_legacy.h:
// dir-img-cosign-fulcio-rekor-valid keyless (Fulcio chain at the Rekor SET's time, SCT, identity)
// against the pinned production trusted root (${VOUCH_VECTORS}/sigstore-trust-roots/production,
// which holds the fixture's Fulcio CA and Rekor key); dir-img-cosign-pki-valid as an x509
// authority (pki_root_crts.pem roots, pki_intermediate_crts.pem, SAN qiwan@redhat.com).
// dir-img-cosign-key-rekor-valid's Rekor SET (dev.sigstore.cosign/bundle) verifies with the
// production Rekor key too (key-based image verification itself checks the signature only).
#include <dirent.h>

#include <boost/test/unit_test.hpp>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "authority/authority.h"
#include "requirements/content.h"
#include "sigstore/cosign_legacy.h"
#include "testutil/testutil.h"
#include "vouch/attest/simple_signing.h"
#include "vouch/core/file.h"
#include "vouch/keys/keys.h"
#include "vouch/verify/simple_signing.h"

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
const std::set<std::string> kCertificateFixtures = {"dir-img-cosign-fulcio-rekor-valid",
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
  std::set<std::string> known(kCertificateFixtures);
  for (const Case& c : kCases) {
    known.insert(c.dir);
  }
  size_t certificate = 0;
  for (const std::string& dir : FixtureDirs()) {
    BOOST_CHECK_MESSAGE(known.count(dir) == 1, "fixture " << dir << " is not in the table");
    certificate += kCertificateFixtures.count(dir);
  }
  BOOST_TEST_MESSAGE("certificate fixtures (verified by CertificateFixturesGiveUpstreamVerdicts): "
                     << certificate << ", skipped: 0");
  BOOST_TEST(certificate == 2u);
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

// ---------------------------------------------------------------------------------------------
// Certificate fixtures (keyless Fulcio + Rekor, and a private PKI).

using sigstore::LegacyEvidence;
using sigstore::SignedContent;

std::shared_ptr<const TrustedRoot> ProductionRoot() {
  static auto root = LoadTrustedRoot(VectorsDir() + "/sigstore-trust-roots/production/trusted_root.json");
  BOOST_REQUIRE_MESSAGE(root.ok(), root.status().message());
  return *root;
}

// Layer is one fixture's signature-1 as the legacy verifier sees it.
struct Layer {
  attest::SigstoreAttachment att;
  LegacyEvidence evidence;
  SignedContent content;
  Digest manifest = Digest::Of({});
};

Layer LoadLayer(const std::string& dir) {
  Layer l;
  l.att = Signatures(dir)[0];
  l.evidence = sigstore::EvidenceFromAnnotations(l.att.annotations);
  internal::Evidence e;
  e.signature_b64 = l.att.annotations.at(std::string(attest::kCosignSignatureAnnotation));
  auto sig = internal::LayerSignature(e);
  BOOST_REQUIRE(sig.ok());
  l.content.signature = *sig;
  l.content.artifact_sha256 = Digest::Of(l.att.payload);
  l.manifest = Digest::Of(AsBytes(ReadText(FixturesDir() + "/" + dir + "/manifest.json")));
  return l;
}

CertificateIdentity FulcioIdentity() {
  CertificateIdentity id;
  id.san = "mitr@redhat.com";
  id.issuer = "https://github.com/login/oauth";
  return id;
}

sigstore::X509Trust PkiTrust() {
  sigstore::X509Trust t;
  auto roots = sigstore::ParsePemCertificates(ReadText(FixturesDir() + "/pki_root_crts.pem"), "roots");
  auto inter = sigstore::ParsePemCertificates(
      ReadText(FixturesDir() + "/pki_intermediate_crts.pem"), "intermediates");
  BOOST_REQUIRE(roots.ok());
  BOOST_REQUIRE(inter.ok());
  t.roots = *roots;
  t.intermediates = *inter;
  t.san = "qiwan@redhat.com";
  return t;
}

BOOST_AUTO_TEST_CASE(CertificateFixturesGiveUpstreamVerdicts) {
  // dir-img-cosign-fulcio-rekor-valid: accept (public-good Fulcio and Rekor).
  Layer f = LoadLayer("dir-img-cosign-fulcio-rekor-valid");
  auto v = sigstore::VerifyLegacyKeyless(f.evidence, f.att.payload, f.content, *ProductionRoot(),
                                         {FulcioIdentity()});
  BOOST_REQUIRE_MESSAGE(v.ok(), v.status().message());
  BOOST_TEST(v->signer == "mitr@redhat.com");
  BOOST_TEST(v->issuer == "https://github.com/login/oauth");
  BOOST_TEST(v->signing_time.has_value());
  BOOST_TEST(internal::CheckSimpleSigningPayload(f.att.payload, f.manifest, {},
                                                 "192.168.64.2:5000/cosign-signed/fulcio-rekor-1")
                 .ok());

  // dir-img-cosign-pki-valid: accept (private PKI, no log).
  Layer p = LoadLayer("dir-img-cosign-pki-valid");
  auto pv = sigstore::VerifyLegacyX509(p.evidence, p.att.payload, p.content, PkiTrust(), nullptr,
                                       SystemClock().Now());
  BOOST_REQUIRE_MESSAGE(pv.ok(), pv.status().message());
  BOOST_TEST(pv->signer == "qiwan@redhat.com");
  BOOST_TEST(internal::CheckSimpleSigningPayload(p.att.payload, p.manifest, {}, "localhost:5000/test")
                 .ok());

  // dir-img-cosign-key-rekor-valid: its SET verifies with the production Rekor key and binds
  // the signature, the payload and cosign2.pub.
  Layer k = LoadLayer("dir-img-cosign-key-rekor-valid");
  auto key = keys::Verifier::FromPem(ReadText(FixturesDir() + "/cosign2.pub"));
  BOOST_REQUIRE(key.ok());
  k.content.public_key_spki = key->SpkiDer();
  auto rb = sigstore::ParseRekorBundle(k.evidence.rekor_bundle);
  BOOST_REQUIRE_MESSAGE(rb.ok(), rb.status().message());
  auto t = sigstore::VerifyRekorBundle(*rb, k.content, *ProductionRoot());
  BOOST_TEST(t.ok(), t.status().message());
}

void ExpectReject(const Result<sigstore::LegacyVerification>& r, const std::string& reason) {
  BOOST_TEST(!r.ok());
  BOOST_TEST(IsVerificationFailed(r.status()), ErrorCodeName(r.status().code()));
  BOOST_TEST(r.status().message().find(reason) != std::string::npos,
             "\"" << r.status().message() << "\" lacks \"" << reason << "\"");
}

BOOST_AUTO_TEST_CASE(KeylessFixtureRejections) {
  Layer f = LoadLayer("dir-img-cosign-fulcio-rekor-valid");
  const TrustedRoot& root = *ProductionRoot();
  // Upstream: reject without the SET.
  LegacyEvidence no_set = f.evidence;
  no_set.rekor_bundle.clear();
  ExpectReject(sigstore::VerifyLegacyKeyless(no_set, f.att.payload, f.content, root,
                                             {FulcioIdentity()}),
               "no Rekor bundle annotation");
  // A garbled SET.
  LegacyEvidence garbled = f.evidence;
  size_t at = garbled.rekor_bundle.find("MEUCIQ") + 12;
  garbled.rekor_bundle[at] = garbled.rekor_bundle[at] == 'A' ? 'B' : 'A';
  ExpectReject(sigstore::VerifyLegacyKeyless(garbled, f.att.payload, f.content, root,
                                             {FulcioIdentity()}),
               "signed entry timestamp does not verify");
  // Wrong identity, wrong issuer.
  CertificateIdentity other = FulcioIdentity();
  other.san = "someone@redhat.com";
  ExpectReject(sigstore::VerifyLegacyKeyless(f.evidence, f.att.payload, f.content, root, {other}),
               "SAN");
  other = FulcioIdentity();
  other.issuer = "https://accounts.google.com";
  ExpectReject(sigstore::VerifyLegacyKeyless(f.evidence, f.att.payload, f.content, root, {other}),
               "issuer");
  // A tampered payload: the signature no longer verifies.
  Bytes tampered = f.att.payload;
  tampered[tampered.size() / 2] ^= 1;
  ExpectReject(sigstore::VerifyLegacyKeyless(f.evidence, tampered, f.content, root,
                                             {FulcioIdentity()}),
               "signature does not verify");
  // The staging root trusts neither this Fulcio nor this Rekor.
  auto staging = LoadTrustedRoot(VectorsDir() + "/sigstore-trust-roots/staging/trusted_root.json");
  BOOST_REQUIRE(staging.ok());
  ExpectReject(sigstore::VerifyLegacyKeyless(f.evidence, f.att.payload, f.content, **staging,
                                             {FulcioIdentity()}),
               "is not a trusted Rekor v1 log");
  // The certificate of another fixture does not carry this signature.
  Layer p = LoadLayer("dir-img-cosign-pki-valid");
  LegacyEvidence swapped = f.evidence;
  swapped.certificate_pem = p.evidence.certificate_pem;
  BOOST_TEST(!sigstore::VerifyLegacyKeyless(swapped, f.att.payload, f.content, root,
                                            {FulcioIdentity()}).ok());
}

BOOST_AUTO_TEST_CASE(X509FixtureRejections) {
  Layer p = LoadLayer("dir-img-cosign-pki-valid");
  TimePoint now = SystemClock().Now();
  sigstore::X509Trust wrong_san = PkiTrust();
  wrong_san.san = "mitr@redhat.com";
  ExpectReject(sigstore::VerifyLegacyX509(p.evidence, p.att.payload, p.content, wrong_san, nullptr,
                                          now),
               "no certificate SAN matches");
  sigstore::X509Trust regexp = PkiTrust();
  regexp.san.clear();
  regexp.san_regexp = ".*@redhat\\.com";
  regexp.subject = "CN=Team A Cosign Certificate,OU=Security,O=IT,L=Valencia,C=ES";
  auto ok = sigstore::VerifyLegacyX509(p.evidence, p.att.payload, p.content, regexp, nullptr, now);
  BOOST_TEST(ok.ok(), ok.status().message());
  sigstore::X509Trust wrong_subject = PkiTrust();
  wrong_subject.subject = "CN=Team B";
  ExpectReject(sigstore::VerifyLegacyX509(p.evidence, p.att.payload, p.content, wrong_subject,
                                          nullptr, now),
               "subject");
  // Another root (the Fulcio root) does not anchor this chain.
  sigstore::X509Trust other_root = PkiTrust();
  auto fulcio = sigstore::ParsePemCertificates(ReadText(FixturesDir() + "/fulcio_v1.crt.pem"), "fulcio");
  BOOST_REQUIRE(fulcio.ok());
  other_root.roots = *fulcio;
  ExpectReject(sigstore::VerifyLegacyX509(p.evidence, p.att.payload, p.content, other_root,
                                          nullptr, now),
               "does not chain to a trusted root");
  // Outside the certificates' validity (2024-10-01 .. 2052).
  ExpectReject(sigstore::VerifyLegacyX509(p.evidence, p.att.payload, p.content, PkiTrust(),
                                          nullptr, TimePoint(std::chrono::seconds(1600000000))),
               "does not chain");
  Bytes tampered = p.att.payload;
  tampered[5] ^= 1;
  ExpectReject(sigstore::VerifyLegacyX509(p.evidence, tampered, p.content, PkiTrust(), nullptr, now),
               "signature does not verify");
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
