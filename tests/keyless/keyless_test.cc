// Keyless round trip on loopback. The suite starts ../shared/peers/node/sigstore-mock-server.mjs
// (a stand-in Fulcio, Rekor v1 and TSA on 127.0.0.1 that writes a matching trusted_root.json),
// signs with sigstore-js through it (sigstore-bundle.mjs keyless-sign / keyless-attest: a
// short-lived certificate whose URI SAN is --sub, issuer https://fake.oidcissuer.example, a Rekor
// entry with SET, inclusion proof and checkpoint, an RFC 3161 timestamp), and verifies with the
// vouch binary, offline, from that trusted root. The server is stopped when the suite ends
// (testutil/sigstore_mock.h MockServer).
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/internal/json.h"
#include "oci_layout.h"
#include "testutil/notation_pki.h"
#include "testutil/sigstore_mock.h"
#include "testutil/testutil.h"
#include "vouch/core/digest.h"
#include "vouch/core/file.h"

namespace vouch {
namespace {

using testing::MockServerFixture;
using testing::NodeScript;
using testing::RunResult;
using testing::Server;
using testing::TempDir;
using testing::WriteText;

const std::string kIdentity = "https://example.test/ci/release.yml@refs/heads/main";
const std::string kIssuer = "https://fake.oidcissuer.example";

// Signed is a blob signed keyless through the mock services.
struct Signed {
  TempDir dir;
  std::string artifact = dir.File("app.txt");
  std::string bundle = dir.File("app.sigstore.json");
};

std::unique_ptr<Signed> SignBlob(const std::string& content,
                                 const std::vector<std::string>& extra = {}) {
  auto s = std::make_unique<Signed>();
  WriteText(s->artifact, content);
  std::vector<std::string> argv = {"node",         NodeScript("sigstore-bundle.mjs"),
                                   "keyless-sign", s->artifact,
                                   s->bundle,      "--url",
                                   Server().url(), "--sub",
                                   kIdentity};
  argv.insert(argv.end(), extra.begin(), extra.end());
  RunResult r = testing::Run(argv);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out << r.err);
  return s;
}

std::vector<std::string> Identity(const std::string& san = kIdentity,
                                  const std::string& issuer = kIssuer) {
  return {"--certificate-identity", san, "--certificate-oidc-issuer", issuer};
}

RunResult VerifyBlob(const Signed& s, const std::string& artifact,
                     const std::vector<std::string>& identity) {
  std::vector<std::string> args = {"verify-blob", artifact,         "--bundle",
                                   s.bundle,      "--trusted-root", Server().root()};
  args.insert(args.end(), identity.begin(), identity.end());
  return testing::Vouch(args);
}

RunResult VerifyBundle(const Signed& s, const std::string& artifact_or_digest,
                       const std::vector<std::string>& identity) {
  std::vector<std::string> args = {"verify-bundle", "--bundle", s.bundle, "--trusted-root",
                                   Server().root()};
  args.insert(args.end(), identity.begin(), identity.end());
  args.push_back(artifact_or_digest);
  return testing::Vouch(args);
}

testing::RunOptions EnvOptions(std::map<std::string, std::string> set,
                               std::vector<std::string> unset) {
  testing::RunOptions o;
  o.env = std::move(set);
  o.unset_env = std::move(unset);
  return o;
}

BOOST_AUTO_TEST_SUITE(keyless, *boost::unit_test::fixture<MockServerFixture>())

BOOST_AUTO_TEST_CASE(sigstore_js_keyless_blob_verifies) {
  auto s = SignBlob("release artifact\n");
  RunResult b = VerifyBlob(*s, s->artifact, Identity());
  BOOST_TEST(b.exit_code == 0, b.out << b.err);
  BOOST_TEST(b.out.find("Verified OK") == 0u, b.out);

  RunResult p = VerifyBundle(*s, s->artifact, Identity());
  BOOST_TEST(p.exit_code == 0, p.out << p.err);
  BOOST_TEST(p.out.find("Verified OK") == 0u, p.out);
  BOOST_TEST(p.err.find(kIdentity) != std::string::npos, p.err);
  BOOST_TEST(p.err.find(kIssuer) != std::string::npos, p.err);

  // By digest (the conformance protocol's sha256:<hex> form).
  std::string digest = Digest::Of(AsBytes(std::string("release artifact\n"))).ToString();
  RunResult d = VerifyBundle(*s, digest, Identity());
  BOOST_TEST(d.exit_code == 0, d.out << d.err);

  // Identity and issuer by regexp.
  RunResult re = VerifyBundle(*s, s->artifact,
                              {"--certificate-identity-regexp", "https://example\\.test/ci/.*",
                               "--certificate-oidc-issuer-regexp", "https://fake\\..*"});
  BOOST_TEST(re.exit_code == 0, re.out << re.err);

  // The trusted root from the environment.
  RunResult env =
      testing::Vouch({"verify-blob", s->artifact, "--bundle", s->bundle, "--certificate-identity",
                      kIdentity, "--certificate-oidc-issuer", kIssuer},
                     EnvOptions({{"VOUCH_TRUSTED_ROOT", Server().root()}}, {}));
  BOOST_TEST(env.exit_code == 0, env.out << env.err);
}

BOOST_AUTO_TEST_CASE(wrong_identity_issuer_or_artifact_is_rejected) {
  auto s = SignBlob("release artifact\n");
  RunResult id =
      VerifyBlob(*s, s->artifact, Identity("https://example.test/ci/other.yml@refs/heads/main"));
  BOOST_TEST(id.exit_code == 1, id.out << id.err);
  BOOST_TEST(id.err.find("is not the expected identity") != std::string::npos, id.err);
  RunResult id2 =
      VerifyBundle(*s, s->artifact, Identity("https://example.test/ci/other.yml@refs/heads/main"));
  BOOST_TEST(id2.exit_code == 1, id2.out << id2.err);

  RunResult iss = VerifyBlob(*s, s->artifact,
                             Identity(kIdentity, "https://token.actions.githubusercontent.com"));
  BOOST_TEST(iss.exit_code == 1, iss.out << iss.err);
  BOOST_TEST(iss.err.find("is not the expected issuer") != std::string::npos, iss.err);
  RunResult iss2 = VerifyBundle(*s, s->artifact,
                                Identity(kIdentity, "https://token.actions.githubusercontent.com"));
  BOOST_TEST(iss2.exit_code == 1, iss2.out << iss2.err);

  // cosign's semantics (Go's regexp.MatchString): a regexp matches anywhere in the SAN, so a
  // substring pattern is accepted; only an anchored one constrains the whole SAN.
  RunResult partial = VerifyBundle(*s, s->artifact,
                                   {"--certificate-identity-regexp", "example\\.test/ci",
                                    "--certificate-oidc-issuer-regexp", "fake"});
  BOOST_TEST(partial.exit_code == 0, partial.out << partial.err);
  RunResult anchored = VerifyBundle(*s, s->artifact,
                                    {"--certificate-identity-regexp", "^https://example\\.test/ci$",
                                     "--certificate-oidc-issuer", kIssuer});
  BOOST_TEST(anchored.exit_code == 1, anchored.out << anchored.err);
  BOOST_TEST(anchored.err.find("does not match the identity regexp") != std::string::npos,
             anchored.err);
  RunResult malformed =
      VerifyBundle(*s, s->artifact,
                   {"--certificate-identity-regexp", "(", "--certificate-oidc-issuer", kIssuer});
  BOOST_TEST(malformed.exit_code == 2, malformed.out << malformed.err);
  BOOST_TEST(malformed.err.find("--certificate-identity-regexp: bad regular expression") !=
                 std::string::npos,
             malformed.err);

  std::string tampered = s->dir.File("tampered.txt");
  WriteText(tampered, "release artifacT\n");
  RunResult t = VerifyBlob(*s, tampered, Identity());
  BOOST_TEST(t.exit_code == 1, t.out << t.err);
  RunResult t2 = VerifyBundle(*s, tampered, Identity());
  BOOST_TEST(t2.exit_code == 1, t2.out << t2.err);
  RunResult t3 = VerifyBundle(*s, Digest::Of(AsBytes(std::string("other"))).ToString(), Identity());
  BOOST_TEST(t3.exit_code == 1, t3.out << t3.err);
}

BOOST_AUTO_TEST_CASE(trust_root_is_required_and_must_match) {
  auto s = SignBlob("release artifact\n");
  // No trusted root: a usage error, never a fetch.
  RunResult none = testing::Vouch({"verify-bundle", "--bundle", s->bundle, "--certificate-identity",
                                   kIdentity, "--certificate-oidc-issuer", kIssuer, s->artifact},
                                  EnvOptions({}, {"VOUCH_TRUSTED_ROOT"}));
  BOOST_TEST(none.exit_code == 2, none.out << none.err);
  BOOST_TEST(none.err.find("no trusted root") != std::string::npos, none.err);
  // The public-good root trusts neither the mock Fulcio nor the mock Rekor.
  RunResult other = testing::Vouch(
      {"verify-bundle", "--bundle", s->bundle, "--certificate-identity", kIdentity,
       "--certificate-oidc-issuer", kIssuer, "--trusted-root",
       testing::VectorsDir() + "/sigstore-trust-roots/production/trusted_root.json", s->artifact});
  BOOST_TEST(other.exit_code == 1, other.out << other.err);
  // A bundle with a tampered signature.
  std::string text = testing::ReadText(s->bundle);
  size_t at = text.find("\"signature\": \"");
  BOOST_REQUIRE(at != std::string::npos);
  at += 20;
  text[at] = text[at] == 'A' ? 'B' : 'A';
  WriteText(s->bundle, text);
  RunResult bad = VerifyBundle(*s, s->artifact, Identity());
  BOOST_TEST(bad.exit_code == 1, bad.out << bad.err);
}

BOOST_AUTO_TEST_CASE(timestamp_only_bundle_needs_a_log_entry) {
  // --no-tlog: certificate + RFC 3161 timestamp, no Rekor entry. vouch requires one verified log
  // entry (tlog threshold 1, as cosign and sigstore-go by default).
  auto s = SignBlob("release artifact\n", {"--no-tlog"});
  RunResult r = VerifyBundle(*s, s->artifact, Identity());
  BOOST_TEST(r.exit_code == 1, r.out << r.err);
}

// LayoutImage is an OCI layout holding one image; Attach adds a bundle referrer through the
// fallback tag (sha256-<hex>), as a registry without the referrers API holds it.
struct LayoutImage {
  testing::Layout layout;
  std::string image_bytes;
  Digest image = Digest::Of(AsBytes(std::string()));

