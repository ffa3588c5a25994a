// vouch's Rekor and TSA clients (sign::UploadToLog, sign::RequestSignedTimestamp) against the
// loopback mock Sigstore services (mock_server.h). A blob signed with a fresh key, logged in
// Rekor v1 and timestamped, makes a bundle that the vouch binary and sigstore-js both verify
// offline from the mock's trusted root, and both reject for another artifact.
//
// The mock (@sigstore/mock dist/rekor/tlog.js) only logs hashedrekord 0.0.1 faithfully: a v1
// dsse proposal is logged as proposed (not canonicalized into hashes and signatures, see
// keyless_test.cc mock_dsse_entry_is_rejected_like_sigstore_js), and a v2 body is the
// canonicalized request object, not a Rekor v2 entry. Those replies record no signature where
// Rekor puts it, so UploadToLog refuses them (kUnavailable), as it must a real log's reply for
// other content; for them the tests check, through a recording transport, that the mock took
// the request (2xx) and answered with an entry of the right shape.
#include "vouch/sign/rekor.h"

#include <boost/test/unit_test.hpp>
#include <memory>
#include <string>
#include <vector>

#include "core/internal/json.h"
#include "testutil/sigstore_mock.h"
#include "testutil/testutil.h"
#include "vouch/attest/bundle.h"
#include "vouch/attest/dsse.h"
#include "vouch/core/digest.h"
#include "vouch/keys/certificates.h"
#include "vouch/keys/keys.h"
#include "vouch/registry/transport.h"
#include "vouch/sign/timestamp.h"

namespace vouch {
namespace {

using testing::MockServerFixture;
using testing::NodeScript;
using testing::RunResult;
using testing::Server;
using testing::TempDir;
using testing::WriteText;

// RecordingTransport passes exchanges to curl and keeps the last response.
class RecordingTransport final : public registry::Transport {
 public:
  Result<registry::HttpResponse> RoundTrip(const registry::HttpRequest& request) override {
    Result<registry::HttpResponse> r = inner_->RoundTrip(request);
    if (r.ok()) {
      last = *r;
    }
    return r;
  }
  registry::HttpResponse last;

 private:
  std::unique_ptr<registry::Transport> inner_ =
      registry::NewCurlTransport(registry::CurlTransportOptions{});
};

sign::ServiceEndpoint Rekor(uint32_t api) { return {Server().url(), api, ""}; }

const std::string kIdentity = "https://example.test/ci/release.yml@refs/heads/main";
const std::string kIssuer = "https://fake.oidcissuer.example";

// KeySigned is a blob signed with a fresh P-256 key, and the files the verifiers read. With a
// certificate (Certify), the bundle names the signer by it instead of by the key's hint.
struct KeySigned {
  TempDir dir;
  std::unique_ptr<keys::Signer> key = keys::Generate(keys::KeyAlgorithm::kEcdsaP256).value();
  std::string content = "release artifact\n";
  Digest digest = Digest::Of(AsBytes(content));
  Bytes signature = key->SignDigest(digest).value();
  attest::Bundle bundle = attest::MakeKeySignedBundle(key->PublicKey(), digest, signature);
  std::string artifact = dir.File("app.txt");
  std::string pub = dir.File("pub.pem");
  std::string bundle_file = dir.File("app.sigstore.json");

  KeySigned() {
    WriteText(artifact, content);
    WriteText(pub, key->PublicKey().ToPem());
  }
  Bytes certificate;  // DER leaf; empty: the key is the verification material

