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
#include <boost/test/unit_test.hpp>
#include <memory>
#include <string>
#include <vector>

#include "core/internal/json.h"
#include "mock_server.h"
#include "testutil/testutil.h"
#include "vouch/attest/bundle.h"
#include "vouch/attest/dsse.h"
#include "vouch/core/digest.h"
#include "vouch/keys/keys.h"
#include "vouch/registry/transport.h"
#include "vouch/sign/rekor.h"
#include "vouch/sign/timestamp.h"

namespace vouch {
namespace {

using testing::MockServer;
using testing::NodeScript;
using testing::RunResult;
using testing::TempDir;
using testing::WriteText;

MockServer* g_mock = nullptr;

struct MockFixture {
  MockFixture() { g_mock = new MockServer(); }
  ~MockFixture() {
    delete g_mock;
    g_mock = nullptr;
  }
};

const MockServer& Mock() {
  BOOST_REQUIRE_MESSAGE(g_mock != nullptr, "the mock server is not running");
  return *g_mock;
}

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

// KeySigned is a blob signed with a fresh P-256 key, and the files the verifiers read.
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
  sign::LogVerifier Verifier() const { return {&key->PublicKey(), {}}; }
  void Write() const {
    Result<std::string> text = attest::SerializeBundle(bundle);
    BOOST_REQUIRE_MESSAGE(text.ok(), text.status().ToString());
    WriteText(bundle_file, *text);
  }
  RunResult VouchVerify(const std::string& file) const {
    return testing::Vouch({"verify-bundle", "--bundle", bundle_file, "--key", pub,
                           "--trusted-root", Mock().root(), file});
  }
  // SigstoreJsVerify verifies with sigstore-js, requiring one log entry and one timestamp.
  RunResult SigstoreJsVerify(const std::string& file) const {
    return testing::Run({"node", NodeScript("sigstore-bundle.mjs"), "verify", bundle_file, "--blob",
                         file, "--trusted-root", Mock().root(), "--pubkey", pub, "--hint",
                         attest::PublicKeyHint(key->PublicKey()), "--tlog-threshold", "1",
                         "--ts-threshold", "1"});
  }
};

sign::ServiceEndpoint Rekor(uint32_t api) { return {Mock().url(), api, ""}; }

// Reply parses the last reply |t| recorded, after checking the mock took the request.
Json Reply(const RecordingTransport& t) {
  BOOST_TEST((t.last.status >= 200 && t.last.status <= 299), "HTTP status " << t.last.status);
  Result<Json> j = ParseJson(AsChars(t.last.body), "reply");
  BOOST_REQUIRE_MESSAGE(j.ok(), j.status().ToString());
  return *j;
}

// MockLogId is the logId.keyId of the mock's log in its trusted root.
std::string MockLogId() {
  Json root = *ParseJson(testing::ReadText(Mock().root()), "root");
  return root["tlogs"][0]["logId"]["keyId"].get<std::string>();
}

BOOST_AUTO_TEST_SUITE(rekor_client, *boost::unit_test::fixture<MockFixture>())

BOOST_AUTO_TEST_CASE(v1_hashedrekord_with_a_timestamp_verifies_with_vouch_and_sigstore_js) {
  KeySigned s;
  RecordingTransport t;
  Result<attest::TlogEntry> entry = sign::UploadToLog(t, Rekor(1), s.bundle, s.Verifier());
  BOOST_REQUIRE_MESSAGE(entry.ok(), entry.status().ToString());
  BOOST_TEST(entry->kind == "hashedrekord");
  BOOST_TEST(entry->kind_version == "0.0.1");
  BOOST_TEST(entry->integrated_time > 0);
  Result<Bytes> ts =
      sign::RequestSignedTimestamp(t, Mock().url() + "/api/v1/timestamp", s.signature);
  BOOST_REQUIRE_MESSAGE(ts.ok(), ts.status().ToString());
  s.bundle.verification_material.tlog_entries = {*entry};
  s.bundle.verification_material.timestamp_verification_data =
      DumpJson(Json{{"rfc3161Timestamps", Json::array({{{"signedTimestamp", Base64Encode(*ts)}}})}});
  s.Write();

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

// Both verifiers look at the entry and the timestamp: without the entry sigstore-js (tlog
// threshold 1) rejects, a corrupted checkpoint fails vouch, and without the timestamp
// sigstore-js (timestamp threshold 1) rejects.
BOOST_AUTO_TEST_CASE(the_entry_and_the_timestamp_are_what_the_verifiers_check) {
  KeySigned s;
  RecordingTransport t;
  Result<attest::TlogEntry> entry = sign::UploadToLog(t, Rekor(1), s.bundle, s.Verifier());
  BOOST_REQUIRE_MESSAGE(entry.ok(), entry.status().ToString());
  Result<Bytes> ts =
      sign::RequestSignedTimestamp(t, Mock().url() + "/api/v1/timestamp", s.signature);
  BOOST_REQUIRE_MESSAGE(ts.ok(), ts.status().ToString());
  const std::string tvd =
      DumpJson(Json{{"rfc3161Timestamps", Json::array({{{"signedTimestamp", Base64Encode(*ts)}}})}});

  s.bundle.verification_material.timestamp_verification_data = tvd;
  s.Write();
  RunResult no_entry = s.SigstoreJsVerify(s.artifact);
  BOOST_TEST(no_entry.exit_code == 1, no_entry.out << no_entry.err);

  attest::TlogEntry bad = *entry;
  Json j = *ParseJson(bad.json, "entry");
  std::string cp = j["inclusionProof"]["checkpoint"]["envelope"].get<std::string>();
  cp[0] = cp[0] == 'x' ? 'y' : 'x';  // the origin line: the checkpoint signature breaks
  j["inclusionProof"]["checkpoint"]["envelope"] = cp;
  bad.json = DumpJson(j);
  s.bundle.verification_material.tlog_entries = {bad};
  s.Write();
  RunResult broken = s.VouchVerify(s.artifact);
  BOOST_TEST(broken.exit_code == 1, broken.out << broken.err);
  BOOST_TEST(broken.err.find("checkpoint") != std::string::npos, broken.err);

  s.bundle.verification_material.tlog_entries = {*entry};
  s.bundle.verification_material.timestamp_verification_data.clear();
  s.Write();
  RunResult no_ts = s.SigstoreJsVerify(s.artifact);
  BOOST_TEST(no_ts.exit_code == 1, no_ts.out << no_ts.err);
  RunResult vouch_no_ts = s.VouchVerify(s.artifact);
  BOOST_TEST(vouch_no_ts.exit_code == 0, vouch_no_ts.out << vouch_no_ts.err);
}

BOOST_AUTO_TEST_CASE(v1_dsse_is_accepted_by_the_mock_but_logged_as_proposed) {
  KeySigned s;
  s.bundle.content = attest::SignEnvelope("application/vnd.in-toto+json",
                                          AsBytes(std::string("{\"_type\":\"x\"}")), *s.key)
                         .value();
  RecordingTransport t;
  Result<attest::TlogEntry> entry = sign::UploadToLog(t, Rekor(1), s.bundle, s.Verifier());
  BOOST_TEST(IsUnavailable(entry.status()), entry.status().ToString());
  BOOST_TEST(entry.status().message().find("does not record the bundle's signature") !=
                 std::string::npos,
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
  for (const auto& [bundle, kind] :
       std::vector<std::pair<attest::Bundle, std::string>>{{s.bundle, "hashedrekord"},
                                                           {dsse, "dsse"}}) {
    BOOST_TEST_CONTEXT(kind) {
      RecordingTransport t;
      Result<attest::TlogEntry> entry = sign::UploadToLog(t, Rekor(2), bundle, s.Verifier());
      BOOST_TEST(IsUnavailable(entry.status()), entry.status().ToString());
      BOOST_TEST(entry.status().message().find("is not a " + kind + " 0.0.2 entry") !=
                     std::string::npos,
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