  LayoutImage() {
    image_bytes = layout.AddMinimalImage("app");
    image = Digest::Of(AsBytes(image_bytes));
    layout.Finish();
  }
  void Attach(const std::string& bundle, const std::string& predicate_type) {
    Json b = *ParseJson(bundle, "bundle");
    const std::string type = b["mediaType"].get<std::string>();
    Digest bd = layout.Blob(bundle);
    Digest empty = layout.Blob("{}");
    Json annotations = {{"dev.sigstore.bundle.content", "dsse-envelope"},
                        {"dev.sigstore.bundle.predicateType", predicate_type}};
    std::string m = DumpJson(Json{
        {"schemaVersion", 2},
        {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
        {"artifactType", type},
        {"config",
         {{"mediaType", "application/vnd.oci.empty.v1+json"}, {"digest", empty.ToString()}, {"size", 2}}},
        {"layers", Json::array({Json{{"mediaType", type},
                                     {"digest", bd.ToString()},
                                     {"size", bundle.size()}}})},
        {"subject",
         {{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
          {"digest", image.ToString()},
          {"size", image_bytes.size()}}},
        {"annotations", annotations}});
    Digest md = layout.Blob(m);
    std::string fallback = DumpJson(Json{
        {"schemaVersion", 2},
        {"mediaType", "application/vnd.oci.image.index.v1+json"},
        {"manifests", Json::array({Json{{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                                        {"digest", md.ToString()},
                                        {"size", m.size()},
                                        {"artifactType", type},
                                        {"annotations", annotations}}})}});
    layout.Add("application/vnd.oci.image.index.v1+json", fallback, "sha256-" + image.Hex());
    layout.Finish();
  }
  std::string Ref() const { return "oci:" + layout.dir.path() + "@" + image.ToString(); }
};

// GitHub's own Sigstore instance signs with its Fulcio and stamps with its TSA, with no Rekor
// entry and no SCT; its trusted root lists no log and no CT log. The same shape here: sigstore-js
// with --no-tlog, verified against the mock's root without its tlogs and ctlogs. The policy's
// keyless authority and the identity flags accept it; the mock's full root, which lists a log,
// does not.
BOOST_AUTO_TEST_CASE(log_free_instance_attestation_verifies_on_an_image) {
  LayoutImage img;
  TempDir dir;
  const std::string provenance = "https://slsa.dev/provenance/v1";
  WriteText(dir.File("st.json"),
            R"({"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"app","digest":)"
            R"({"sha256":")" + img.image.Hex() + R"("}}],"predicateType":")" + provenance +
                R"(","predicate":{"buildDefinition":{"buildType":"https://example.test/b",)"
                R"("externalParameters":{}},"runDetails":{"builder":{"id":"https://example.test/builder"}}}})");
  RunResult js = testing::Run({"node", NodeScript("sigstore-bundle.mjs"), "keyless-attest",
                               dir.File("st.json"), dir.File("b.json"), "--url", Server().url(),
                               "--sub", kIdentity, "--no-tlog"});
  BOOST_REQUIRE_MESSAGE(js.exit_code == 0, js.out << js.err);
  img.Attach(testing::ReadText(dir.File("b.json")), provenance);

  Json root = *ParseJson(testing::ReadText(Server().root()), "root");
  root["tlogs"] = Json::array();
  root["ctlogs"] = Json::array();
  const std::string log_free = dir.File("log-free-root.json");
  WriteText(log_free, DumpJson(root));
  auto policy = [&](const std::string& trusted_root) {
    const std::string path = dir.File("policy.json");
    WriteText(path, R"({"version": 1, "authorities": {"ci": {"keyless": {"identity": ")" +
                        kIdentity + R"(", "issuer": ")" + kIssuer + R"(", "trustedRoot": ")" +
                        trusted_root + R"("}}},
      "policies": [{"name": "p", "scope": "*", "mode": "enforce",
                    "attestations": [{"type": "slsaprovenance", "authorities": ["ci"]}]}]})");
    return path;
  };
  RunResult ok = testing::Vouch({"verify", "--policy", policy(log_free), img.Ref()});
  BOOST_TEST(ok.exit_code == 0, ok.out << ok.err);
  BOOST_TEST(ok.out.find(kIdentity) != std::string::npos, ok.out);
  RunResult flags = testing::Vouch({"verify-attestation", img.Ref(), "--type", "slsaprovenance1",
                                    "--certificate-identity", kIdentity,
                                    "--certificate-oidc-issuer", kIssuer, "--trusted-root",
                                    log_free});
  BOOST_TEST(flags.exit_code == 0, flags.out << flags.err);

  RunResult with_log = testing::Vouch({"verify", "--policy", policy(Server().root()), img.Ref()});
  BOOST_TEST(with_log.exit_code == 1, with_log.out << with_log.err);
  BOOST_TEST(with_log.out.find("transparency log") != std::string::npos, with_log.out);
  RunResult flags_log = testing::Vouch({"verify-attestation", img.Ref(), "--type",
                                        "slsaprovenance1", "--certificate-identity", kIdentity,
                                        "--certificate-oidc-issuer", kIssuer, "--trusted-root",
                                        Server().root()});
  BOOST_TEST(flags_log.exit_code == 1, flags_log.out << flags_log.err);
}