  sign::LogVerifier Verifier() const { return {&key->PublicKey(), certificate}; }
  void Certify(registry::Transport& t);
  void Write() const {
    Result<std::string> text = attest::SerializeBundle(bundle);
    BOOST_REQUIRE_MESSAGE(text.ok(), text.status().ToString());
    WriteText(bundle_file, *text);
  }
  RunResult VouchVerify(const std::string& file) const {
    std::vector<std::string> args = {"verify-bundle", "--bundle", bundle_file, "--trusted-root",
                                     Server().root()};
    std::vector<std::string> signer = {"--key", pub};
    if (!certificate.empty()) {
      signer = {"--certificate-identity", kIdentity, "--certificate-oidc-issuer", kIssuer};
    }
    args.insert(args.end(), signer.begin(), signer.end());
    args.push_back(file);
    return testing::Vouch(args);
  }
  // SigstoreJsVerify verifies with sigstore-js, requiring |tlogs| log entries and one verified
  // time (and, for a certificate, its SCT and identity). sigstore-js counts a log entry's
  // integrated time as a verified time, so the TSA's timestamp is required only with tlogs 0.
  RunResult SigstoreJsVerify(const std::string& file, const std::string& tlogs = "1") const {
    std::vector<std::string> argv = {"node",
                                     NodeScript("sigstore-bundle.mjs"),
                                     "verify",
                                     bundle_file,
                                     "--blob",
                                     file,
                                     "--trusted-root",
                                     Server().root(),
                                     "--tlog-threshold",
                                     tlogs,
                                     "--ts-threshold",
                                     "1"};
    std::vector<std::string> signer = {"--pubkey", pub, "--hint",
                                       attest::PublicKeyHint(key->PublicKey())};
    if (!certificate.empty()) {
      signer = {"--identity-uri", kIdentity, "--issuer", kIssuer, "--ctlog-threshold", "1"};
    }
    argv.insert(argv.end(), signer.begin(), signer.end());
    return testing::Run(argv);
  }
};

std::string B64Url(const std::string& s) { return Base64UrlEncode(AsBytes(s)); }

// Certify obtains a leaf certificate for the key from the mock Fulcio, which takes an unsigned
// JWT (alg none) and certifies its `sub` as a URI SAN and its `iss` as the issuer. (vouch's
// Fulcio client is tested on its own; this only needs a certificate.)
void KeySigned::Certify(registry::Transport& t) {
  const std::string jwt =
      B64Url(R"({"alg":"none","typ":"JWT"})") + "." +
      B64Url(DumpJson(Json{{"iss", kIssuer}, {"sub", kIdentity}, {"aud", "sigstore"}})) + ".";
  registry::HttpRequest req;
  req.method = "POST";
  req.url = Server().url() + "/api/v2/signingCert";
  req.headers.Add("Content-Type", "application/json");
  req.body = ToBytes(DumpJson(
      Json{{"credentials", {{"oidcIdentityToken", jwt}}},
           {"publicKeyRequest",
            {{"publicKey", {{"algorithm", "ECDSA"}, {"content", key->PublicKey().ToPem()}}},
             {"proofOfPossession", ""}}}}));
  Result<registry::HttpResponse> resp = t.RoundTrip(req);
  BOOST_REQUIRE_MESSAGE(resp.ok() && resp->status == 201,
                        (resp.ok() ? ToString(resp->body) : resp.status().ToString()));
  Json reply = *ParseJson(AsChars(resp->body), "fulcio reply");
  const std::string leaf_pem =
      reply["signedCertificateEmbeddedSct"]["chain"]["certificates"][0].get<std::string>();
  Result<std::vector<Bytes>> der = keys::ParsePemCertificates(leaf_pem, "leaf");
  BOOST_REQUIRE_MESSAGE(der.ok(), der.status().ToString());
  certificate = (*der)[0];
  bundle.verification_material.kind = attest::VerificationMaterial::Kind::kCertificate;
  bundle.verification_material.public_key_hint.clear();
  bundle.verification_material.certificates = {certificate};
}

// LogAndStamp logs |s| in Rekor v1 and timestamps its signature, into its bundle file.
void LogAndStamp(KeySigned& s, registry::Transport& t) {
  Result<attest::TlogEntry> entry = sign::UploadToLog(t, Rekor(1), s.bundle, s.Verifier());
  BOOST_REQUIRE_MESSAGE(entry.ok(), entry.status().ToString());
  BOOST_TEST(entry->kind == "hashedrekord");
  BOOST_TEST(entry->kind_version == "0.0.1");
  BOOST_TEST(entry->integrated_time > 0);
  // A time sigstore-js can parse (SigstoreJsParsesTime): a few tries at most.
  Result<Bytes> ts = Bytes();
  for (int tries = 0; tries < 10; ++tries) {
    ts = sign::RequestSignedTimestamp(t, Server().url() + "/api/v1/timestamp", s.signature);
    BOOST_REQUIRE_MESSAGE(ts.ok(), ts.status().ToString());
    if (testing::SigstoreJsParsesTime(*ts)) {
      break;
    }
  }
  s.bundle.verification_material.tlog_entries = {*entry};
  s.bundle.verification_material.timestamp_verification_data = DumpJson(
      Json{{"rfc3161Timestamps", Json::array({{{"signedTimestamp", Base64Encode(*ts)}}})}});
  s.Write();
}

// ExpectBothVerify: vouch and sigstore-js accept the bundle for the artifact and reject it for
// another one.
void ExpectBothVerify(const KeySigned& s) {
  RunResult v = s.VouchVerify(s.artifact);
  BOOST_TEST(v.exit_code == 0, v.out << v.err);
  BOOST_TEST(v.out.find("Verified OK") == 0u, v.out);
  RunResult js = s.SigstoreJsVerify(s.artifact);
  BOOST_TEST(js.exit_code == 0, js.out << js.err);
  BOOST_TEST(js.out.find("VERIFIED") == 0u, js.out);

  const std::string tampered = s.dir.File("tampered.txt");
  WriteText(tampered, "release artifacT\n");
  RunResult vt = s.VouchVerify(tampered);
  BOOST_TEST(vt.exit_code == 1, vt.out << vt.err);
  RunResult jst = s.SigstoreJsVerify(tampered);
  BOOST_TEST(jst.exit_code == 1, jst.out << jst.err);
  BOOST_TEST(jst.out.find("REJECTED") == 0u, jst.out);
}

// Reply parses the last reply |t| recorded, after checking the mock took the request.
Json Reply(const RecordingTransport& t) {
  BOOST_TEST((t.last.status >= 200 && t.last.status <= 299), "HTTP status " << t.last.status);
  Result<Json> j = ParseJson(AsChars(t.last.body), "reply");
  BOOST_REQUIRE_MESSAGE(j.ok(), j.status().ToString());
  return *j;
}

// MockLogId is the logId.keyId of the mock's log in its trusted root.
std::string MockLogId() {
  Json root = *ParseJson(testing::ReadText(Server().root()), "root");
  return root["tlogs"][0]["logId"]["keyId"].get<std::string>();
}

BOOST_AUTO_TEST_SUITE(rekor_client, *boost::unit_test::fixture<MockServerFixture>())

BOOST_AUTO_TEST_CASE(v1_hashedrekord_with_a_key_and_a_timestamp_verifies_with_both) {
  KeySigned s;
  RecordingTransport t;
  LogAndStamp(s, t);
  ExpectBothVerify(s);
}

// Keyless: the entry records the Fulcio certificate (PEM), and both verifiers check the
// identity, the SCT, the log entry and the timestamp.
BOOST_AUTO_TEST_CASE(v1_hashedrekord_with_a_fulcio_certificate_verifies_with_both) {
  KeySigned s;
  RecordingTransport t;
  s.Certify(t);
  LogAndStamp(s, t);
  ExpectBothVerify(s);
  Json entry = *ParseJson(s.bundle.verification_material.tlog_entries[0].json, "entry");
  Json body = *ParseJson(
      AsChars(Base64Decode(entry["canonicalizedBody"].get<std::string>()).value()), "body");
  const std::string pem = ToString(
      Base64Decode(body["spec"]["signature"]["publicKey"]["content"].get<std::string>()).value());
  BOOST_TEST(pem.find("-----BEGIN CERTIFICATE-----") == 0u, pem);
}

// Both verifiers look at what the clients returned: without the entry sigstore-js (tlog
// threshold 1) rejects; the timestamp alone satisfies it with a tlog threshold of 0, unless its
// signature is broken, which vouch rejects too; a corrupted checkpoint fails vouch.
BOOST_AUTO_TEST_CASE(the_entry_and_the_timestamp_are_what_the_verifiers_check) {
  KeySigned s;
  RecordingTransport t;
  LogAndStamp(s, t);
  const attest::TlogEntry entry = s.bundle.verification_material.tlog_entries[0];
  const std::string tvd = s.bundle.verification_material.timestamp_verification_data;

  s.bundle.verification_material.tlog_entries.clear();  // the timestamp alone
  s.Write();
  RunResult no_entry = s.SigstoreJsVerify(s.artifact);
  BOOST_TEST(no_entry.exit_code == 1, no_entry.out << no_entry.err);
  RunResult ts_only = s.SigstoreJsVerify(s.artifact, "0");
  BOOST_TEST(ts_only.exit_code == 0, ts_only.out << ts_only.err);

  // The token's last byte is its CMS signature's: the timestamp no longer verifies.
  Json j = *ParseJson(tvd, "tvd");
  Bytes token =
      Base64Decode(j["rfc3161Timestamps"][0]["signedTimestamp"].get<std::string>()).value();
  token.back() ^= 1;
  j["rfc3161Timestamps"][0]["signedTimestamp"] = Base64Encode(token);
  s.bundle.verification_material.timestamp_verification_data = DumpJson(j);
  s.Write();
  RunResult js_bad_ts = s.SigstoreJsVerify(s.artifact, "0");
  BOOST_TEST(js_bad_ts.exit_code == 1, js_bad_ts.out << js_bad_ts.err);
  s.bundle.verification_material.tlog_entries = {entry};
  s.Write();
  RunResult vouch_bad_ts = s.VouchVerify(s.artifact);
  BOOST_TEST(vouch_bad_ts.exit_code == 1, vouch_bad_ts.out << vouch_bad_ts.err);

  attest::TlogEntry bad = entry;
  Json e = *ParseJson(bad.json, "entry");
  std::string cp = e["inclusionProof"]["checkpoint"]["envelope"].get<std::string>();
  cp[0] = cp[0] == 'x' ? 'y' : 'x';  // the origin line: the checkpoint signature breaks
  e["inclusionProof"]["checkpoint"]["envelope"] = cp;
  bad.json = DumpJson(e);
  s.bundle.verification_material.tlog_entries = {bad};
  s.bundle.verification_material.timestamp_verification_data = tvd;
  s.Write();
  RunResult broken = s.VouchVerify(s.artifact);
  BOOST_TEST(broken.exit_code == 1, broken.out << broken.err);
  BOOST_TEST(broken.err.find("checkpoint") != std::string::npos, broken.err);
}

BOOST_AUTO_TEST_CASE(v1_dsse_is_accepted_by_the_mock_but_logged_as_proposed) {
  KeySigned s;
  s.bundle.content = attest::SignEnvelope("application/vnd.in-toto+json",
                                          AsBytes(std::string("{\"_type\":\"x\"}")), *s.key)
                         .value();
  RecordingTransport t;
  Result<attest::TlogEntry> entry = sign::UploadToLog(t, Rekor(1), s.bundle, s.Verifier());
  BOOST_TEST(IsUnavailable(entry.status()), entry.status().ToString());
  BOOST_TEST(
      entry.status().message().find("does not record the bundle's signature") != std::string::npos,
      entry.status().message());

  Json reply = Reply(t);
  BOOST_REQUIRE(reply.is_object() && reply.size() == 1u);
  const Json& e = reply.begin().value();
  Json body = *ParseJson(AsChars(Base64Decode(e["body"].get<std::string>()).value()), "body");
  BOOST_TEST(body["kind"] == "dsse");
  BOOST_TEST(body["apiVersion"] == "0.0.1");
  BOOST_TEST(body["spec"].contains("proposedContent"));  // the mock's limitation
  BOOST_TEST(e["integratedTime"].is_number_integer());
  BOOST_TEST(e["logIndex"].is_number_integer());
  BOOST_TEST(Base64Encode(HexDecode(e["logID"].get<std::string>()).value()) == MockLogId());
  BOOST_TEST(e["verification"]["signedEntryTimestamp"].is_string());
  BOOST_TEST(e["verification"]["inclusionProof"]["checkpoint"].is_string());
}

BOOST_AUTO_TEST_CASE(v2_requests_are_accepted_by_the_mock_with_entries_of_their_kind) {
  KeySigned s;
  attest::Bundle dsse = s.bundle;
  dsse.content = attest::SignEnvelope("application/vnd.in-toto+json",
                                      AsBytes(std::string("{\"_type\":\"x\"}")), *s.key)
                     .value();
  for (const auto& [bundle, kind] : std::vector<std::pair<attest::Bundle, std::string>>{
           {s.bundle, "hashedrekord"}, {dsse, "dsse"}}) {
    BOOST_TEST_CONTEXT(kind) {
      RecordingTransport t;
      Result<attest::TlogEntry> entry = sign::UploadToLog(t, Rekor(2), bundle, s.Verifier());
      BOOST_TEST(IsUnavailable(entry.status()), entry.status().ToString());
      BOOST_TEST(
          entry.status().message().find("is not a " + kind + " 0.0.2 entry") != std::string::npos,
          entry.status().message());

      Json reply = Reply(t);
      BOOST_TEST(reply["kindVersion"]["kind"] == kind);
      BOOST_TEST(reply["kindVersion"]["version"] == "0.0.2");
      BOOST_TEST(reply["logId"]["keyId"] == MockLogId());
      BOOST_TEST(reply["logIndex"].is_string());
      BOOST_TEST(reply["canonicalizedBody"].is_string());
      BOOST_TEST(reply["inclusionProof"]["treeSize"].is_string());
      BOOST_TEST(reply["inclusionProof"]["rootHash"].is_string());
      BOOST_TEST(reply["inclusionProof"]["checkpoint"]["envelope"].is_string());
      BOOST_TEST(!reply.contains("inclusionPromise"));
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch
