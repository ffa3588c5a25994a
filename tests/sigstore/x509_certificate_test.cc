// Fulcio leaf parsing, chain building at the signing time, embedded SCTs and identity matching
// (formats.md 5.2 steps 6-8, 5.3, 5.9): real conformance bundles for the positive path, a PKI
// made at run time (x509_pki.h) for every negative.
#include <boost/test/unit_test.hpp>
#include <string>

#include "core/internal/json.h"
#include "sigstore/certificate.h"
#include "testutil/testutil.h"
#include "x509_pki.h"

namespace vouch::verify::sigstore {
namespace {

using testing::pki::At;
using testing::pki::Fulcio;
using testing::pki::LeafOptions;

constexpr char kConformanceIdentity[] =
    "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/"
    "workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
constexpr char kGithubIssuer[] = "https://token.actions.githubusercontent.com";

std::string CaseDir(const std::string& name) {
  return testing::VectorsDir() + "/sigstore-conformance/assets/bundle-verify/" + name;
}

// BundleCerts returns the DER certificates of a conformance bundle, leaf first.
std::vector<Bytes> BundleCerts(const std::string& name) {
  auto j = ParseJson(testing::ReadText(CaseDir(name) + "/bundle.sigstore.json"), "bundle");
  BOOST_REQUIRE(j.ok());
  const Json& vm = (*j)["verificationMaterial"];
  std::vector<Bytes> out;
  auto add = [&](const Json& c) {
    auto der = Base64Decode(c["rawBytes"].get<std::string>());
    BOOST_REQUIRE(der.ok());
    out.push_back(*der);
  };
  if (vm.contains("certificate")) {
    add(vm["certificate"]);
  } else {
    for (const Json& c : vm["x509CertificateChain"]["certificates"]) {
      add(c);
    }
  }
  return out;
}

std::shared_ptr<const TrustedRoot> LoadRoot(const std::string& path) {
  auto root = ParseTrustedRoot(testing::ReadText(path));
  BOOST_REQUIRE_MESSAGE(root.ok(), root.status().ToString());
  return *root;
}

std::shared_ptr<const TrustedRoot> ProductionRoot() {
  return LoadRoot(testing::VectorsDir() + "/sigstore-trust-roots/production/trusted_root.json");
}

LeafCertificate Parse(const Bytes& der) {
  auto leaf = ParseLeafCertificate(der);
  BOOST_REQUIRE_MESSAGE(leaf.ok(), leaf.status().ToString());
  return *leaf;
}

// ExpectFail checks a kVerificationFailed status whose message names |reason|.
void ExpectFail(const Status& st, const std::string& reason) {
  BOOST_TEST_MESSAGE(st.ToString());
  BOOST_TEST(IsVerificationFailed(st), st.ToString());
  BOOST_TEST(st.message().find(reason) != std::string::npos,
             "\"" << st.message() << "\" lacks \"" << reason << "\"");
}

CertificateIdentity Identity(const std::string& san, const std::string& issuer) {
  CertificateIdentity id;
  id.san = san;
  id.issuer = issuer;
  return id;
}

const TimePoint kSigned = At("2024-06-01T12:00:30Z");

BOOST_AUTO_TEST_SUITE(certificate)

BOOST_AUTO_TEST_CASE(conformance_happy_path_v03) {
  auto root = ProductionRoot();
  LeafCertificate leaf = Parse(BundleCerts("happy-path-v0.3")[0]);
  BOOST_TEST(leaf.sans == std::vector<std::string>{kConformanceIdentity});
  BOOST_TEST(leaf.issuer == kGithubIssuer);
  BOOST_TEST(leaf.extensions.at("1.1") == kGithubIssuer);  // raw .1.1 and DER .1.8 agree
  // integratedTime of its log entry.
  TimePoint t = std::chrono::system_clock::from_time_t(1710869186);
  auto ca = VerifyCertificateChain(leaf, {}, *root, {t});
  BOOST_REQUIRE_MESSAGE(ca.ok(), ca.status().ToString());
  const Bytes& issuer = root->certificate_authorities[*ca].chain_der.front();
  Status sct = VerifyEmbeddedSct(leaf, issuer, *root);
  BOOST_TEST(sct.ok(), sct.ToString());
  BOOST_TEST(MatchIdentity(leaf, Identity(kConformanceIdentity, kGithubIssuer)).ok());
  // The same chain a year later is outside the leaf's ten minutes.
  ExpectFail(VerifyCertificateChain(leaf, {}, *root, {t + std::chrono::hours(24 * 365)}).status(),
             "certificate has expired");
}

BOOST_AUTO_TEST_CASE(conformance_sct_with_extensions) {
  auto root = LoadRoot(CaseDir("bundle-with-sct-with-extensions") + "/trusted_root.json");
  LeafCertificate leaf = Parse(BundleCerts("bundle-with-sct-with-extensions")[0]);
  auto ca = VerifyCertificateChain(leaf, {}, *root, {leaf.not_before + std::chrono::seconds(1)});
  BOOST_REQUIRE_MESSAGE(ca.ok(), ca.status().ToString());
  Status sct = VerifyEmbeddedSct(leaf, root->certificate_authorities[*ca].chain_der.front(), *root);
  BOOST_TEST(sct.ok(), sct.ToString());
}

// A root among the bundle's certificates is dropped, never trusted: the conformance bundle's
// chain (leaf, root, intermediate) verifies against the production root, which holds that root;
// a bundle that brings its own root for a leaf of another PKI does not chain. (The conformance
// bundle itself is rejected by its checkpoint-less inclusion proof.)
BOOST_AUTO_TEST_CASE(root_in_bundle_is_dropped_never_trusted) {
  auto root = ProductionRoot();
  std::vector<Bytes> certs = BundleCerts("bundle-with-root-cert_fail");
  BOOST_REQUIRE(certs.size() == 3u);
  LeafCertificate leaf = Parse(certs[0]);
  auto ok = VerifyCertificateChain(leaf, {certs.begin() + 1, certs.end()}, *root,
                                   {std::chrono::system_clock::from_time_t(1683317662)});
  BOOST_TEST(ok.ok(), ok.status().ToString());

  Fulcio f;
  LeafCertificate own = Parse(f.MakeLeaf());
  ExpectFail(VerifyCertificateChain(own,
                                    {testing::pki::Der(f.inter.get()), testing::pki::Der(f.root.get())},
                                    *root, {kSigned})
                 .status(),
             "does not chain");
}

BOOST_AUTO_TEST_CASE(synthetic_happy_path_and_partial_chain) {
  Fulcio f;
  LeafCertificate leaf = Parse(f.MakeLeaf());
  BOOST_TEST(leaf.sans.size() == 1u);
  BOOST_TEST(leaf.extensions.at("1.5") == "acme/app");
  for (bool intermediate_anchor : {false, true}) {
    TrustedRoot root = f.Root(intermediate_anchor);
    auto ca = VerifyCertificateChain(leaf, {}, root, {kSigned, kSigned + std::chrono::seconds(5)});
    BOOST_REQUIRE_MESSAGE(ca.ok(), ca.status().ToString());
    BOOST_TEST(*ca == 0u);
    BOOST_TEST(
        VerifyEmbeddedSct(leaf, root.certificate_authorities[0].chain_der.front(), root).ok());
  }
  // An untrusted copy of the intermediate in the bundle is harmless.
  TrustedRoot root = f.Root();
  BOOST_TEST(
      VerifyCertificateChain(leaf, {testing::pki::Der(f.inter.get())}, root, {kSigned}).ok());
}

BOOST_AUTO_TEST_CASE(signing_time_outside_leaf_or_ca_window) {
  Fulcio f;
  LeafCertificate leaf = Parse(f.MakeLeaf());
  TrustedRoot root = f.Root();
  // After the leaf's ten minutes (one of several times is enough to reject).
  ExpectFail(VerifyCertificateChain(leaf, {}, root, {kSigned, At("2024-06-01T12:10:01Z")}).status(),
             "certificate has expired");
  ExpectFail(VerifyCertificateChain(leaf, {}, root, {At("2024-06-01T11:59:59Z")}).status(),
             "certificate is not yet valid");
  // The CA entry's validFor does not cover the time.
  root.certificate_authorities[0].valid_for.end = At("2024-05-31T00:00:00Z");
  ExpectFail(VerifyCertificateChain(leaf, {}, root, {kSigned}).status(),
             "CA https://fulcio.test is not valid at 2024-06-01T12:00:30Z");
  root = f.Root();
  root.certificate_authorities[0].valid_for.start = At("2024-06-02T00:00:00Z");
  ExpectFail(VerifyCertificateChain(leaf, {}, root, {kSigned}).status(), "is not valid at");
  // No time at all is never "valid".
  ExpectFail(VerifyCertificateChain(leaf, {}, f.Root(), {}).status(), "no verified signing time");
}

BOOST_AUTO_TEST_CASE(expired_intermediate) {
  Fulcio f;
  // Re-issue the intermediate so that it expired before the leaf was used.
  f.inter =
      testing::pki::NewCa(f.inter_key.get(), "test-intermediate", f.root.get(), f.root_key.get(),
                          At("2024-01-01T00:00:00Z"), At("2024-05-01T00:00:00Z"));
  LeafCertificate leaf = Parse(f.MakeLeaf());
  ExpectFail(VerifyCertificateChain(leaf, {}, f.Root(), {kSigned}).status(),
             "certificate has expired (depth 1)");
}

BOOST_AUTO_TEST_CASE(untrusted_ca) {
  Fulcio f;
  Fulcio other;
  LeafCertificate leaf = Parse(f.MakeLeaf());
  ExpectFail(VerifyCertificateChain(leaf, {}, other.Root(), {kSigned}).status(),
             "does not chain at 2024-06-01T12:00:30Z");
  TrustedRoot empty;
  ExpectFail(VerifyCertificateChain(leaf, {}, empty, {kSigned}).status(),
             "no certificate authorities");
}

BOOST_AUTO_TEST_CASE(leaf_usage) {
  Fulcio f;
  LeafOptions o;
  o.eku = "serverAuth";
  ExpectFail(VerifyCertificateChain(Parse(f.MakeLeaf(o)), {}, f.Root(), {kSigned}).status(),
             "lacks ExtendedKeyUsage codeSigning");
  o = LeafOptions();
  o.ca = true;
  ExpectFail(VerifyCertificateChain(Parse(f.MakeLeaf(o)), {}, f.Root(), {kSigned}).status(),
             "is a CA certificate");
}

BOOST_AUTO_TEST_CASE(sct_from_unknown_log) {
  Fulcio f;
  LeafOptions o;
  o.sct_by_other_log = true;
  LeafCertificate leaf = Parse(f.MakeLeaf(o));
  TrustedRoot root = f.Root();
  ExpectFail(VerifyEmbeddedSct(leaf, root.certificate_authorities[0].chain_der[0], root),
             "SCT from an unknown CT log");
}

BOOST_AUTO_TEST_CASE(sct_with_flipped_byte) {
  Fulcio f;
  LeafOptions o;
  o.sct.flip_signature = true;
  LeafCertificate leaf = Parse(f.MakeLeaf(o));
  TrustedRoot root = f.Root();
  ExpectFail(VerifyEmbeddedSct(leaf, root.certificate_authorities[0].chain_der[0], root),
             "signature does not verify with CT log https://ct.test");
}

BOOST_AUTO_TEST_CASE(sct_extensions_are_signed) {
  Fulcio f;
  LeafOptions o;
  o.sct.extensions = {0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x2a};  // a Static CT leaf index
  LeafCertificate leaf = Parse(f.MakeLeaf(o));
  TrustedRoot root = f.Root();
  BOOST_TEST(VerifyEmbeddedSct(leaf, root.certificate_authorities[0].chain_der[0], root).ok());
  // The wrong issuer key changes issuer_key_hash: the SCT no longer verifies.
  ExpectFail(VerifyEmbeddedSct(leaf, root.certificate_authorities[0].chain_der[1], root),
             "signature does not verify");
}

BOOST_AUTO_TEST_CASE(sct_outside_log_window) {
  Fulcio f;
  TrustedRoot root = f.Root();
  root.ctlogs[0].valid_for.end = At("2024-05-01T00:00:00Z");  // retired before the SCT
  LeafCertificate leaf = Parse(f.MakeLeaf());
  ExpectFail(VerifyEmbeddedSct(leaf, root.certificate_authorities[0].chain_der[0], root),
             "the log is not valid at the SCT time 2024-06-01T12:00:01Z");
}

BOOST_AUTO_TEST_CASE(identity_matching) {
  Fulcio f;
  LeafCertificate leaf = Parse(f.MakeLeaf());
  const std::string san = leaf.sans.at(0);
  BOOST_TEST(MatchIdentity(leaf, Identity(san, kGithubIssuer)).ok());
  ExpectFail(MatchIdentity(leaf, Identity(san + "x", kGithubIssuer)),
             "is not the expected identity");
  ExpectFail(MatchIdentity(leaf, Identity(san, "https://accounts.google.com")),
             "is not the expected issuer");

  CertificateIdentity re;
  re.issuer = kGithubIssuer;
  re.san_regexp = "https://github\\.com/acme/.*";
  BOOST_TEST(MatchIdentity(leaf, re).ok());
  re.san_regexp = "github\\.com/acme";  // unanchored, as in cosign: a substring matches
  BOOST_TEST(MatchIdentity(leaf, re).ok());
  re.san_regexp = "^github\\.com/acme";
  ExpectFail(MatchIdentity(leaf, re), "does not match the identity regexp");
  re.san_regexp = "https://github\\.com/acme/.*";
  re.issuer.clear();
  re.issuer_regexp = "token\\.actions";
  BOOST_TEST(MatchIdentity(leaf, re).ok());
  re.issuer_regexp = "\\Atoken\\.actions";
  ExpectFail(MatchIdentity(leaf, re), "does not match the issuer regexp");
  re.issuer_regexp = "https://token\\.actions\\.githubusercontent\\.com";
  BOOST_TEST(MatchIdentity(leaf, re).ok());
  re.san_regexp = "([";
  BOOST_TEST(IsInvalidArgument(MatchIdentity(leaf, re)));

  CertificateIdentity gh = Identity(san, kGithubIssuer);
  gh.github = {{"repository", "acme/app"}, {"ref", "refs/heads/main"}};
  BOOST_TEST(MatchIdentity(leaf, gh).ok());
  gh.github["repository"] = "acme/other";
  ExpectFail(MatchIdentity(leaf, gh), "GitHub workflow repository \"acme/app\" is not");
  gh.github = {{"sha", "abc"}};
  ExpectFail(MatchIdentity(leaf, gh), "has no GitHub workflow sha");
  gh.github = {{"color", "blue"}};
  BOOST_TEST(IsInvalidArgument(MatchIdentity(leaf, gh)));
  BOOST_TEST(IsInvalidArgument(MatchIdentity(leaf, CertificateIdentity())));
}

BOOST_AUTO_TEST_CASE(issuer_falls_back_to_v1_extension_and_email_san) {
  Fulcio f;
  LeafOptions o;
  o.issuer_v2 = "";
  o.issuer_v1 = "https://accounts.example.com";
  o.san = "dev@example.com";
  o.san_is_email = true;
  LeafCertificate leaf = Parse(f.MakeLeaf(o));
  BOOST_TEST(leaf.issuer == "https://accounts.example.com");
  BOOST_TEST(MatchIdentity(leaf, Identity("dev@example.com", "https://accounts.example.com")).ok());
  o.issuer_v1 = "";
  LeafCertificate none = Parse(f.MakeLeaf(o));
  BOOST_TEST(none.issuer.empty());
  ExpectFail(MatchIdentity(none, Identity("dev@example.com", "https://accounts.example.com")),
             "OIDC issuer \"\" is not the expected issuer");
}

BOOST_AUTO_TEST_CASE(malformed_leaf) {
  ExpectFail(ParseLeafCertificate(Bytes{0x30, 0x03, 0x02, 0x01, 0x01}).status(),
             "is not a DER X.509 certificate");
  Fulcio f;
  Bytes der = f.MakeLeaf();
  der.push_back(0);  // trailing garbage
  ExpectFail(ParseLeafCertificate(der).status(), "is not a DER X.509 certificate");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::verify::sigstore
