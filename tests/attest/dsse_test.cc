#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "vouch/attest/dsse.h"
#include "vouch/core/bytes.h"
#include "vouch/keys/keys.h"

namespace vouch::attest {
namespace {

namespace bdata = boost::unit_test::data;

// --- PAE --------------------------------------------------------------------------------------

struct PaeCase {
  std::string name;
  std::string type;
  std::string body_hex;
  std::string pae_hex;
};
std::ostream& operator<<(std::ostream& os, const PaeCase& c) { return os << c.name; }

// Known answers: the DSSE protocol.md vector, and values computed by hand from the formula.
const std::vector<PaeCase> kPaeCases = {
    {"spec vector", "http://example.com/HelloWorld", "68656c6c6f20776f726c64",
     "44535345763120323920687474703a2f2f6578616d706c652e636f6d2f48656c6c6f576f726c6420"
     "31312068656c6c6f20776f726c64"},
    {"empty type and body", "", "", "445353457631203020203020"},  // "DSSEv1 0  0 "
    {"empty body", "t", "", "44535345763120312074203020"},       // "DSSEv1 1 t 0 "
    // U+00E9 is two UTF-8 bytes, so LEN(type) is 2, not 1; the body is binary.
    {"non-ASCII type, binary body", "\xc3\xa9", "00ff", "445353457631203220c3a920322000ff"},
    // Spaces inside type and body are not escaped: the lengths delimit them.
    {"spaces", "a b", "2062", "44535345763120332061206220322020" "62"},
    {"in-toto {}", "application/vnd.in-toto+json", "7b7d",
     "445353457631203238206170706c69636174696f6e2f766e642e696e2d746f746f2b6a736f6e2032207b7d"},
};

BOOST_AUTO_TEST_SUITE(dsse)

BOOST_DATA_TEST_CASE(pae_known_answers, bdata::make(kPaeCases), c) {
  auto body = HexDecode(c.body_hex);
  BOOST_REQUIRE(body.ok());
  BOOST_TEST(HexEncode(Pae(c.type, *body)) == c.pae_hex);
}

BOOST_AUTO_TEST_CASE(pae_multi_digit_lengths) {
  std::string body(1000, 'x');
  Bytes pae = Pae("type", AsBytes(body));
  BOOST_TEST(AsChars(pae).substr(0, 19) == "DSSEv1 4 type 1000 ");
  BOOST_TEST(pae.size() == 19u + 1000u);
}

// --- parsing ----------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(parse_minimal_and_keyid_forms) {
  auto env = ParseEnvelope(
      R"({"payload":"aGVsbG8gd29ybGQ=","payloadType":"http://example.com/HelloWorld",)"
      R"("signatures":[{"sig":"AQID"},{"keyid":null,"sig":"BA=="},{"keyid":"k","sig":"BQ"}],)"
      R"("future":{"ignored":true}})");
  BOOST_REQUIRE(env.ok());
  BOOST_TEST(env->payload_type == "http://example.com/HelloWorld");
  BOOST_TEST(AsChars(env->payload) == "hello world");
  BOOST_REQUIRE(env->signatures.size() == 3u);
  BOOST_TEST(env->signatures[0].keyid == "");
  BOOST_TEST((env->signatures[0].sig == Bytes{1, 2, 3}));
  BOOST_TEST(env->signatures[1].keyid == "");
  BOOST_TEST(env->signatures[2].keyid == "k");
  BOOST_TEST((env->signatures[2].sig == Bytes{5}));
}

BOOST_AUTO_TEST_CASE(parse_accepts_url_safe_base64) {
  // 0xfb 0xff is "+/8=" in std and "-_8" in URL-safe base64.
  auto env = ParseEnvelope(R"({"payload":"-_8","payloadType":"","signatures":[{"sig":"-_8="}]})");
  BOOST_REQUIRE(env.ok());
  BOOST_TEST((env->payload == Bytes{0xfb, 0xff}));
  BOOST_TEST((env->signatures[0].sig == Bytes{0xfb, 0xff}));
  BOOST_TEST(env->payload_type == "");
}

BOOST_AUTO_TEST_CASE(parse_keeps_payload_bytes_exactly) {
  // Payload JSON with odd spacing must come back byte for byte (never re-serialized).
  const std::string payload = "{ \"b\":1,  \"a\" : [ ] }\n";
  DsseEnvelope e{"application/vnd.in-toto+json", ToBytes(payload), {{"", {1}}}};
  auto back = ParseEnvelope(SerializeEnvelope(e));
  BOOST_REQUIRE(back.ok());
  BOOST_TEST(AsChars(back->payload) == payload);
}

struct BadEnvelope {
  std::string name;
  std::string json;
  ErrorCode code;
  std::string message_part;
};
std::ostream& operator<<(std::ostream& os, const BadEnvelope& c) { return os << c.name; }

const std::string kOneSig = R"("signatures":[{"sig":"AQID"}])";
const std::vector<BadEnvelope> kBadEnvelopes = {
    {"not json", "{", ErrorCode::kInvalidArgument, "not valid JSON"},
    {"trailing garbage", R"({"payload":"","payloadType":"",)" + kOneSig + "} x",
     ErrorCode::kInvalidArgument, "not valid JSON"},
    {"top-level array", "[]", ErrorCode::kInvalidArgument, "must be a JSON object"},
    {"top-level string", R"("x")", ErrorCode::kInvalidArgument, "must be a JSON object"},
    {"missing payloadType", R"({"payload":"",)" + kOneSig + "}", ErrorCode::kInvalidArgument,
     "\"payloadType\" is missing"},
    {"payloadType not a string", R"({"payload":"","payloadType":7,)" + kOneSig + "}",
     ErrorCode::kInvalidArgument, "\"payloadType\" must be a string"},
    {"payloadType null", R"({"payload":"","payloadType":null,)" + kOneSig + "}",
     ErrorCode::kInvalidArgument, "\"payloadType\" must be a string"},
    {"missing payload", R"({"payloadType":"t",)" + kOneSig + "}", ErrorCode::kInvalidArgument,
     "\"payload\" is missing"},
    {"payload not a string", R"({"payload":[1],"payloadType":"t",)" + kOneSig + "}",
     ErrorCode::kInvalidArgument, "\"payload\" must be a string"},
    {"payload bad base64 char", R"({"payload":"aGV*bG8=","payloadType":"t",)" + kOneSig + "}",
     ErrorCode::kInvalidArgument, "\"payload\" is not valid base64"},
    {"payload mixed alphabets", R"({"payload":"+_8=","payloadType":"t",)" + kOneSig + "}",
     ErrorCode::kInvalidArgument, "\"payload\" is not valid base64"},
    {"payload whitespace", R"({"payload":"aGVs bG8=","payloadType":"t",)" + kOneSig + "}",
     ErrorCode::kInvalidArgument, "\"payload\" is not valid base64"},
    {"payload bad padding", R"({"payload":"aGVsbG8==","payloadType":"t",)" + kOneSig + "}",
     ErrorCode::kInvalidArgument, "\"payload\" is not valid base64"},
    {"payload non-zero trailing bits", R"({"payload":"Zh==","payloadType":"t",)" + kOneSig + "}",
     ErrorCode::kInvalidArgument, "\"payload\" is not valid base64"},
    {"missing signatures", R"({"payload":"","payloadType":"t"})", ErrorCode::kInvalidArgument,
     "\"signatures\" is missing"},
    {"signatures not an array", R"({"payload":"","payloadType":"t","signatures":{"sig":"AQID"}})",
     ErrorCode::kInvalidArgument, "\"signatures\" must be an array"},
    {"signatures empty", R"({"payload":"","payloadType":"t","signatures":[]})",
     ErrorCode::kInvalidArgument, "\"signatures\" is empty"},
    {"signature not an object", R"({"payload":"","payloadType":"t","signatures":["AQID"]})",
     ErrorCode::kInvalidArgument, "signatures[0] must be an object"},
    {"signature missing sig", R"({"payload":"","payloadType":"t","signatures":[{"keyid":"k"}]})",
     ErrorCode::kInvalidArgument, "signatures[0] field \"sig\" is missing"},
    {"sig not a string", R"({"payload":"","payloadType":"t","signatures":[{"sig":1}]})",
     ErrorCode::kInvalidArgument, "signatures[0] field \"sig\" must be a string"},
    {"sig bad base64",
     R"({"payload":"","payloadType":"t","signatures":[{"sig":"AQID"},{"sig":"A!=="}]})",
     ErrorCode::kInvalidArgument, "\"sig\" is not valid base64"},
    {"keyid not a string",
     R"({"payload":"","payloadType":"t","signatures":[{"keyid":3,"sig":""}]})",
     ErrorCode::kInvalidArgument, "signatures[0] field \"keyid\" must be a string"},
    {"too deep", R"({"payload":"","payloadType":"t",)" + kOneSig + R"(,"x":)" +
                     std::string(100, '[') + std::string(100, ']') + "}",
     ErrorCode::kInvalidArgument, "deeper"},
};

BOOST_DATA_TEST_CASE(parse_rejects_malformed, bdata::make(kBadEnvelopes), c) {
  auto env = ParseEnvelope(c.json);
  BOOST_REQUIRE(!env.ok());
  BOOST_TEST(ErrorCodeName(env.status().code()) == ErrorCodeName(c.code));
  BOOST_TEST(env.status().message().find(c.message_part) != std::string::npos,
             env.status().message());
}

BOOST_AUTO_TEST_CASE(parse_bounds_signature_count) {
  std::string sigs;
  for (size_t i = 0; i < kMaxEnvelopeSignatures; ++i) {
    sigs += std::string(i == 0 ? "" : ",") + R"({"sig":"AQID"})";
  }
  const std::string head = R"({"payload":"","payloadType":"t","signatures":[)";
  BOOST_TEST(ParseEnvelope(head + sigs + "]}").ok());
  auto over = ParseEnvelope(head + sigs + R"(,{"sig":"AQID"}]})");
  BOOST_TEST(IsResourceExhausted(over.status()));
}

BOOST_AUTO_TEST_CASE(parse_bounds_size_before_parsing) {
  std::string huge(kMaxEnvelopeSize + 1, ' ');
  BOOST_TEST(IsResourceExhausted(ParseEnvelope(huge).status()));
}

// --- serialization ----------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(serialize_field_order_and_std_base64) {
  DsseEnvelope e{
      "application/vnd.in-toto+json", Bytes{0xfb, 0xff}, {{"", {0xfb, 0xff}}, {"k2", {1}}}};
  BOOST_TEST(SerializeEnvelope(e) ==
             R"({"payloadType":"application/vnd.in-toto+json","payload":"+/8=",)"
             R"("signatures":[{"keyid":"","sig":"+/8="},{"keyid":"k2","sig":"AQ=="}]})");
}

const std::vector<std::string> kRoundTrip = {
    R"({"payload":"aGVsbG8gd29ybGQ=","payloadType":"http://example.com/HelloWorld",)"
    R"("signatures":[{"sig":"AQID"}]})",
    R"({"payloadType":"","payload":"",)"
    R"("signatures":[{"keyid":"a","sig":""},{"keyid":"b","sig":"-_8"}]})",
    R"({"payloadType":"\u00e9\n","payload":"AA","signatures":[{"keyid":"\u2603","sig":"AQ"}]})",
};

BOOST_DATA_TEST_CASE(parse_serialize_round_trip, bdata::make(kRoundTrip), json) {
  auto first = ParseEnvelope(json);
  BOOST_REQUIRE(first.ok());
  const std::string text = SerializeEnvelope(*first);
  auto second = ParseEnvelope(text);
  BOOST_REQUIRE(second.ok());
  BOOST_TEST((*second == *first));
  BOOST_TEST(SerializeEnvelope(*second) == text);  // serialization is a fixed point
}

// --- signing and verification -----------------------------------------------------------------

std::unique_ptr<keys::Signer> NewKey(keys::KeyAlgorithm alg = keys::KeyAlgorithm::kEcdsaP256) {
  auto k = keys::Generate(alg);
  BOOST_REQUIRE_MESSAGE(k.ok(), k.status().ToString());
  return std::move(*k);
}

const std::string kStatementText =
    R"({"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"00"}}]})";

BOOST_AUTO_TEST_CASE(sign_verify_round_trip_and_keyid) {
  auto key = NewKey();
  auto env = SignEnvelope(kInTotoPayloadType, AsBytes(kStatementText), *key, "my-key");
  BOOST_REQUIRE(env.ok());
  BOOST_TEST(env->payload_type == kInTotoPayloadType);
  BOOST_TEST(AsChars(env->payload) == kStatementText);
  BOOST_REQUIRE(env->signatures.size() == 1u);
  BOOST_TEST(env->signatures[0].keyid == "my-key");
  const keys::Verifier trusted[] = {key->PublicKey()};
  BOOST_TEST(VerifyEnvelope(*env, trusted).ok());
  // It still verifies after a trip through JSON.
  auto parsed = ParseEnvelope(SerializeEnvelope(*env));
  BOOST_REQUIRE(parsed.ok());
  BOOST_TEST(VerifyEnvelope(*parsed, trusted).ok());
  // The signature is over PAE, not the bare payload.
  BOOST_TEST(key->PublicKey().Verify(env->signatures[0].sig, Pae(kInTotoPayloadType,
                                                                  AsBytes(kStatementText))).ok());
  BOOST_TEST(!key->PublicKey().Verify(env->signatures[0].sig, AsBytes(kStatementText)).ok());
}

BOOST_AUTO_TEST_CASE(default_keyid_is_empty) {
  auto key = NewKey(keys::KeyAlgorithm::kEd25519);
  auto env = SignEnvelope("text/plain", AsBytes("x"), *key);
  BOOST_REQUIRE(env.ok());
  BOOST_TEST(env->signatures[0].keyid == "");
  const keys::Verifier trusted[] = {key->PublicKey()};
  BOOST_TEST(VerifyEnvelope(*env, trusted).ok());
}

enum class Mutation { kPayload, kPayloadType, kSig, kSigTruncated, kWrongKey };
std::ostream& operator<<(std::ostream& os, Mutation m) { return os << static_cast<int>(m); }
const Mutation kMutations[] = {Mutation::kPayload, Mutation::kPayloadType, Mutation::kSig,
                               Mutation::kSigTruncated, Mutation::kWrongKey};

BOOST_DATA_TEST_CASE(mutations_are_rejected, bdata::make(kMutations), m) {
  auto key = NewKey();
  auto other = NewKey();
  auto env = SignEnvelope(kInTotoPayloadType, AsBytes(kStatementText), *key);
  BOOST_REQUIRE(env.ok());
  std::vector<keys::Verifier> trusted = {key->PublicKey()};
  switch (m) {
    case Mutation::kPayload:
      env->payload.back() ^= 0x01;
      break;
    case Mutation::kPayloadType:
      env->payload_type = "application/vnd.in-toto+jsoN";
      break;
    case Mutation::kSig:
      env->signatures[0].sig[env->signatures[0].sig.size() / 2] ^= 0x01;
      break;
    case Mutation::kSigTruncated:
      env->signatures[0].sig.pop_back();
      break;
    case Mutation::kWrongKey:
      trusted = {other->PublicKey()};
      break;
  }
  Status s = VerifyEnvelope(*env, trusted);
  BOOST_TEST(IsVerificationFailed(s), s.ToString());
  BOOST_TEST(s.message().find("verified by 0 of 1") != std::string::npos, s.message());
}

BOOST_AUTO_TEST_CASE(threshold_counts_distinct_keys) {
  auto k1 = NewKey();
  auto k2 = NewKey();
  auto k3 = NewKey(keys::KeyAlgorithm::kEd25519);
  const std::vector<keys::Verifier> all = {k1->PublicKey(), k2->PublicKey(), k3->PublicKey()};

  const EnvelopeSigner two[] = {{k1.get(), "k1"}, {k2.get(), "k2"}};
  auto env = SignEnvelope(kInTotoPayloadType, AsBytes(kStatementText), two);
  BOOST_REQUIRE(env.ok());
  BOOST_REQUIRE(env->signatures.size() == 2u);
  BOOST_TEST(VerifyEnvelope(*env, all, 1).ok());
  BOOST_TEST(VerifyEnvelope(*env, all, 2).ok());
  Status three = VerifyEnvelope(*env, all, 3);
  BOOST_TEST(IsVerificationFailed(three));
  BOOST_TEST(three.message().find("verified by 2 of 3") != std::string::npos, three.message());

  // Signature order and keyid hints do not matter: lie about the hints and reverse the list.
  std::swap(env->signatures[0], env->signatures[1]);
  env->signatures[0].keyid = "k1";
  env->signatures[1].keyid = "k3";
  BOOST_TEST(VerifyEnvelope(*env, all, 2).ok());

  // One bad signature among good ones lowers the count by one.
  env->signatures[0].sig[8] ^= 0x01;
  BOOST_TEST(VerifyEnvelope(*env, all, 1).ok());
  Status s = VerifyEnvelope(*env, all, 2);
  BOOST_TEST(IsVerificationFailed(s));
  BOOST_TEST(s.message().find("verified by 1 of 2") != std::string::npos, s.message());
}

BOOST_AUTO_TEST_CASE(threshold_same_key_twice_counts_once) {
  auto k1 = NewKey();
  auto k2 = NewKey();
  // Two signatures by the same key (ECDSA is randomized, so they differ).
  const EnvelopeSigner twice[] = {{k1.get(), ""}, {k1.get(), ""}};
  auto env = SignEnvelope(kInTotoPayloadType, AsBytes(kStatementText), twice);
  BOOST_REQUIRE(env.ok());
  const std::vector<keys::Verifier> trusted = {k1->PublicKey(), k2->PublicKey()};
  Status s = VerifyEnvelope(*env, trusted, 2);
  BOOST_TEST(IsVerificationFailed(s));
  BOOST_TEST(s.message().find("verified by 1 of 2") != std::string::npos, s.message());
  // Listing the same trusted key twice does not make two keys.
  const std::vector<keys::Verifier> dup = {k1->PublicKey(), k1->PublicKey()};
  BOOST_TEST(IsInvalidArgument(VerifyEnvelope(*env, dup, 2)));
  BOOST_TEST(VerifyEnvelope(*env, dup, 1).ok());
}

BOOST_AUTO_TEST_CASE(verify_argument_errors) {
  auto key = NewKey();
  auto env = SignEnvelope("t", AsBytes("x"), *key);
  BOOST_REQUIRE(env.ok());
  const std::vector<keys::Verifier> trusted = {key->PublicKey()};
  BOOST_TEST(IsInvalidArgument(VerifyEnvelope(*env, trusted, 0)));
  BOOST_TEST(IsInvalidArgument(VerifyEnvelope(*env, {}, 1)));
  BOOST_TEST(IsInvalidArgument(VerifyEnvelope(*env, trusted, 2)));
  DsseEnvelope unsigned_env{"t", ToBytes("x"), {}};
  BOOST_TEST(IsVerificationFailed(VerifyEnvelope(unsigned_env, trusted)));
  DsseEnvelope flooded = *env;
  flooded.signatures.assign(kMaxEnvelopeSignatures + 1, env->signatures[0]);
  BOOST_TEST(IsVerificationFailed(VerifyEnvelope(flooded, trusted)));
}

BOOST_AUTO_TEST_CASE(sign_argument_errors) {
  auto key = NewKey();
  BOOST_TEST(IsInvalidArgument(
      SignEnvelope("t", AsBytes("x"), std::span<const EnvelopeSigner>{}).status()));
  const EnvelopeSigner null_signer[] = {{key.get(), ""}, {nullptr, ""}};
  BOOST_TEST(IsInvalidArgument(SignEnvelope("t", AsBytes("x"), null_signer).status()));
  std::vector<EnvelopeSigner> many(kMaxEnvelopeSignatures + 1, EnvelopeSigner{key.get(), ""});
  BOOST_TEST(IsInvalidArgument(SignEnvelope("t", AsBytes("x"), many).status()));
  many.resize(kMaxEnvelopeSignatures);
  auto max = SignEnvelope("t", AsBytes("x"), many);
  BOOST_REQUIRE(max.ok());
  BOOST_TEST(max->signatures.size() == kMaxEnvelopeSignatures);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::attest
