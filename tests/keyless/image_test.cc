// Keyless and x509 image verification end to end through the vouch binary, offline, on OCI
// layouts built at run time (in a temp dir) from third-party vectors:
//  * containers/image's dir-img-cosign-fulcio-rekor-valid (a cosign `.sig` layer with a
//    public-good Fulcio certificate, chain and Rekor SET) and dir-img-cosign-pki-valid (a private
//    PKI certificate): the fixture's manifest.json is the image, its signature-1 becomes the
//    layer of the `sha256-<hex>.sig` manifest. `vouch verify` with identity flags and the pinned
//    production trusted root, and `vouch verify --policy` with keyless and x509 authorities.
//  * slsa-verifier's container layout: its cosign `.att` (keyless, Rekor dsse entry) verifies
//    with `vouch verify-attestation` and the identity flags (the layout's index.json gets the
//    `sha256-<hex>.att` ref name cosign's registry tag would give it).
#include <boost/test/unit_test.hpp>
#include <memory>
#include <string>
#include <vector>

#include "core/internal/json.h"
#include "oci_layout.h"
#include "testutil/testutil.h"
#include "vouch/core/digest.h"
#include "vouch/core/file.h"

namespace vouch {
namespace {

using testing::ReadText;
using testing::RunResult;
using testing::TempDir;
using testing::Layout;
using testing::WriteText;

const std::string kFulcioIdentity = "mitr@redhat.com";
const std::string kFulcioIssuer = "https://github.com/login/oauth";

std::string Fixtures() { return testing::VectorsDir() + "/containers-image-cosign/fixtures"; }
std::string ProductionRoot() {
  return testing::VectorsDir() + "/sigstore-trust-roots/production/trusted_root.json";
}

// SignedImage is a layout with a fixture's image manifest and its `.sig` manifest.
struct SignedImage {
  Layout layout;
  std::string digest;
  std::string Ref() const { return "oci:" + layout.dir.path() + "@" + digest; }
};

std::unique_ptr<SignedImage> FromFixture(const std::string& fixture) {
  auto out = std::make_unique<SignedImage>();
  std::string manifest = ReadText(Fixtures() + "/" + fixture + "/manifest.json");
  Json m = *ParseJson(manifest, "manifest");
  Digest image = Digest::Of(AsBytes(manifest));
  out->digest = image.ToString();
  out->layout.Add(m["mediaType"].get<std::string>(), manifest, "app");
  // signature-1: 0x00 "sigstore-json\n" {"mimeType","payload"(b64),"annotations"}.
  std::string file = ReadText(Fixtures() + "/" + fixture + "/signature-1");
  Json att = *ParseJson(file.substr(file.find('\n') + 1), "signature-1");
  Bytes payload = *Base64Decode(att["payload"].get<std::string>());
  std::string payload_text(AsChars(payload));
  Digest p = out->layout.Blob(payload_text);
  Digest config = out->layout.Blob("{}");
  Json sig = {{"schemaVersion", 2},
              {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
              {"config",
               {{"mediaType", "application/vnd.oci.image.config.v1+json"},
                {"digest", config.ToString()},
                {"size", 2}}},
              {"layers", Json::array({Json{{"mediaType", att["mimeType"]},
                                           {"digest", p.ToString()},
                                           {"size", payload_text.size()},
                                           {"annotations", att["annotations"]}}})}};
  out->layout.Add("application/vnd.oci.image.manifest.v1+json", DumpJson(sig),
                  "sha256-" + image.Hex() + ".sig");
  out->layout.Finish();
  return out;
}

// PkiImage is an image (an OCI manifest of our own) with a `.sig` layer signed by a leaf of a
// PKI made at run time with the openssl CLI (root CA -> leaf, SAN email team@example.test).
struct PkiImage {
  SignedImage img;
  std::string root_pem;
};

void Openssl(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"openssl"};
  argv.insert(argv.end(), args.begin(), args.end());
  RunResult r = testing::Run(argv);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out << r.err);
}

std::unique_ptr<PkiImage> MakePkiImage() {
  auto out = std::make_unique<PkiImage>();
  TempDir& d = out->img.layout.dir;
  const std::string ca_key = d.File("ca.key"), ca = d.File("ca.pem"), key = d.File("leaf.key"),
                    csr = d.File("leaf.csr"), leaf = d.File("leaf.pem"), ext = d.File("ext.cnf");
  Openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
           "-keyout", ca_key, "-out", ca, "-subj", "/CN=vouch test root", "-days", "30", "-addext",
           "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign"});
  Openssl({"req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
           "-keyout", key, "-out", csr, "-subj", "/CN=Team B/O=Acme"});
  // Two names for one key: the distinct-signer rule must see through them.
  WriteText(ext,
            "subjectAltName=email:team@example.test,email:ops@example.test\n"
            "keyUsage=critical,digitalSignature\n");
  Openssl({"x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial", "-out", leaf,
           "-days", "30", "-extfile", ext});
  out->root_pem = ca;
  // The image: a minimal OCI manifest with one layer.
  Digest image = Digest::Of(AsBytes(out->img.layout.AddMinimalImage("app")));
  out->img.digest = image.ToString();
  const Digest config = Digest::Of(AsBytes(std::string("{}")));  // the image's config blob
  std::string payload = R"({"critical":{"identity":{"docker-reference":"example.test/app"},)"
                        R"("image":{"docker-manifest-digest":")" +
                        image.ToString() +
                        R"("},"type":"cosign container image signature"},"optional":null})";
  WriteText(d.File("payload"), payload);
  Openssl({"dgst", "-sha256", "-sign", key, "-out", d.File("sig"), d.File("payload")});
  const std::string sig_text = ReadText(d.File("sig"));
  Bytes sig(AsBytes(sig_text).begin(), AsBytes(sig_text).end());
  Digest p = out->img.layout.Blob(payload);
  Json sig_manifest = {
      {"schemaVersion", 2},
      {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
      {"config",
       {{"mediaType", "application/vnd.oci.image.config.v1+json"},
        {"digest", config.ToString()},
        {"size", 2}}},
      {"layers",
       Json::array({Json{{"mediaType", "application/vnd.dev.cosign.simplesigning.v1+json"},
                         {"digest", p.ToString()},
                         {"size", payload.size()},
                         {"annotations",
                          {{"dev.cosignproject.cosign/signature", Base64Encode(sig)},
                           {"dev.sigstore.cosign/certificate", ReadText(leaf)},
                           {"dev.sigstore.cosign/chain", ReadText(ca)}}}}})}};
  out->img.layout.Add("application/vnd.oci.image.manifest.v1+json", DumpJson(sig_manifest),
                      "sha256-" + image.Hex() + ".sig");
  out->img.layout.Finish();
  return out;
}

RunResult Verify(const SignedImage& img, std::vector<std::string> flags) {
  std::vector<std::string> args = {"verify", img.Ref(), "--signature-format", "legacy"};
  args.insert(args.end(), flags.begin(), flags.end());
  testing::RunOptions o;
  o.unset_env = {"VOUCH_TRUSTED_ROOT"};
  return testing::Vouch(args, o);
}

BOOST_AUTO_TEST_SUITE(keyless_images)

BOOST_AUTO_TEST_CASE(fulcio_legacy_signature_verifies_with_identity_flags) {
  auto img = FromFixture("dir-img-cosign-fulcio-rekor-valid");
  RunResult ok =
      Verify(*img, {"--certificate-identity", kFulcioIdentity, "--certificate-oidc-issuer",
                    kFulcioIssuer, "--trusted-root", ProductionRoot()});
  BOOST_TEST(ok.exit_code == 0, ok.out << ok.err);
  BOOST_TEST(ok.out.find("signer mitr@redhat.com (https://github.com/login/oauth)  valid") !=
                 std::string::npos,
             ok.out);
  RunResult json =
      Verify(*img, {"--certificate-identity-regexp", ".*@redhat\\.com", "--certificate-oidc-issuer",
                    kFulcioIssuer, "--trusted-root", ProductionRoot(), "--output", "json"});
  BOOST_TEST(json.exit_code == 0, json.out << json.err);
  BOOST_TEST(json.out.find("\"identity\": \"mitr@redhat.com (https://github.com/login/oauth)\"") !=
                 std::string::npos,
             json.out);

  RunResult wrong_id =
      Verify(*img, {"--certificate-identity", "someone@redhat.com", "--certificate-oidc-issuer",
                    kFulcioIssuer, "--trusted-root", ProductionRoot()});
  BOOST_TEST(wrong_id.exit_code == 1, wrong_id.out << wrong_id.err);
  BOOST_TEST(wrong_id.out.find("is not the expected identity") != std::string::npos, wrong_id.out);
  RunResult wrong_iss =
      Verify(*img, {"--certificate-identity", kFulcioIdentity, "--certificate-oidc-issuer",
                    "https://accounts.google.com", "--trusted-root", ProductionRoot()});
  BOOST_TEST(wrong_iss.exit_code == 1, wrong_iss.out << wrong_iss.err);
  RunResult staging =
      Verify(*img, {"--certificate-identity", kFulcioIdentity, "--certificate-oidc-issuer",
                    kFulcioIssuer, "--trusted-root",
                    testing::VectorsDir() + "/sigstore-trust-roots/staging/trusted_root.json"});
  BOOST_TEST(staging.exit_code == 1, staging.out << staging.err);

  // Usage errors: no trusted root, --key together with identities, --trusted-root alone.
  RunResult no_root = Verify(*img, {"--certificate-identity", kFulcioIdentity,
                                    "--certificate-oidc-issuer", kFulcioIssuer});
  BOOST_TEST(no_root.exit_code == 2, no_root.out << no_root.err);
  BOOST_TEST(no_root.err.find("no trusted root") != std::string::npos, no_root.err);
  RunResult both = Verify(
      *img, {"--certificate-identity", kFulcioIdentity, "--certificate-oidc-issuer", kFulcioIssuer,
             "--trusted-root", ProductionRoot(), "--key", Fixtures() + "/cosign.pub"});
  BOOST_TEST(both.exit_code == 2, both.out << both.err);
  RunResult root_only = Verify(*img, {"--trusted-root", ProductionRoot()});
  BOOST_TEST(root_only.exit_code == 2, root_only.out << root_only.err);
}

// inspect shows who signed a certificate signature: as claimed without trust, verified with the
// keyless flags; never "unknown".
BOOST_AUTO_TEST_CASE(inspect_shows_certificate_identities) {
  auto fulcio = FromFixture("dir-img-cosign-fulcio-rekor-valid");
  const std::string who = "mitr@redhat.com (https://github.com/login/oauth)";
  RunResult claimed = testing::Vouch({"inspect", fulcio->Ref()});
  BOOST_TEST(claimed.exit_code == 0, claimed.out << claimed.err);
  BOOST_TEST(claimed.out.find("signer: " + who + "  (claimed, not verified)") != std::string::npos,
             claimed.out);
  RunResult verified =
      testing::Vouch({"inspect", fulcio->Ref(), "--certificate-identity", kFulcioIdentity,
                      "--certificate-oidc-issuer", kFulcioIssuer, "--trusted-root",
                      ProductionRoot(), "--output", "json"});
  BOOST_TEST(verified.exit_code == 0, verified.out << verified.err);
  BOOST_TEST(verified.out.find("\"signer\": \"" + who + "\"") != std::string::npos, verified.out);
  BOOST_TEST(verified.out.find("\"verified\": true") != std::string::npos, verified.out);
  auto pki = MakePkiImage();
  RunResult x509 = testing::Vouch({"inspect", pki->img.Ref()});
  BOOST_TEST(x509.exit_code == 0, x509.out << x509.err);
  BOOST_TEST(x509.out.find("signer: team@example.test") != std::string::npos, x509.out);
  BOOST_TEST(x509.out.find("unknown") == std::string::npos, x509.out);
}

BOOST_AUTO_TEST_CASE(policy_keyless_and_x509_authorities) {
  auto fulcio = FromFixture("dir-img-cosign-fulcio-rekor-valid");
  auto pki = MakePkiImage();
  TempDir dir;
  auto policy = [&](const std::string& authorities) {
    std::string path = dir.File("policy.json");
    WriteText(path, R"({"version": 1, "authorities": {)" + authorities + R"(},
      "policies": [{"name": "p", "scope": "*", "mode": "enforce",
                    "signatures": {"authorities": ["a"], "threshold": 1}}]})");
    return path;
  };
  const std::string keyless = R"("a": {"keyless": {"identity": "mitr@redhat.com",
      "issuer": "https://github.com/login/oauth", "trustedRoot": ")" +
                              ProductionRoot() + R"("}})";
  RunResult k = testing::Vouch({"verify", "--policy", policy(keyless), fulcio->Ref()});
  BOOST_TEST(k.exit_code == 0, k.out << k.err);
  BOOST_TEST(k.out.find("mitr@redhat.com (https://github.com/login/oauth)") != std::string::npos,
             k.out);
  // The keyless authority does not accept the private PKI signature.
  RunResult k2 = testing::Vouch({"verify", "--policy", policy(keyless), pki->img.Ref()});
  BOOST_TEST(k2.exit_code == 1, k2.out << k2.err);

  const std::string x509 =
      R"("a": {"x509": {"roots": [")" + pki->root_pem +
      R"("], "san": "team@example.test", "subjectRegExp": "O=Acme,CN=Team B"}})";
  RunResult x = testing::Vouch({"verify", "--policy", policy(x509), pki->img.Ref()});
  BOOST_TEST(x.exit_code == 0, x.out << x.err);
  BOOST_TEST(x.out.find("team@example.test") != std::string::npos, x.out);
  const std::string x509_other =
      R"("a": {"x509": {"roots": [")" + pki->root_pem + R"("], "san": "mitr@redhat.com"}})";
  RunResult x2 = testing::Vouch({"verify", "--policy", policy(x509_other), pki->img.Ref()});
  BOOST_TEST(x2.exit_code == 1, x2.out << x2.err);
  BOOST_TEST(x2.out.find("no certificate SAN matches") != std::string::npos, x2.out);
  // Another root (the containers/image PKI) does not anchor this chain, nor the Fulcio one.
  const std::string x509_wrong_root =
      R"("a": {"x509": {"roots": [")" + Fixtures() + R"(/pki_root_crts.pem"]}})";
  RunResult x3 = testing::Vouch({"verify", "--policy", policy(x509_wrong_root), pki->img.Ref()});
  BOOST_TEST(x3.exit_code == 1, x3.out << x3.err);
  RunResult x4 = testing::Vouch({"verify", "--policy", policy(x509), fulcio->Ref()});
  BOOST_TEST(x4.exit_code == 1, x4.out << x4.err);

  // A keyless authority whose trusted root does not parse cannot check: exit 3, never rejected.
  WriteText(dir.File("bad-root.json"), "{}");
  const std::string bad = R"("a": {"keyless": {"identity": "mitr@redhat.com",
      "issuer": "https://github.com/login/oauth", "trustedRoot": ")" +
                          dir.File("bad-root.json") + R"("}})";
  RunResult m = testing::Vouch({"verify", "--policy", policy(bad), fulcio->Ref()});
  BOOST_TEST(m.exit_code == 3, m.out << m.err);
  BOOST_TEST(m.out.find("rejected") == std::string::npos, m.out);
}

// Two x509 authorities that match different names of one certificate trust one key: that
// key's signature is one signer, so a threshold of 2 is not met by it.
BOOST_AUTO_TEST_CASE(one_certificate_under_two_names_is_one_signer) {
  auto pki = MakePkiImage();
  TempDir dir;
  auto authority = [&](const std::string& san) {
    return R"({"x509": {"roots": [")" + pki->root_pem + R"("], "san": ")" + san + R"("}})";
  };
  std::string path = dir.File("policy.json");
  WriteText(path, R"({"version": 1, "authorities": {"team": )" + authority("team@example.test") +
                      R"(, "ops": )" + authority("ops@example.test") + R"(},
      "policies": [{"name": "p", "scope": "*", "mode": "enforce",
                    "signatures": {"authorities": ["team", "ops"], "threshold": 2}}]})");
  RunResult r = testing::Vouch({"verify", "--policy", path, pki->img.Ref()});
  BOOST_TEST(r.exit_code == 1, r.out << r.err);
  BOOST_TEST(r.out.find("1 of 2 required authorities") != std::string::npos, r.out);
  BOOST_TEST(r.out.find("ops: the same signer as team (team@example.test") != std::string::npos,
             r.out);
  // Either name alone meets a threshold of 1: the rule counts signers, it does not refuse them.
  WriteText(path, R"({"version": 1, "authorities": {"ops": )" + authority("ops@example.test") +
                      R"(}, "policies": [{"name": "p", "scope": "*", "mode": "enforce",
                    "signatures": {"authorities": ["ops"], "threshold": 1}}]})");
  RunResult one = testing::Vouch({"verify", "--policy", path, pki->img.Ref()});
  BOOST_TEST(one.exit_code == 0, one.out << one.err);
}

BOOST_AUTO_TEST_CASE(slsa_verifier_attestation_verifies_keyless) {
  Layout layout;
  const std::string src =
      testing::VectorsDir() + "/slsa-verifier-container/container_workflow_dispatch";
  BOOST_REQUIRE(testing::Run({"cp", "-r", src + "/blobs", layout.dir.path()}).exit_code == 0);
  Json index = *ParseJson(ReadText(src + "/index.json"), "index.json");
  std::string image;
  for (Json& m : index["manifests"]) {
    if (m["annotations"].value("kind", "") == "dev.cosignproject.cosign/imageIndex") {
      image = m["digest"].get<std::string>();
    }
  }
  BOOST_REQUIRE(!image.empty());
  for (Json& m : index["manifests"]) {
    if (m["annotations"].value("kind", "") == "dev.cosignproject.cosign/atts") {
      m["annotations"]["org.opencontainers.image.ref.name"] = "sha256-" + image.substr(7) + ".att";
    }
  }
  WriteText(layout.dir.File("index.json"), DumpJson(index));
  const std::string builder =
      "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/"
      "generator_container_slsa3.yml";
  std::vector<std::string> args = {"verify-attestation",
                                   "oci:" + layout.dir.path() + "@" + image,
                                   "--type",
                                   "https://slsa.dev/provenance/v0.2",
                                   "--certificate-oidc-issuer",
                                   "https://token.actions.githubusercontent.com",
                                   "--trusted-root",
                                   ProductionRoot(),
                                   "--builder-id",
                                   builder,
                                   "--certificate-github-workflow-repository",
                                   "slsa-framework/example-package"};
  std::vector<std::string> ok = args;
  ok.insert(ok.end(), {"--certificate-identity", builder + "@refs/tags/v2.1.0"});
  RunResult r = testing::Vouch(ok);
  BOOST_TEST(r.exit_code == 0, r.out << r.err);
  BOOST_TEST(r.out.find("(signer " + builder + "@refs/tags/v2.1.0") != std::string::npos, r.out);
  std::vector<std::string> bad = args;
  bad.insert(bad.end(), {"--certificate-identity", builder + "@refs/tags/v2.0.0"});
  RunResult w = testing::Vouch(bad);
  BOOST_TEST(w.exit_code == 1, w.out << w.err);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch
