// sign::UploadToLog behind a fake transport: the exact request it sends to Rekor v1 and v2 for
// message signatures and DSSE envelopes, with a key or a certificate; how a reply becomes the
// bundle's TransparencyLogEntry (v1 hex to base64, int64 as strings) that round-trips through
// the bundle writer; and each reply it refuses, named by the log's URL. The mock Sigstore server
// on loopback is the other side in tests/keyless (rekor_test.cc).
#include <boost/test/unit_test.hpp>
#include <functional>
#include <string>

#include "core/internal/json.h"
#include "testutil/fake_transport.h"
#include "vouch/attest/bundle.h"
#include "vouch/attest/dsse.h"
#include "vouch/keys/keys.h"
#include "vouch/sign/rekor.h"

namespace vouch::sign {
namespace {

const std::string kUrl = "http://rekor.test";

using testing::FakeTransport;

registry::HttpResponse Reply(int status, const std::string& body) {
  return testing::HttpReply(status, ToBytes(body));
}

Json RequestJson(const registry::HttpRequest& r) { return *ParseJson(AsChars(r.body), "request"); }

const Bytes kLogId(32, 0xab);
const Bytes kRoot(32, 0x11);
const Bytes kSibling(32, 0x22);
const std::string kCheckpoint =
    "rekor.test - 42\n10\nERERERERERERERERERERERERERERERERERERERERERE=\n\n"
    "\xE2\x80\x94 rekor.test q80AAQ==\n";

// V1Reply is Rekor v1's LogEntry for |body| (hex log id, root and hashes; numbers as numbers).
std::string V1Reply(const std::string& body) {
  Json proof = {{"logIndex", 7},
                {"rootHash", HexEncode(kRoot)},
                {"treeSize", 10},
                {"hashes", Json::array({HexEncode(kSibling)})},
                {"checkpoint", kCheckpoint}};
  Json entry = {{"body", Base64Encode(AsBytes(body))},
                {"integratedTime", 1700000000},
                {"logID", HexEncode(kLogId)},
                {"logIndex", 123456},
                {"verification",
                 {{"signedEntryTimestamp", Base64Encode(AsBytes(std::string("SET")))},
                  {"inclusionProof", proof}}}};
  return DumpJson(Json{{"24296fb24b8ad77a" + std::string(48, '0'), entry}});
}

// V2Reply is Rekor v2's TransparencyLogEntry (protobuf JSON) for |body|.
std::string V2Reply(const std::string& kind, const std::string& body) {
  return DumpJson(Json{{"logIndex", "99"},
                       {"logId", {{"keyId", Base64Encode(kLogId)}}},
                       {"kindVersion", {{"kind", kind}, {"version", "0.0.2"}}},
                       {"canonicalizedBody", Base64Encode(AsBytes(body))},
                       {"inclusionProof",
                        {{"logIndex", "99"},
                         {"rootHash", Base64Encode(kRoot)},
                         {"treeSize", "100"},
                         {"hashes", Json::array({Base64Encode(kSibling)})},
                         {"checkpoint", {{"envelope", kCheckpoint}}}}}});
}

// Signing is a key, an artifact digest, and the bundles of a message signature and an envelope.
struct Signing {
  std::unique_ptr<keys::Signer> key = keys::Generate(keys::KeyAlgorithm::kEcdsaP256).value();
  Digest digest = Digest::Of(AsBytes(std::string("artifact")));
  Bytes signature = key->SignDigest(digest).value();
  attest::Bundle message = attest::MakeKeySignedBundle(key->PublicKey(), digest, signature);
  attest::Bundle dsse = DsseBundle();
  LogVerifier verifier{&key->PublicKey(), {}};

  attest::Bundle DsseBundle() const {
    attest::Bundle b = attest::MakeKeySignedBundle(key->PublicKey(), digest, signature);
    b.content = attest::SignEnvelope("application/vnd.in-toto+json",
                                     AsBytes(std::string("{\"_type\":\"x\"}")), *key)
                    .value();
    return b;
  }
  Bytes DsseSig() const { return std::get<attest::DsseEnvelope>(dsse.content).signatures[0].sig; }
  std::string KeyPemB64() const { return Base64Encode(AsBytes(key->PublicKey().ToPem())); }
};

// HashedRekordV1Body is the canonical body Rekor v1 logs for a hashedrekord request: the
// request itself, keys sorted.
std::string HashedRekordV1Body(const registry::HttpRequest& r) { return DumpJson(RequestJson(r)); }

Result<attest::TlogEntry> Upload(FakeTransport& t, const attest::Bundle& b, const LogVerifier& v,
                                 uint32_t api = 1) {
  return UploadToLog(t, ServiceEndpoint{kUrl, api, ""}, b, v);
}

void ExpectError(const Result<attest::TlogEntry>& r, ErrorCode code, const std::string& reason) {
  BOOST_TEST(!r.ok());
  BOOST_TEST(static_cast<int>(r.status().code()) == static_cast<int>(code), r.status().ToString());
  BOOST_TEST(r.status().message().find("transparency log " + kUrl) == 0u, r.status().message());
  BOOST_TEST(r.status().message().find(reason) != std::string::npos,
             "\"" << r.status().message() << "\" lacks \"" << reason << "\"");
}

BOOST_AUTO_TEST_SUITE(rekor_client)

BOOST_AUTO_TEST_CASE(v1_hashedrekord_with_a_key_posts_the_entry_and_converts_the_reply) {
  Signing s;
  FakeTransport t(
      [](const registry::HttpRequest& r) { return Reply(201, V1Reply(HashedRekordV1Body(r))); });
  Result<attest::TlogEntry> e = Upload(t, s.message, s.verifier);
  BOOST_REQUIRE_MESSAGE(e.ok(), e.status().ToString());

  BOOST_TEST(t.last.method == "POST");
  BOOST_TEST(t.last.url == kUrl + "/api/v1/log/entries");
  BOOST_TEST(t.last.headers.Get("Content-Type").value_or("") == "application/json");
  BOOST_TEST(t.last.max_response_bytes == kMaxRekorReplySize);
  const std::string want_request =
      R"({"apiVersion":"0.0.1","kind":"hashedrekord","spec":{"data":{"hash":{"algorithm":"sha256",)"
      R"("value":")" +
      s.digest.Hex() + R"("}},"signature":{"content":")" + Base64Encode(s.signature) +
      R"(","publicKey":{"content":")" + s.KeyPemB64() + R"("}}}})";
  BOOST_TEST(ToString(t.last.body) == want_request);

  BOOST_TEST(e->log_index == 123456);
  BOOST_TEST(e->integrated_time == 1700000000);
  BOOST_TEST(e->kind == "hashedrekord");
  BOOST_TEST(e->kind_version == "0.0.1");
  const std::string want_entry =
      R"({"logIndex":"123456","logId":{"keyId":")" + Base64Encode(kLogId) +
      R"("},"kindVersion":{"kind":"hashedrekord","version":"0.0.1"},"integratedTime":"1700000000",)"
      R"("inclusionPromise":{"signedEntryTimestamp":"U0VU"},"inclusionProof":{"logIndex":"7",)"
      R"("rootHash":")" +
      Base64Encode(kRoot) + R"(","treeSize":"10","hashes":[")" + Base64Encode(kSibling) +
      R"("],"checkpoint":{"envelope":)" + DumpJson(Json(kCheckpoint)) +
      R"(}},"canonicalizedBody":")" + Base64Encode(AsBytes(HashedRekordV1Body(t.last))) + R"("})";
  BOOST_TEST(e->json == want_entry);

  // The entry round-trips through the bundle writer and reader.
  attest::Bundle b = s.message;
  b.verification_material.tlog_entries = {*e};
  Result<std::string> text = attest::SerializeBundle(b);
  BOOST_REQUIRE_MESSAGE(text.ok(), text.status().ToString());
  Result<attest::Bundle> back = attest::ParseBundle(*text);
  BOOST_REQUIRE_MESSAGE(back.ok(), back.status().ToString());
  BOOST_REQUIRE(back->verification_material.tlog_entries.size() == 1u);
  const attest::TlogEntry& got = back->verification_material.tlog_entries[0];
  // The reader keeps the entry as JSON with its keys sorted: the same object.
  BOOST_TEST(*ParseJson(got.json, "read") == *ParseJson(e->json, "written"));
  BOOST_TEST(got.log_index == e->log_index);
  BOOST_TEST(got.integrated_time == e->integrated_time);
  BOOST_TEST(got.kind == e->kind);
  BOOST_TEST(got.kind_version == e->kind_version);
}

BOOST_AUTO_TEST_CASE(v1_hashedrekord_with_a_certificate_logs_its_pem) {
  Signing s;
  const Bytes cert = ToBytes("not parsed: the log gets the DER as PEM");
  FakeTransport t(
      [](const registry::HttpRequest& r) { return Reply(201, V1Reply(HashedRekordV1Body(r))); });
  Result<attest::TlogEntry> e = Upload(t, s.message, LogVerifier{&s.key->PublicKey(), cert});
  BOOST_REQUIRE_MESSAGE(e.ok(), e.status().ToString());
  const Json req = RequestJson(t.last);
  const std::string pem = ToString(
      Base64Decode(req["spec"]["signature"]["publicKey"]["content"].get<std::string>()).value());
  BOOST_TEST(pem == "-----BEGIN CERTIFICATE-----\n" + Base64Encode(cert) +
                        "\n-----END CERTIFICATE-----\n");
}

BOOST_AUTO_TEST_CASE(v1_dsse_proposes_the_envelope_and_accepts_the_canonical_body) {
  Signing s;
  const auto& env = std::get<attest::DsseEnvelope>(s.dsse.content);
  // Rekor v1 canonicalizes a dsse proposal into hashes and signatures (formats.md 4.4).
  const std::string body = DumpJson(
      Json{{"apiVersion", "0.0.1"},
           {"kind", "dsse"},
           {"spec",
            {{"envelopeHash", {{"algorithm", "sha256"}, {"value", std::string(64, 'e')}}},
             {"payloadHash", {{"algorithm", "sha256"}, {"value", Digest::Of(env.payload).Hex()}}},
             {"signatures", Json::array({Json{{"signature", Base64Encode(s.DsseSig())},
                                              {"verifier", s.KeyPemB64()}}})}}}});
  FakeTransport t([&](const registry::HttpRequest&) { return Reply(201, V1Reply(body)); });
  Result<attest::TlogEntry> e = Upload(t, s.dsse, s.verifier);
  BOOST_REQUIRE_MESSAGE(e.ok(), e.status().ToString());
  const std::string want_request =
      R"({"apiVersion":"0.0.1","kind":"dsse","spec":{"proposedContent":{"envelope":)" +
      DumpJson(Json(attest::SerializeEnvelope(env))) + R"(,"verifiers":[")" + s.KeyPemB64() +
      R"("]}}})";
  BOOST_TEST(ToString(t.last.body) == want_request);
  BOOST_TEST(e->kind == "dsse");
  BOOST_TEST(e->kind_version == "0.0.1");
}

BOOST_AUTO_TEST_CASE(v2_hashedrekord_sends_digest_and_verifier_and_keeps_the_entry) {
  Signing s;
  const std::string spki = Base64Encode(s.key->PublicKey().SpkiDer());
  const std::string body = DumpJson(
      Json{{"apiVersion", "0.0.2"},
           {"kind", "hashedrekord"},
           {"spec",
            {{"hashedRekordV002",
              {{"data", {{"algorithm", "SHA2_256"}, {"digest", Base64Encode(s.digest.bytes())}}},
               {"signature",
                {{"content", Base64Encode(s.signature)},
                 {"verifier",
                  {{"keyDetails", "PKIX_ECDSA_P256_SHA_256"},
                   {"publicKey", {{"rawBytes", spki}}}}}}}}}}}});
  FakeTransport t(
      [&](const registry::HttpRequest&) { return Reply(201, V2Reply("hashedrekord", body)); });
  Result<attest::TlogEntry> e = Upload(t, s.message, s.verifier, 2);
  BOOST_REQUIRE_MESSAGE(e.ok(), e.status().ToString());
  BOOST_TEST(t.last.url == kUrl + "/api/v2/log/entries");
  const std::string want_request =
      R"({"hashedRekordRequestV002":{"digest":")" + Base64Encode(s.digest.bytes()) +
      R"(","signature":{"content":")" + Base64Encode(s.signature) +
      R"(","verifier":{"keyDetails":"PKIX_ECDSA_P256_SHA_256","publicKey":{"rawBytes":")" + spki +
      R"("}}}}})";
  BOOST_TEST(ToString(t.last.body) == want_request);
  BOOST_TEST(e->log_index == 99);
  BOOST_TEST(e->integrated_time == 0);
  BOOST_TEST(e->kind == "hashedrekord");
  BOOST_TEST(e->kind_version == "0.0.2");
  // No integratedTime and no inclusionPromise: Rekor v2 gives neither.
  const std::string want_entry =
      R"({"logIndex":"99","logId":{"keyId":")" + Base64Encode(kLogId) +
      R"("},"kindVersion":{"kind":"hashedrekord","version":"0.0.2"},"inclusionProof":)"
      R"({"logIndex":"99","rootHash":")" +
      Base64Encode(kRoot) + R"(","treeSize":"100","hashes":[")" + Base64Encode(kSibling) +
      R"("],"checkpoint":{"envelope":)" + DumpJson(Json(kCheckpoint)) +
      R"(}},"canonicalizedBody":")" + Base64Encode(AsBytes(body)) + R"("})";
  BOOST_TEST(e->json == want_entry);
}

BOOST_AUTO_TEST_CASE(v2_dsse_sends_the_envelope_and_a_certificate_verifier) {
  Signing s;
  const Bytes cert = ToBytes("leaf DER");
  const std::string body =
      DumpJson(Json{{"apiVersion", "0.0.2"},
                    {"kind", "dsse"},
                    {"spec",
                     {{"dsseV002",
                       {{"signatures", Json::array({Json{{"content", Base64Encode(s.DsseSig())},
                                                         {"verifier", Json::object()}}})}}}}}});
  FakeTransport t([&](const registry::HttpRequest&) { return Reply(200, V2Reply("dsse", body)); });
  Result<attest::TlogEntry> e = Upload(t, s.dsse, LogVerifier{&s.key->PublicKey(), cert}, 2);
  BOOST_REQUIRE_MESSAGE(e.ok(), e.status().ToString());
  const auto& env = std::get<attest::DsseEnvelope>(s.dsse.content);
  const std::string want_request =
      R"({"dsseRequestV002":{"envelope":)" + attest::SerializeEnvelope(env) +
      R"(,"verifiers":[{"keyDetails":"PKIX_ECDSA_P256_SHA_256","x509Certificate":{"rawBytes":")" +
      Base64Encode(cert) + R"("}}]}})";
  BOOST_TEST(ToString(t.last.body) == want_request);
  BOOST_TEST(e->kind == "dsse");
  BOOST_TEST(e->kind_version == "0.0.2");
}

BOOST_AUTO_TEST_CASE(http_failures_and_bad_replies_are_unavailable) {
  Signing s;
  auto with = [&](registry::HttpResponse r) {
    FakeTransport t([&](const registry::HttpRequest&) { return r; });
    return Upload(t, s.message, s.verifier);
  };
  ExpectError(with(Reply(409, R"({"code":409,"message":"an equivalent entry already exists"})")),
              ErrorCode::kUnavailable,
              "HTTP status 409 (the log already holds an entry for this signature): an "
              "equivalent entry already exists");
  // The log's reason is its text: control characters are dropped.
  ExpectError(with(Reply(400, R"({"code":3,"message":"bad\u001b[31m request"})")),
              ErrorCode::kUnavailable, "HTTP status 400: bad[31m request");
  ExpectError(with(Reply(500, "oops")), ErrorCode::kUnavailable, "HTTP status 500");
  ExpectError(with(Reply(201, "<html>garbage</html>")), ErrorCode::kUnavailable, "is not JSON");
  ExpectError(with(Reply(201, "{}")), ErrorCode::kUnavailable, "is not one {\"<uuid>\": entry}");

  // A reply without an inclusion proof, or with a v2 reply shape, is refused.
  FakeTransport no_proof([](const registry::HttpRequest& r) {
    Json reply = *ParseJson(V1Reply(HashedRekordV1Body(r)), "reply");
    reply.begin().value()["verification"].erase("inclusionProof");
    return Reply(201, DumpJson(reply));
  });
  ExpectError(Upload(no_proof, s.message, s.verifier), ErrorCode::kUnavailable,
              "has no inclusion proof");
}

BOOST_AUTO_TEST_CASE(a_reply_for_another_signature_is_unavailable) {
  Signing s;
  Signing other;
  // The log answers with the entry of another signature (a stale or misrouted reply).
  FakeTransport v1([&](const registry::HttpRequest&) {
    FakeTransport inner(
        [](const registry::HttpRequest& r) { return Reply(201, V1Reply(HashedRekordV1Body(r))); });
    BOOST_REQUIRE(Upload(inner, other.message, other.verifier).ok());
    return Reply(201, V1Reply(HashedRekordV1Body(inner.last)));
  });
  ExpectError(Upload(v1, s.message, s.verifier), ErrorCode::kUnavailable,
              "body does not record the bundle's signature");
  // A body of the wrong kind: a dsse entry for a message signature.
  FakeTransport kind([&](const registry::HttpRequest& r) {
    Json body = RequestJson(r);
    body["kind"] = "dsse";
    return Reply(201, V1Reply(DumpJson(body)));
  });
  ExpectError(Upload(kind, s.message, s.verifier), ErrorCode::kUnavailable,
              "is not a hashedrekord 0.0.1 entry");
  // A v2 reply whose kindVersion disagrees with the request.
  FakeTransport v2([&](const registry::HttpRequest&) {
    return Reply(201, V2Reply("dsse", R"({"apiVersion":"0.0.2","kind":"dsse","spec":{}})"));
  });
  ExpectError(Upload(v2, s.message, s.verifier, 2), ErrorCode::kUnavailable,
              "is not a hashedrekord 0.0.2 entry");
}

BOOST_AUTO_TEST_CASE(transport_failures_keep_their_codes) {
  Signing s;
  FakeTransport refused([](const registry::HttpRequest&) -> Result<registry::HttpResponse> {
    return UnavailableError("connection refused");
  });
  ExpectError(Upload(refused, s.message, s.verifier), ErrorCode::kUnavailable,
              "connection refused");
  // An oversized reply: the transport stops at max_response_bytes (kMaxRekorReplySize).
  FakeTransport big([](const registry::HttpRequest& r) -> Result<registry::HttpResponse> {
    BOOST_TEST(r.max_response_bytes == kMaxRekorReplySize);
    return ResourceExhaustedError("response body exceeds " + std::to_string(r.max_response_bytes) +
                                  " bytes");
  });
  ExpectError(Upload(big, s.message, s.verifier), ErrorCode::kResourceExhausted, "exceeds");
}

BOOST_AUTO_TEST_CASE(what_a_log_cannot_take_is_an_invalid_argument) {
  Signing s;
  FakeTransport t([](const registry::HttpRequest&) -> Result<registry::HttpResponse> {
    BOOST_FAIL("nothing may be sent");
    return Reply(500, "");
  });
  ExpectError(Upload(t, s.message, s.verifier, 3), ErrorCode::kInvalidArgument,
              "unsupported Rekor API version 3");
  attest::Bundle sha384 = s.message;
  std::get<attest::MessageSignature>(sha384.content).message_digest =
      attest::MessageDigest{"SHA2_384", Bytes(48, 1)};
  ExpectError(Upload(t, sha384, s.verifier), ErrorCode::kInvalidArgument, "SHA2_256");
  ExpectError(Upload(t, s.message, LogVerifier{}), ErrorCode::kInvalidArgument, "verifier key");
  Result<attest::TlogEntry> ftp =
      UploadToLog(t, ServiceEndpoint{"ftp://rekor.test", 1, ""}, s.message, s.verifier);
  BOOST_TEST(IsInvalidArgument(ftp.status()));
  BOOST_TEST(ftp.status().message() ==
             "transparency log ftp://rekor.test: the URL must be http:// or https://");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::sign