// The mock Rekor logs a DSSE entry as the client proposed it ({"proposedContent": {envelope,
// verifiers}}) instead of Rekor's canonical dsse 0.0.1 body (payloadHash, envelopeHash,
// signatures). That body does not bind the bundle, so vouch rejects it, and so does sigstore-js
// (TLOG_BODY_ERROR "signature count mismatch"): both verifiers agree on the mock's DSSE bundles.
// (Real Rekor DSSE entries are covered by the conformance suite and the slsa-verifier layout.)
BOOST_AUTO_TEST_CASE(mock_dsse_entry_is_rejected_like_sigstore_js) {
  TempDir dir;
  std::string artifact = dir.File("app.bin");
  WriteText(artifact, "binary\n");
  std::string statement = dir.File("statement.json");
  WriteText(statement,
            R"({"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"app.bin","digest":)"
            R"({"sha256":")" +
                Digest::Of(AsBytes(std::string("binary\n"))).Hex() +
                R"("}}],"predicateType":"https://example.test/custom/v1","predicate":{}})");
  std::string bundle = dir.File("att.sigstore.json");
  RunResult js = testing::Run({"node", NodeScript("sigstore-bundle.mjs"), "keyless-attest",
                               statement, bundle, "--url", Server().url(), "--sub", kIdentity});
  BOOST_REQUIRE_MESSAGE(js.exit_code == 0, js.out << js.err);
  RunResult v = testing::Vouch({"verify-bundle", "--bundle", bundle, "--trusted-root",
                                Server().root(), "--certificate-identity", kIdentity,
                                "--certificate-oidc-issuer", kIssuer, artifact});
  BOOST_TEST(v.exit_code == 1, v.out << v.err);
  BOOST_TEST(v.err.find("dsse 0.0.1 body") != std::string::npos, v.err);
  RunResult js_verify = testing::Run({"node", NodeScript("sigstore-bundle.mjs"), "verify", bundle,
                                      "--trusted-root", Server().root()});
  BOOST_TEST(js_verify.exit_code == 1, js_verify.out << js_verify.err);
  BOOST_TEST(js_verify.out.find("REJECTED") == 0u, js_verify.out);
}

// TsaNotationPki is a NotationPki whose blob and OCI trust policies trust its CA and, through
// a `tsa:mock` store, the mock TSA's root (taken from the server's trusted root), with
// verifyTimestamp always.
struct TsaNotationPki : testing::NotationPki {
  TsaNotationPki() {
    // The TSA's root is the last certificate of the trusted root's TSA chain.
    Json root = *ParseJson(testing::ReadText(Server().root()), "root");
    const Json& certs = root["timestampAuthorities"][0]["certChain"]["certificates"];
    BOOST_REQUIRE(certs.is_array() && !certs.empty());
    Result<Bytes> der = Base64Decode(certs.back()["rawBytes"].get<std::string>());
    BOOST_REQUIRE(der.ok());
    WriteText(dir.File("tsa-root.der"), std::string(der->begin(), der->end()));
    Openssl({"x509", "-inform", "DER", "-in", dir.File("tsa-root.der"), "-out",
             dir.File("tsa-root.pem")});
    AddToStore("tsa", "mock", testing::ReadText(dir.File("tsa-root.pem")));

    const std::string statement = R"("signatureVerification": {"level": "strict",
      "verifyTimestamp": "always"}, "trustStores": ["ca:acme", "tsa:mock"],
      "trustedIdentities": ["*"]}]})";
    WriteText(notation_dir + "/trustpolicy.blob.json",
              R"({"version": "1.0", "trustPolicies": [{"name": "release", "globalPolicy": true,
              )" + statement);
    WriteText(notation_dir + "/trustpolicy.oci.json",
              R"({"version": "1.0", "trustPolicies": [{"name": "release",
              "registryScopes": ["*"], )" + statement);
  }

  static std::string TsaUrl() { return Server().url() + "/api/v1/timestamp"; }
};

// `vouch sign-blob --format notation-* --timestamp-url` against the mock TSA: the envelope
// carries the TSA's token, and verify-notation with a tsa store and verifyTimestamp always
// verifies it and reports the timestamp.
BOOST_AUTO_TEST_CASE(notation_blob_signatures_timestamped_by_the_mock_tsa_verify) {
  TsaNotationPki pki;
  for (const std::string ext : {"jws", "cose"}) {
    BOOST_TEST_CONTEXT(ext) {
      const std::string file = pki.dir.File("app-" + ext + ".tar");
      WriteText(file, "artifact " + ext);
      RunResult s = testing::Vouch({"sign-blob", file, "--key", pki.key, "--cert-chain",
                                    pki.chain, "--format", "notation-" + ext, "--timestamp-url",
                                    TsaNotationPki::TsaUrl()});
      BOOST_REQUIRE_MESSAGE(s.exit_code == 0, s.err);
      BOOST_TEST(s.err.find("timestamped by " + TsaNotationPki::TsaUrl()) != std::string::npos,
                 s.err);
      RunResult v = testing::Vouch({"verify-notation", "--signature", file + "." + ext + ".sig",
                                    "--notation-dir", pki.notation_dir, "-o", "json", file});
      BOOST_TEST(v.exit_code == 0, v.out << v.err);
      Json j = *ParseJson(v.out, "verify-notation output");
      BOOST_TEST(j["verified"] == true, v.out);
      BOOST_TEST((j.contains("timestamp") && j["timestamp"].is_string()), v.out);
    }
  }
  // Without a timestamp, verifyTimestamp always has nothing to verify: the same policy refuses.
  const std::string bare = pki.dir.File("bare.tar");
  WriteText(bare, "no timestamp");
  RunResult s = testing::Vouch({"sign-blob", bare, "--key", pki.key, "--cert-chain", pki.chain,
                                "--format", "notation-jws"});
  BOOST_REQUIRE_MESSAGE(s.exit_code == 0, s.err);
  RunResult v = testing::Vouch({"verify-notation", "--signature", bare + ".jws.sig",
                                "--notation-dir", pki.notation_dir, "-o", "json", bare});
  BOOST_TEST(v.exit_code == 1, v.out << v.err);
  Json j = *ParseJson(v.out, "verify-notation output");
  BOOST_TEST(j["failingCheck"] == "authenticTimestamp", v.out);
}

// `vouch sign --format notation-cose --timestamp-url` on an OCI layout: the referrer's envelope
// is timestamped and `vouch verify --notation` accepts it under verifyTimestamp always; a TSA
// that refuses connections fails the signing with exit 3 and adds no referrer.
BOOST_AUTO_TEST_CASE(notation_image_signatures_timestamped_by_the_mock_tsa_verify) {
  TsaNotationPki pki;
  LayoutImage img;
  const std::string index_before = testing::ReadText(img.layout.dir.File("index.json"));
  int port = 0;
  int fd = testing::ListenOnLoopback(port);
  close(fd);  // refused from now on
  const std::string dead = "http://127.0.0.1:" + std::to_string(port) + "/api/v1/timestamp";
  RunResult down = testing::Vouch({"sign", img.Ref(), "--key", pki.key, "--cert-chain",
                                   pki.chain, "--format", "notation-cose", "--timestamp-url",
                                   dead});
  BOOST_TEST(down.exit_code == 3, down.err);
  BOOST_TEST(down.err.find("timestamp authority " + dead) != std::string::npos, down.err);
  BOOST_TEST(testing::ReadText(img.layout.dir.File("index.json")) == index_before);

  RunResult s = testing::Vouch({"sign", img.Ref(), "--key", pki.key, "--cert-chain", pki.chain,
                                "--format", "notation-cose", "--timestamp-url",
                                TsaNotationPki::TsaUrl()});
  BOOST_REQUIRE_MESSAGE(s.exit_code == 0, s.out << s.err);
  RunResult v = testing::Vouch(
      {"verify", img.Ref(), "--notation", "--notation-dir", pki.notation_dir});
  BOOST_TEST(v.exit_code == 0, v.out << v.err);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch
