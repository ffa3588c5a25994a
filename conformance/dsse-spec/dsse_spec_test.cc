// DSSE v1 conformance: the one upstream test vector (secure-systems-lab/dsse protocol.md "Test
// Vectors", v1.0.2) and the derived PAE cases listed in ${VOUCH_VECTORS}/dsse-spec/README.md.
//
// The spec signs with raw IEEE P1363 r||s; vouch (like cosign and Sigstore) verifies DER ECDSA
// signatures, so the test converts with P1363ToDer below before verifying.
#define BOOST_TEST_MODULE vouch_conformance_dsse_spec
#include <openssl/bn.h>
#include <openssl/ecdsa.h>

#include <boost/test/unit_test.hpp>

#include <set>
#include <string>

#include "core/internal/json.h"
#include "core/internal/ossl.h"
#include "testutil/testutil.h"
#include "vouch/attest/dsse.h"
#include "vouch/core/bytes.h"
#include "vouch/keys/keys.h"

namespace vouch::attest {
namespace {

// The derived PAE cases the vector file lists (README: "derived_pae_cases_not_upstream").
constexpr size_t kExpectedDerivedPaeCases = 6;

// P1363ToDer converts a raw r||s ECDSA signature (two big-endian integers of equal length) to the
// DER ECDSA-Sig-Value that keys::Verifier expects.
Bytes P1363ToDer(ByteView raw) {
  BOOST_REQUIRE(!raw.empty() && raw.size() % 2 == 0);
  const int half = static_cast<int>(raw.size() / 2);
  OsslPtr<BIGNUM> r(BN_bin2bn(raw.data(), half, nullptr));
  OsslPtr<BIGNUM> s(BN_bin2bn(raw.data() + half, half, nullptr));
  OsslPtr<ECDSA_SIG> sig(ECDSA_SIG_new());
  BOOST_REQUIRE(r && s && sig);
  // ECDSA_SIG_set0 takes ownership of r and s on success.
  BOOST_REQUIRE(ECDSA_SIG_set0(sig.get(), r.get(), s.get()) == 1);
  (void)r.release();
  (void)s.release();
  const int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  BOOST_REQUIRE(len > 0);
  Bytes der(static_cast<size_t>(len));
  uint8_t* p = der.data();
  BOOST_REQUIRE(i2d_ECDSA_SIG(sig.get(), &p) == len);
  return der;
}

struct Vector {
  Json doc;
  std::string dir;
};

const Vector& LoadVector() {
  static const Vector v = [] {
    Vector out;
    out.dir = testing::VectorsDir() + "/dsse-spec";
    auto doc = ParseJson(testing::ReadText(out.dir + "/dsse-v1-test-vector.json"), "vector");
    BOOST_REQUIRE_MESSAGE(doc.ok(), doc.status().ToString());
    out.doc = std::move(*doc);
    return out;
  }();
  return v;
}

std::string Str(const Json& obj, const char* field) {
  auto s = GetString(obj, field, "dsse vector");
  BOOST_REQUIRE_MESSAGE(s.ok(), s.status().ToString());
  return *s;
}

Bytes Hex(const std::string& hex) {
  auto b = HexDecode(hex);
  BOOST_REQUIRE_MESSAGE(b.ok(), "bad hex in vector: " << hex);
  return *b;
}

keys::Verifier VectorKey() {
  const Vector& v = LoadVector();
  const Json* key = FindField(v.doc, "key");
  BOOST_REQUIRE(key != nullptr);
  auto verifier =
      keys::Verifier::FromPem(testing::ReadText(v.dir + "/" + Str(*key, "public_key_pem_file")));
  BOOST_REQUIRE_MESSAGE(verifier.ok(), verifier.status().ToString());
  return *verifier;
}

// The vector envelope as vouch reads it, with its P1363 signature converted to DER.
DsseEnvelope DerEnvelope(const char* which) {
  const Json* env_json = FindField(LoadVector().doc, which);
  BOOST_REQUIRE(env_json != nullptr);
  auto env = ParseEnvelope(DumpJson(*env_json));
  BOOST_REQUIRE_MESSAGE(env.ok(), env.status().ToString());
  BOOST_REQUIRE(env->signatures.size() == 1u);
  env->signatures[0].sig = P1363ToDer(env->signatures[0].sig);
  return *env;
}

BOOST_AUTO_TEST_SUITE(dsse_spec)

BOOST_AUTO_TEST_CASE(vector_file_has_only_known_fields) {
  // A reader fails on fields it does not consume, so a changed vector file is noticed.
  const std::set<std::string> known = {
      "source",       "algorithm",     "key",           "payloadType",
      "payload_utf8", "pae_utf8",      "pae_hex",       "signature_b64",
      "signature_der_hex_equivalent",  "envelope",      "envelope_with_keyid",
      "keyid_note",   "expected",      "derived_pae_cases_not_upstream"};
  for (const auto& [name, value] : LoadVector().doc.items()) {
    BOOST_TEST(known.count(name) == 1u, "unexpected vector field " << name);
  }
}

BOOST_AUTO_TEST_CASE(spec_vector_pae_bytes) {
  const Json& doc = LoadVector().doc;
  Bytes pae = Pae(Str(doc, "payloadType"), AsBytes(Str(doc, "payload_utf8")));
  BOOST_TEST(HexEncode(pae) == Str(doc, "pae_hex"));
  BOOST_TEST(AsChars(pae) == Str(doc, "pae_utf8"));
}

BOOST_AUTO_TEST_CASE(spec_vector_envelopes_parse) {
  const Json& doc = LoadVector().doc;
  for (const char* which : {"envelope", "envelope_with_keyid"}) {
    auto env = ParseEnvelope(DumpJson(*FindField(doc, which)));
    BOOST_REQUIRE_MESSAGE(env.ok(), env.status().ToString());
    BOOST_TEST(env->payload_type == Str(doc, "payloadType"));
    BOOST_TEST(AsChars(env->payload) == Str(doc, "payload_utf8"));
    BOOST_REQUIRE(env->signatures.size() == 1u);
    BOOST_TEST(Base64Encode(env->signatures[0].sig) == Str(doc, "signature_b64"));
    BOOST_TEST(env->signatures[0].keyid == (std::string(which) == "envelope" ? "" : "66301bbf"));
  }
}

BOOST_AUTO_TEST_CASE(spec_vector_signature_verifies) {
  const Json& doc = LoadVector().doc;
  keys::Verifier key = VectorKey();
  BOOST_TEST(HexEncode(key.SpkiDer()) == Str(*FindField(doc, "key"), "spki_der_hex"));
  BOOST_TEST(keys::KeyAlgorithmName(key.algorithm()) == "ecdsa-p256");

  DsseEnvelope env = DerEnvelope("envelope");
  BOOST_TEST(HexEncode(env.signatures[0].sig) == Str(doc, "signature_der_hex_equivalent"));
  const keys::Verifier trusted[] = {key};
  Status s = VerifyEnvelope(env, trusted);
  BOOST_TEST(s.ok(), s.ToString());
  // The keyid hint does not matter.
  BOOST_TEST(VerifyEnvelope(DerEnvelope("envelope_with_keyid"), trusted).ok());
  // The signature is over PAE: the same bytes verify directly with the key.
  BOOST_TEST(key.Verify(env.signatures[0].sig, Hex(Str(doc, "pae_hex"))).ok());
}

BOOST_AUTO_TEST_CASE(spec_vector_url_safe_encoding_verifies) {
  // Re-encode payload and sig in the URL-safe alphabet: DSSE verifiers MUST accept it.
  DsseEnvelope der = DerEnvelope("envelope");
  std::string json = R"({"payloadType":"http://example.com/HelloWorld","payload":")" +
                     Base64UrlEncode(der.payload) + R"(","signatures":[{"sig":")" +
                     Base64UrlEncode(der.signatures[0].sig) + R"("}]})";
  auto env = ParseEnvelope(json);
  BOOST_REQUIRE_MESSAGE(env.ok(), env.status().ToString());
  const keys::Verifier trusted[] = {VectorKey()};
  BOOST_TEST(VerifyEnvelope(*env, trusted).ok());
}

BOOST_AUTO_TEST_CASE(spec_vector_mutations_fail) {
  const keys::Verifier trusted[] = {VectorKey()};
  DsseEnvelope payload = DerEnvelope("envelope");
  payload.payload = ToBytes("hello worle");
  BOOST_TEST(IsVerificationFailed(VerifyEnvelope(payload, trusted)));

  DsseEnvelope type = DerEnvelope("envelope");
  type.payload_type = "http://example.com/HelloWorlD";
  BOOST_TEST(IsVerificationFailed(VerifyEnvelope(type, trusted)));

  DsseEnvelope sig = DerEnvelope("envelope");
  sig.signatures[0].sig[10] ^= 0x01;
  BOOST_TEST(IsVerificationFailed(VerifyEnvelope(sig, trusted)));

  // Moving bytes between type and body keeps the concatenation but changes PAE's lengths.
  DsseEnvelope shifted = DerEnvelope("envelope");
  shifted.payload_type = "http://example.com/HelloWorld 11 hello";
  shifted.payload = ToBytes(" world");
  BOOST_TEST(IsVerificationFailed(VerifyEnvelope(shifted, trusted)));

  // The raw P1363 form is not DER: vouch's verifier refuses it rather than guessing.
  const Json* env_json = FindField(LoadVector().doc, "envelope");
  auto raw = ParseEnvelope(DumpJson(*env_json));
  BOOST_REQUIRE(raw.ok());
  BOOST_TEST(IsVerificationFailed(VerifyEnvelope(*raw, trusted)));
}

BOOST_AUTO_TEST_CASE(derived_pae_cases) {
  auto cases = GetArray(LoadVector().doc, "derived_pae_cases_not_upstream", "dsse vector");
  BOOST_REQUIRE(cases.ok());
  size_t run = 0;
  for (const Json& c : **cases) {
    BOOST_REQUIRE(c.is_object());
    BOOST_REQUIRE(c.size() == 3u);  // payloadType_utf8, payload_hex, pae_hex and nothing else
    const std::string type = Str(c, "payloadType_utf8");
    Bytes pae = Pae(type, Hex(Str(c, "payload_hex")));
    BOOST_TEST(HexEncode(pae) == Str(c, "pae_hex"), "PAE case " << run << " (type '" << type
                                                                 << "')");
    ++run;
  }
  BOOST_TEST(run == kExpectedDerivedPaeCases);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::attest
