// Notation envelopes (JWS and COSE): the upstream envelopes of the notation vectors, the
// notation-core-go encoding conformance files, round trips with keys and certificates made here,
// and malformed input.
#include <cbor.h>
#include <openssl/pem.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/internal/json.h"
#include "core/internal/ossl.h"
#include "notation_internal.h"
#include "testutil/testutil.h"
#include "vouch/attest/notation.h"
#include "vouch/core/bytes.h"
#include "vouch/keys/keys.h"

namespace vouch::attest {
namespace {

std::string NotationDir() { return testing::VectorsDir() + "/notation/"; }

Bytes ReadVector(const std::string& rel) { return ToBytes(testing::ReadText(NotationDir() + rel)); }

Json ReadJsonVector(const std::string& rel) {
  Result<Json> j = ParseJson(testing::ReadText(NotationDir() + rel), rel);
  BOOST_REQUIRE_MESSAGE(j.ok(), j.status().ToString());
  return *j;
}

TimePoint Seconds(int64_t s) { return TimePoint(std::chrono::seconds(s)); }

TimePoint At(const std::string& rfc3339) {
  Result<TimePoint> t = ParseRfc3339(rfc3339);
  BOOST_REQUIRE(t.ok());
  return *t;
}

std::string Unb64url(const std::string& s) {
  Result<Bytes> b = Base64Decode(s, Base64Alphabet::kUrl);
  BOOST_REQUIRE(b.ok());
  return ToString(*b);
}

// ---- keys and certificates made here ----

struct TestKey {
  std::unique_ptr<keys::Signer> signer;
  Bytes cert;  // self-signed, DER
};

// MakeKey makes an OpenSSL key (|type| "EC" with a curve, or "RSA" with bits), a self-signed
// certificate for it, and a vouch Signer of the same key.
TestKey MakeKey(const std::string& curve, unsigned rsa_bits) {
  OsslPtr<EVP_PKEY> pkey(curve.empty() ? EVP_RSA_gen(rsa_bits) : EVP_EC_gen(curve.c_str()));
  BOOST_REQUIRE(pkey != nullptr);
  OsslPtr<X509> x(X509_new());
  BOOST_REQUIRE(x != nullptr);
  X509_set_version(x.get(), X509_VERSION_3);
  ASN1_INTEGER_set(X509_get_serialNumber(x.get()), 1);
  X509_NAME* name = X509_get_subject_name(x.get());  // borrowed
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>("notation test"), -1, -1, 0);
  X509_set_issuer_name(x.get(), name);
  ASN1_TIME_set(X509_getm_notBefore(x.get()), 1700000000);
  ASN1_TIME_set(X509_getm_notAfter(x.get()), 2000000000);
  X509_set_pubkey(x.get(), pkey.get());
  BOOST_REQUIRE(X509_sign(x.get(), pkey.get(), EVP_sha256()) > 0);
  int len = i2d_X509(x.get(), nullptr);
  BOOST_REQUIRE(len > 0);
  TestKey k;
  k.cert.resize(static_cast<size_t>(len));
  unsigned char* p = k.cert.data();
  i2d_X509(x.get(), &p);

  OsslPtr<BIO> bio(BIO_new(BIO_s_mem()));
  BOOST_REQUIRE(
      PEM_write_bio_PrivateKey(bio.get(), pkey.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  auto signer = keys::LoadSignerPem(std::string(data, static_cast<size_t>(n)), SecretString());
  BOOST_REQUIRE_MESSAGE(signer.ok(), signer.status().ToString());
  k.signer = std::move(*signer);
  return k;
}

const TestKey& SharedKey(const std::string& curve, unsigned rsa_bits) {
  static std::map<std::string, TestKey> cache;
  const std::string id = curve + std::to_string(rsa_bits);
  auto it = cache.find(id);
  if (it == cache.end()) {
    it = cache.emplace(id, MakeKey(curve, rsa_bits)).first;
  }
  return it->second;
}

NotationSignRequest BaseRequest(NotationEnvelopeType type, const TestKey& key) {
  NotationSignRequest r;
  r.type = type;
  r.signer = key.signer.get();
  r.certificate_chain = {key.cert};
  r.payload = NotationPayload({"application/vnd.oci.image.manifest.v1+json",
                               "sha256:" + std::string(64, 'a'),
                               1234,
                               {{"buildId", "101"}}});
  r.signing_time = At("2026-01-02T03:04:05.678Z");
  r.expiry = At("2027-01-02T03:04:05Z");
  r.extended = {{"io.acme.critical", "yes", true}, {"io.acme.note", "hello", false}};
  r.signing_agent = "vouch-test/1.0";
  return r;
}

Bytes Sign(const NotationSignRequest& r) {
  Result<Bytes> out = SignNotationEnvelope(r);
  BOOST_REQUIRE_MESSAGE(out.ok(), out.status().ToString());
  return *out;
}

NotationEnvelope Parse(NotationEnvelopeType type, ByteView data) {
  Result<NotationEnvelope> env = ParseNotationEnvelope(type, data);
  BOOST_REQUIRE_MESSAGE(env.ok(), env.status().ToString());
  return *env;
}

void ExpectMalformed(NotationEnvelopeType type, ByteView data, const std::string& what,
                     const std::string& rule = "") {
  Result<NotationEnvelope> env = ParseNotationEnvelope(type, data);
  BOOST_TEST_CONTEXT(what) {
    BOOST_TEST_REQUIRE(!env.ok());
    BOOST_TEST(IsVerificationFailed(env.status()), env.status().ToString());
    BOOST_TEST(env.status().message().find(rule) != std::string::npos, env.status().ToString());
  }
}

// ---- JWS mutation helpers ----

// JwsWith replaces the protected header of |jws| with |header| (re-encoded) and returns the
// envelope text; the signature no longer matches, which only the signature check sees.
Bytes JwsWith(ByteView jws, const std::function<void(Json& header, Json& envelope)>& edit) {
  Result<Json> env = ParseJson(AsChars(jws), "test JWS");
  BOOST_REQUIRE(env.ok());
  Result<Json> header = ParseJson(Unb64url((*env)["protected"].get<std::string>()), "header");
  BOOST_REQUIRE(header.ok());
  edit(*header, *env);
  if (!header->is_null()) {
    (*env)["protected"] = Base64UrlEncode(AsBytes(DumpJson(*header)));
  }
  return ToBytes(DumpJson(*env));
}

BOOST_AUTO_TEST_SUITE(notation_envelope)

// Every envelope named by cases.json parses and its own signature verifies, except the
// integrity-failure ones (base64 padding in the payload member), which must not pass.
BOOST_AUTO_TEST_CASE(upstream_envelopes_parse_and_verify) {
  Json cases = ReadJsonVector("cases.json");
  std::map<std::string, std::pair<std::string, std::string>> envelopes;  // file -> (type, alg)
  for (const Json& c : cases["verification_cases"]) {
    envelopes[c["envelope"].get<std::string>()] = {c["envelope_media_type"].get<std::string>(),
                                                   c["alg"].get<std::string>()};
  }
  std::map<std::string, int> verified;
  int integrity_failures = 0;
  for (const auto& [file, info] : envelopes) {
    BOOST_TEST_CONTEXT(file) {
      Result<NotationEnvelopeType> type = ParseNotationEnvelopeType(info.first);
      BOOST_REQUIRE(type.ok());
      Bytes data = ReadVector(file);
      Result<NotationEnvelope> env = ParseNotationEnvelope(*type, data);
      if (file.find("_invalid_sig_env") != std::string::npos) {
        Status st = env.ok() ? VerifyNotationSignature(*env) : env.status();
        BOOST_TEST(IsVerificationFailed(st), st.ToString());
        ++integrity_failures;
        continue;
      }
      BOOST_REQUIRE_MESSAGE(env.ok(), env.status().ToString());
      BOOST_TEST(NotationAlgorithmName(env->algorithm) == info.second);
      BOOST_TEST(env->content_type == kNotationPayloadType);
      Status st = VerifyNotationSignature(*env);
      BOOST_TEST(st.ok(), st.ToString());
      BOOST_TEST(ParseNotationPayload(env->payload).ok());
      ++verified[info.first];
    }
  }
  // 29 distinct envelopes: 2 integrity failures, 22 JWS and 5 COSE that verify.
  BOOST_TEST(integrity_failures == 2);
  BOOST_TEST(verified["application/jose+json"] == 22);
  BOOST_TEST(verified["application/cose"] == 5);
}

BOOST_AUTO_TEST_CASE(upstream_envelope_fields) {
  NotationEnvelope sa =
      Parse(NotationEnvelopeType::kJws,
            ReadVector("notation-go/internal/mock/testdata/sa_valid_sig_env.json"));
  BOOST_TEST(sa.signing_scheme == kNotationSchemeSigningAuthority);
  BOOST_TEST(!sa.signing_time.has_value());
  BOOST_TEST(FormatRfc3339(sa.authentic_signing_time.value()) == "2020-11-09T07:00:00Z");
  BOOST_TEST(FormatRfc3339(sa.expiry.value()) == "2120-11-09T07:00:00Z");
  BOOST_TEST(sa.certificate_chain.size() == 2u);

  NotationEnvelope plugin =
      Parse(NotationEnvelopeType::kJws,
            ReadVector("notation-go/internal/mock/testdata/ca_plugin_sig_env.json"));
  std::map<std::string, std::pair<std::string, bool>> ext;
  for (const NotationExtendedAttribute& a : plugin.extended) {
    ext[a.key] = {a.value, a.critical};
  }
  BOOST_TEST(ext.size() == 2u);
  BOOST_TEST((ext["SomeKey"] == std::pair<std::string, bool>{"SomeValue", true}));
  BOOST_TEST((ext[std::string(kNotationVerificationPlugin)] ==
              std::pair<std::string, bool>{"plugin-name", true}));

  NotationEnvelope cose =
      Parse(NotationEnvelopeType::kCose,
            ReadVector("notation-go/verifier/testdata/timestamp/sigEnv/coseWithTimestamp.sig"));
  BOOST_TEST(!cose.timestamp_token.empty());
  BOOST_TEST(cose.signing_time.has_value());
  NotationEnvelope jws =
      Parse(NotationEnvelopeType::kJws,
            ReadVector("notation-go/verifier/testdata/timestamp/sigEnv/jwsWithTimestamp.sig"));
  BOOST_TEST(!jws.timestamp_token.empty());
}

BOOST_AUTO_TEST_CASE(algorithm_substitution_fails) {
  const Bytes valid = ReadVector("notation-go/internal/mock/testdata/ca_valid_sig_env.json");
  BOOST_REQUIRE(VerifyNotationSignature(Parse(NotationEnvelopeType::kJws, valid)).ok());
  for (const char* alg : {"PS256", "PS512", "ES384"}) {
    Bytes relabelled = JwsWith(valid, [&](Json& h, Json&) { h["alg"] = alg; });
    NotationEnvelope env = Parse(NotationEnvelopeType::kJws, relabelled);
    Status st = VerifyNotationSignature(env);
    BOOST_TEST(IsVerificationFailed(st), alg);
    BOOST_TEST(st.message().find("algorithm substitution") != std::string::npos, st.ToString());
  }
  // The same on a parsed COSE envelope: an RSA-2048 leaf with a PS384 label.
  NotationEnvelope cose = Parse(NotationEnvelopeType::kCose,
                                ReadVector("notation-go/internal/testdata/cose_signature.sig"));
  cose.algorithm = NotationAlgorithm::kPs384;
  BOOST_TEST(VerifyNotationSignature(cose).message().find("algorithm substitution") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(flipped_signature_and_tampered_payload_fail) {
  for (const auto& [type, file] : std::vector<std::pair<NotationEnvelopeType, std::string>>{
           {NotationEnvelopeType::kJws, "notation-go/internal/testdata/jws_signature.sig"},
           {NotationEnvelopeType::kCose, "notation-go/internal/testdata/cose_signature.sig"}}) {
    BOOST_TEST_CONTEXT(file) {
      const Bytes data = ReadVector(file);
      NotationEnvelope env = Parse(type, data);
      BOOST_REQUIRE(VerifyNotationSignature(env).ok());
      NotationEnvelope flipped = env;
      flipped.signature[flipped.signature.size() / 2] ^= 0x01;
      BOOST_TEST(IsVerificationFailed(VerifyNotationSignature(flipped)));

      // Tamper with the payload inside the envelope bytes: the digest's first hex digit.
      const std::string text = ToString(data);
      Bytes tampered = data;
      if (type == NotationEnvelopeType::kJws) {
        tampered = JwsWith(data, [&](Json& h, Json& e) {
          std::string payload = ToString(env.payload);
          size_t at = payload.find("sha256:") + 7;
          payload[at] = payload[at] == '0' ? '1' : '0';
          e["payload"] = Base64UrlEncode(AsBytes(payload));
          h = nullptr;  // keep the original protected header
        });
      } else {
        size_t at = text.find("sha256:");
        BOOST_REQUIRE(at != std::string::npos);
        tampered[at + 7] = tampered[at + 7] == '0' ? '1' : '0';
      }
      NotationEnvelope t = Parse(type, tampered);
      BOOST_TEST((t.payload != env.payload));
      BOOST_TEST(IsVerificationFailed(VerifyNotationSignature(t)));
    }
  }
}

// notation-core-go signature/jws/testdata/conformance.json with cases.json encoding_cases[0].
BOOST_AUTO_TEST_CASE(jws_encoding_conformance) {
  Json cases = ReadJsonVector("cases.json");
  const Json& in = cases["encoding_cases"][0]["inputs"];
  Json expected = ReadJsonVector(cases["encoding_cases"][0]["file"].get<std::string>());
  const TestKey& key = SharedKey("P-256", 0);
  NotationSignRequest r;
  r.type = NotationEnvelopeType::kJws;
  r.signer = key.signer.get();
  r.certificate_chain = {key.cert};
  r.payload = ToBytes(in["payload"].get<std::string>());
  r.content_type = in["payload_content_type"].get<std::string>();
  r.signing_scheme = in["signingScheme"].get<std::string>();
  r.signing_time = At(in["signingTime"].get<std::string>());
  r.expiry = At(in["expiry"].get<std::string>());
  for (const Json& a : in["extended_signed_attributes"]) {
    r.extended.push_back(
        {a["key"].get<std::string>(), a["value"].get<std::string>(), a.value("critical", false)});
  }
  r.signing_agent = in["signingAgent"].get<std::string>();
  Bytes out = Sign(r);
  Result<Json> got = ParseJson(AsChars(out), "signed JWS");
  BOOST_REQUIRE(got.ok());
  BOOST_TEST((*got)["protected"] == expected["protected"]);
  BOOST_TEST((*got)["payload"] == expected["payload"]);
  BOOST_TEST((*got)["header"]["io.cncf.notary.signingAgent"] ==
             expected["header"]["io.cncf.notary.signingAgent"]);
  NotationEnvelope env = Parse(NotationEnvelopeType::kJws, out);
  BOOST_TEST(VerifyNotationSignature(env).ok());
}

// notation-core-go signature/cose/testdata/conformance.json. Its expected output has no
// x5chain, which SignNotationEnvelope always writes: the protected header is compared from a real
// signature, and the whole message through the same encoder (internal::EncodeCoseSign1) with the
// chain left out and the file's placeholder signature.
BOOST_AUTO_TEST_CASE(cose_encoding_conformance) {
  Json cases = ReadJsonVector("cases.json");
  const Json& in = cases["encoding_cases"][1]["inputs"];
  Json expected = ReadJsonVector(cases["encoding_cases"][1]["file"].get<std::string>());
  const TestKey& key = SharedKey("", 3072);  // PS384
  NotationSignRequest r;
  r.type = NotationEnvelopeType::kCose;
  r.signer = key.signer.get();
  r.certificate_chain = {key.cert};
  r.payload = ToBytes(in["payload"].get<std::string>());
  r.signing_scheme = in["signingScheme"].get<std::string>();
  r.signing_time = Seconds(in["signingTime_unix"].get<int64_t>());
  r.expiry = Seconds(in["expiry_unix"].get<int64_t>());
  for (const Json& a : in["extended_signed_attributes"]) {
    r.extended.push_back(
        {a["key"].get<std::string>(), a["value"].get<std::string>(), a.value("critical", false)});
  }
  r.signing_agent = in["signingAgent"].get<std::string>();

  Result<Bytes> want_protected =
      HexDecode(expected["protectedHeaders"]["cborHex"].get<std::string>());
  Result<Bytes> want_output = HexDecode(expected["expectedOutput"]["cborHex"].get<std::string>());
  BOOST_REQUIRE(want_protected.ok() && want_output.ok());

  Result<Bytes> prot = internal::EncodeCoseProtected(r, NotationAlgorithm::kPs384);
  BOOST_REQUIRE(prot.ok());
  BOOST_TEST(HexEncode(*prot) == HexEncode(*want_protected));

  // A real signature: its Sig_structure holds exactly that protected header, and the message is
  // what the encoder gives for the parts.
  Bytes signed_out = Sign(r);
  NotationEnvelope env = Parse(NotationEnvelopeType::kCose, signed_out);
  BOOST_TEST(VerifyNotationSignature(env).ok());
  Result<Bytes> sig_structure = internal::CoseSigStructure(*want_protected, r.payload);
  BOOST_REQUIRE(sig_structure.ok());
  BOOST_TEST(HexEncode(env.signed_bytes) == HexEncode(*sig_structure));
  Result<Bytes> re = internal::EncodeCoseSign1(*want_protected, {{key.cert}, {}, r.signing_agent},
                                               r.payload, env.signature);
  BOOST_REQUIRE(re.ok());
  BOOST_TEST(HexEncode(*re) == HexEncode(signed_out));

  // The placeholder signature is the last 384 bytes of the expected output.
  BOOST_REQUIRE(want_output->size() > 384u);
  Bytes placeholder(want_output->end() - 384, want_output->end());
  Result<Bytes> message =
      internal::EncodeCoseSign1(*prot, {{}, {}, r.signing_agent}, r.payload, placeholder);
  BOOST_REQUIRE(message.ok());
  BOOST_TEST(HexEncode(*message) == HexEncode(*want_output));
}

struct RoundTripCase {
  std::string name;
  std::string curve;
  unsigned rsa_bits;
  NotationAlgorithm alg;
};

BOOST_AUTO_TEST_CASE(sign_parse_verify_round_trip) {
  const std::vector<RoundTripCase> kCases = {
      {"ES256", "P-256", 0, NotationAlgorithm::kEs256},
      {"ES384", "P-384", 0, NotationAlgorithm::kEs384},
      {"ES512", "P-521", 0, NotationAlgorithm::kEs512},
      {"PS256", "", 2048, NotationAlgorithm::kPs256},
      {"PS384", "", 3072, NotationAlgorithm::kPs384},
  };
  for (const RoundTripCase& c : kCases) {
    for (NotationEnvelopeType type : {NotationEnvelopeType::kJws, NotationEnvelopeType::kCose}) {
      for (std::string scheme :
           {std::string(kNotationSchemeX509), std::string(kNotationSchemeSigningAuthority)}) {
        BOOST_TEST_CONTEXT(c.name << " " << NotationEnvelopeMediaType(type) << " " << scheme) {
          const TestKey& key = SharedKey(c.curve, c.rsa_bits);
          NotationSignRequest r = BaseRequest(type, key);
          r.signing_scheme = scheme;
          Bytes seen_signature;
          r.timestamper = [&](ByteView sig) -> Result<Bytes> {
            seen_signature.assign(sig.begin(), sig.end());
            return ToBytes("token over the signature");
          };
          Bytes out = Sign(r);
          NotationEnvelope env = Parse(type, out);
          Status st = VerifyNotationSignature(env);
          BOOST_TEST(st.ok(), st.ToString());
          BOOST_TEST((env.type == type));
          BOOST_TEST((env.algorithm == c.alg));
          BOOST_TEST(env.content_type == kNotationPayloadType);
          BOOST_TEST(env.signing_scheme == scheme);
          const std::string when = "2026-01-02T03:04:05Z";  // whole seconds are written
          if (scheme == kNotationSchemeX509) {
            BOOST_TEST(FormatRfc3339Millis(env.signing_time.value()) == "2026-01-02T03:04:05.000Z");
            BOOST_TEST(!env.authentic_signing_time.has_value());
          } else {
            BOOST_TEST(FormatRfc3339(env.authentic_signing_time.value()) == when);
            BOOST_TEST(!env.signing_time.has_value());
          }
          BOOST_TEST(FormatRfc3339(env.expiry.value()) == "2027-01-02T03:04:05Z");
          BOOST_TEST_REQUIRE(env.extended.size() == 2u);
          for (const NotationExtendedAttribute& a : env.extended) {
            const bool crit = a.key == "io.acme.critical";
            BOOST_TEST(a.critical == crit);
            BOOST_TEST(a.value == (crit ? "yes" : "hello"));
          }
          BOOST_TEST((env.payload == r.payload));
          BOOST_TEST((env.certificate_chain == r.certificate_chain));
          BOOST_TEST(env.signing_agent == "vouch-test/1.0");
          BOOST_TEST((env.signature == seen_signature));
          BOOST_TEST(ToString(env.timestamp_token) == "token over the signature");
          Result<NotationTarget> target = ParseNotationPayload(env.payload);
          BOOST_REQUIRE(target.ok());
          BOOST_TEST(target->size == 1234);
          BOOST_TEST(target->annotations.at("buildId") == "101");
        }
      }
    }
  }
}

// crit in notation-core-go's order (jws.go getSignedAttributes): scheme, critical extended keys,
// authenticSigningTime, expiry.
BOOST_AUTO_TEST_CASE(jws_crit_order_for_signing_authority) {
  NotationSignRequest r = BaseRequest(NotationEnvelopeType::kJws, SharedKey("P-256", 0));
  r.signing_scheme = std::string(kNotationSchemeSigningAuthority);
  Result<Json> env = ParseJson(AsChars(Sign(r)), "signed JWS");
  BOOST_REQUIRE(env.ok());
  Result<Json> header = ParseJson(Unb64url((*env)["protected"].get<std::string>()), "header");
  BOOST_REQUIRE(header.ok());
  BOOST_TEST(DumpJson((*header)["crit"]) ==
             R"(["io.cncf.notary.signingScheme","io.acme.critical",)"
             R"("io.cncf.notary.authenticSigningTime","io.cncf.notary.expiry"])");
  BOOST_TEST(!header->contains("io.cncf.notary.signingTime"));
}

BOOST_AUTO_TEST_CASE(sign_refuses_bad_requests) {
  const TestKey& ec = SharedKey("P-256", 0);
  const TestKey& other = SharedKey("P-384", 0);
  NotationSignRequest r = BaseRequest(NotationEnvelopeType::kJws, ec);
  r.certificate_chain = {other.cert};  // not the signer's key
  BOOST_TEST(IsInvalidArgument(SignNotationEnvelope(r).status()));
  r = BaseRequest(NotationEnvelopeType::kCose, ec);
  r.extended.push_back({"io.cncf.notary.expiry", "x", false});
  BOOST_TEST(IsInvalidArgument(SignNotationEnvelope(r).status()));
  r = BaseRequest(NotationEnvelopeType::kJws, ec);
  r.signing_scheme = "notary.other";
  BOOST_TEST(IsInvalidArgument(SignNotationEnvelope(r).status()));
  r.signer = nullptr;
  BOOST_TEST(IsInvalidArgument(SignNotationEnvelope(r).status()));
  auto ed = keys::Generate(keys::KeyAlgorithm::kEd25519);
  BOOST_REQUIRE(ed.ok());
  r = BaseRequest(NotationEnvelopeType::kJws, ec);
  r.signer = ed->get();
  BOOST_TEST(IsInvalidArgument(SignNotationEnvelope(r).status()));
}

BOOST_AUTO_TEST_CASE(payload_round_trip_and_errors) {
  NotationTarget t{"application/vnd.oci.image.manifest.v1+json", "sha256:abc", 7, {}};
  BOOST_TEST(ToString(NotationPayload(t)) ==
             R"({"targetArtifact":{"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
             R"("digest":"sha256:abc","size":7}})");
  for (const char* bad : {R"({})", R"({"targetArtifact":{"digest":"d","size":1}})",
                          R"({"targetArtifact":{"mediaType":"m","digest":"d","size":-1}})",
                          R"({"targetArtifact":{"mediaType":"m","digest":"d","size":1,)"
                          R"("annotations":{"a":1}}})",
                          "not json"}) {
    BOOST_TEST(IsVerificationFailed(ParseNotationPayload(AsBytes(bad)).status()), bad);
  }
}

BOOST_AUTO_TEST_CASE(malformed_jws) {
  const auto kJws = NotationEnvelopeType::kJws;
  const Bytes valid = Sign(BaseRequest(kJws, SharedKey("P-256", 0)));
  BOOST_REQUIRE(ParseNotationEnvelope(kJws, valid).ok());
  for (size_t n : {size_t{0}, size_t{1}, valid.size() / 2, valid.size() - 1}) {
    ExpectMalformed(kJws, ByteView(valid).first(n), "truncated to " + std::to_string(n));
  }
  Bytes big = valid;
  big.resize(kMaxNotationEnvelopeSize + 1, ' ');
  ExpectMalformed(kJws, big, "oversized", "over the limit");

  using Edit = std::function<void(Json&, Json&)>;
  const std::vector<std::tuple<std::string, Edit, std::string>> kEdits = {
      {"missing crit", [](Json& h, Json&) { h.erase("crit"); }, "no crit"},
      {"empty crit", [](Json& h, Json&) { h["crit"] = Json::array(); }, "no crit"},
      {"crit not an array", [](Json& h, Json&) { h["crit"] = "x"; }, "crit is not an array"},
      {"crit names an absent header", [](Json& h, Json&) { h["crit"].push_back("io.acme.absent"); },
       "not in the protected"},
      {"crit without signingScheme",
       [](Json& h, Json&) {
         h["crit"] = Json::array({"io.cncf.notary.expiry", "io.acme.critical"});
       },
       "crit must list io.cncf.notary.signingScheme"},
      {"expiry not critical",
       [](Json& h, Json&) { h["crit"] = Json::array({"io.cncf.notary.signingScheme"}); },
       "crit must list io.cncf.notary.expiry"},
      {"crit twice", [](Json& h, Json&) { h["crit"].push_back("io.cncf.notary.expiry"); }, "twice"},
      {"crit names alg", [](Json& h, Json&) { h["crit"].push_back("alg"); }, "may not be critical"},
      {"crit names signingTime",
       [](Json& h, Json&) { h["crit"].push_back("io.cncf.notary.signingTime"); },
       "may not be critical"},
      {"authority with a signingTime too",
       [](Json& h, Json&) {
         h["io.cncf.notary.signingScheme"] = "notary.x509.signingAuthority";
         h["io.cncf.notary.authenticSigningTime"] = h["io.cncf.notary.signingTime"];
         h["crit"].push_back("io.cncf.notary.authenticSigningTime");
       },
       "may not claim io.cncf.notary.signingTime"},
      {"notary.x509 with an authenticSigningTime",
       [](Json& h, Json&) {
         h["io.cncf.notary.authenticSigningTime"] = h["io.cncf.notary.signingTime"];
         h["crit"].push_back("io.cncf.notary.authenticSigningTime");
       },
       "may not claim io.cncf.notary.authenticSigningTime"},
      {"unknown scheme", [](Json& h, Json&) { h["io.cncf.notary.signingScheme"] = "notary.other"; },
       "unknown signing scheme"},
      {"no signingTime", [](Json& h, Json&) { h.erase("io.cncf.notary.signingTime"); },
       "needs io.cncf.notary.signingTime"},
      {"time not RFC 3339", [](Json& h, Json&) { h["io.cncf.notary.signingTime"] = "yesterday"; },
       "RFC 3339"},
      {"time a number", [](Json& h, Json&) { h["io.cncf.notary.expiry"] = 5; }, "RFC 3339"},
      {"unknown alg", [](Json& h, Json&) { h["alg"] = "EdDSA"; }, "not a Notation algorithm"},
      {"alg missing", [](Json& h, Json&) { h.erase("alg"); }, "no alg"},
      {"cty wrong", [](Json& h, Json&) { h["cty"] = "application/json"; }, "content type"},
      {"registered header", [](Json& h, Json&) { h["kid"] = "k"; }, "may not carry"},
      {"protected not an object", [](Json& h, Json&) { h = Json::array(); }, "not a JSON object"},
      {"x5c empty",
       [](Json& h, Json& e) {
         e["header"]["x5c"] = Json::array();
         h = nullptr;
       },
       "certificate chain is empty"},
      {"x5c too long",
       [](Json& h, Json& e) {
         e["header"]["x5c"] = Json::array();
         for (int i = 0; i < 17; ++i) {
           e["header"]["x5c"].push_back("AAAA");
         }
         h = nullptr;
       },
       "at most 16"},
      {"x5c not strings",
       [](Json& h, Json& e) {
         e["header"]["x5c"] = Json::array({1});
         h = nullptr;
       },
       "x5c entry"},
      {"no header",
       [](Json& h, Json& e) {
         e.erase("header");
         h = nullptr;
       },
       "\"header\""},
      {"payload a number",
       [](Json& h, Json& e) {
         e["payload"] = 1;
         h = nullptr;
       },
       "payload"},
      {"padded signature",
       [](Json& h, Json& e) {
         e["signature"] = e["signature"].get<std::string>() + "==";
         h = nullptr;
       },
       "padding"},
      {"general serialization",
       [](Json& h, Json& e) {
         e["signatures"] = Json::array();
         h = nullptr;
       },
       "flattened"},
  };
  for (const auto& [name, edit, rule] : kEdits) {
    ExpectMalformed(kJws, JwsWith(valid, edit), name, rule);
  }
  ExpectMalformed(kJws, AsBytes("[]"), "not an object", "not a JSON object");
}

// ---- COSE mutation helpers (test-side CBOR through libcbor) ----

struct CborFree {
  void operator()(cbor_item_t* i) const { cbor_decref(&i); }
};
using Cbor = std::unique_ptr<cbor_item_t, CborFree>;

Bytes SerializeCbor(const cbor_item_t* item) {
  unsigned char* buf = nullptr;
  size_t cap = 0;
  size_t n = cbor_serialize_alloc(item, &buf, &cap);
  BOOST_REQUIRE(n > 0);
  Bytes out(buf, buf + n);
  free(buf);
  return out;
}

// ProtectedEdit rebuilds the protected header of a signed COSE envelope with |edit| applied to
// its (key, value) pairs, and re-encodes the message with the same unprotected parts.
using Pairs = std::vector<std::pair<Cbor, Cbor>>;
Bytes CoseWithProtected(const NotationEnvelope& env, ByteView protected_header,
                        const std::function<void(Pairs&)>& edit) {
  cbor_load_result res;
  Cbor map(cbor_load(protected_header.data(), protected_header.size(), &res));
  BOOST_REQUIRE(map != nullptr && cbor_isa_map(map.get()));
  Pairs pairs;
  cbor_pair* h = cbor_map_handle(map.get());
  for (size_t i = 0; i < cbor_map_size(map.get()); ++i) {
    pairs.emplace_back(Cbor(cbor_incref(h[i].key)), Cbor(cbor_incref(h[i].value)));
  }
  edit(pairs);
  Cbor out(cbor_new_definite_map(pairs.size()));
  for (auto& [k, v] : pairs) {
    BOOST_REQUIRE(cbor_map_add(out.get(), cbor_pair{k.get(), v.get()}));
  }
  Result<Bytes> msg = internal::EncodeCoseSign1(SerializeCbor(out.get()),
                                                {env.certificate_chain, {}, env.signing_agent},
                                                env.payload, env.signature);
  BOOST_REQUIRE(msg.ok());
  return *msg;
}

Cbor TextItem(const std::string& s) { return Cbor(cbor_build_stringn(s.data(), s.size())); }

bool IsKey(const Cbor& k, const std::string& text) {
  return cbor_isa_string(k.get()) &&
         std::string(reinterpret_cast<const char*>(cbor_string_handle(k.get())),
                     cbor_string_length(k.get())) == text;
}
bool IsLabel(const Cbor& k, uint64_t label) {
  return cbor_isa_uint(k.get()) && cbor_get_int(k.get()) == label;
}

BOOST_AUTO_TEST_CASE(malformed_cose) {
  const auto kCose = NotationEnvelopeType::kCose;
  NotationSignRequest r = BaseRequest(kCose, SharedKey("P-256", 0));
  const Bytes valid = Sign(r);
  NotationEnvelope env = Parse(kCose, valid);
  Result<Bytes> prot = internal::EncodeCoseProtected(r, NotationAlgorithm::kEs256);
  BOOST_REQUIRE(prot.ok());
  // The envelope with the re-encoded (unchanged) header is still the same message.
  BOOST_TEST((CoseWithProtected(env, *prot, [](Pairs&) {}) == valid));

  for (size_t n = 0; n < valid.size(); ++n) {
    Result<NotationEnvelope> cut = ParseNotationEnvelope(kCose, ByteView(valid).first(n));
    BOOST_TEST_REQUIRE(IsVerificationFailed(cut.status()), "truncated to " << n);
  }
  Bytes trailing = valid;
  trailing.push_back(0);
  ExpectMalformed(kCose, trailing, "trailing byte", "trailing");
  Bytes other_tag = {0xD8, 0x13};  // tag 19, in the two-byte form libcbor 0.8 reads
  other_tag.insert(other_tag.end(), valid.begin() + 1, valid.end());
  ExpectMalformed(kCose, other_tag, "tag 19", "tag 18");
  Bytes long_tag = {0xD8, 0x12};  // tag 18 in the two-byte form is still COSE_Sign1_Tagged
  long_tag.insert(long_tag.end(), valid.begin() + 1, valid.end());
  BOOST_TEST(ParseNotationEnvelope(kCose, long_tag).ok());
  ExpectMalformed(kCose, ByteView(valid).subspan(1), "untagged", "tag 18");
  ExpectMalformed(kCose, Bytes(100000, 0x81), "deep nesting", "nested too deeply");
  ExpectMalformed(kCose, Bytes{0xD2, 0x9F, 0xFF}, "indefinite array", "indefinite");
  ExpectMalformed(kCose, Bytes{0xD2, 0x9B, 0, 0, 0, 1, 0, 0, 0, 0}, "huge array claim",
                  "more items than bytes");
  ExpectMalformed(kCose, Bytes{0xD2, 0xBB, 0x10, 0, 0, 0, 0, 0, 0, 0}, "huge map claim",
                  "more items than bytes");
  ExpectMalformed(kCose, Bytes{0xD2, 0x80}, "empty array", "four items");
  Bytes big(kMaxNotationEnvelopeSize + 1, 0);
  ExpectMalformed(kCose, big, "oversized", "over the limit");

  Result<Bytes> no_chain =
      internal::EncodeCoseSign1(*prot, {{}, {}, "agent"}, env.payload, env.signature);
  BOOST_REQUIRE(no_chain.ok());
  ExpectMalformed(kCose, *no_chain, "no x5chain", "certificate chain is empty");

  const std::vector<std::tuple<std::string, std::function<void(Pairs&)>, std::string>> kEdits = {
      {"missing crit",
       [](Pairs& p) { std::erase_if(p, [](auto& e) { return IsLabel(e.first, 2); }); }, "no crit"},
      {"crit names an absent header",
       [](Pairs& p) {
         for (auto& [k, v] : p) {
           if (IsLabel(k, 2)) {
             cbor_item_t* crit = cbor_new_definite_array(cbor_array_size(v.get()) + 1);
             for (size_t i = 0; i < cbor_array_size(v.get()); ++i) {
               cbor_array_push(crit, cbor_array_handle(v.get())[i]);
             }
             Cbor absent = TextItem("io.acme.absent");
             cbor_array_push(crit, absent.get());
             v.reset(crit);
           }
         }
       },
       "not in the protected header"},
      {"crit not an array",
       [](Pairs& p) {
         for (auto& [k, v] : p) {
           if (IsLabel(k, 2)) {
             v = TextItem("x");
           }
         }
       },
       "crit is not an array"},
      {"unknown scheme",
       [](Pairs& p) {
         for (auto& [k, v] : p) {
           if (IsKey(k, "io.cncf.notary.signingScheme")) {
             v = TextItem("notary.other");
           }
         }
       },
       "unknown signing scheme"},
      {"time not a tag",
       [](Pairs& p) {
         for (auto& [k, v] : p) {
           if (IsKey(k, "io.cncf.notary.signingTime")) {
             v = TextItem("2026-01-01T00:00:00Z");
           }
         }
       },
       "tag 1"},
      {"alg wrong type",
       [](Pairs& p) {
         for (auto& [k, v] : p) {
           if (IsLabel(k, 1)) {
             v = TextItem("ES256");
           }
         }
       },
       "not a Notation algorithm"},
      {"unknown standard label",
       [](Pairs& p) { p.emplace_back(Cbor(cbor_build_uint8(4)), TextItem("kid")); },
       "may not carry label 4"},
      {"duplicate label",
       [](Pairs& p) { p.emplace_back(Cbor(cbor_build_uint8(3)), TextItem("x")); }, "twice"},
      {"label of another type",
       [](Pairs& p) { p.emplace_back(Cbor(cbor_build_bool(true)), TextItem("x")); },
       "neither an integer nor text"},
  };
  for (const auto& [name, edit, rule] : kEdits) {
    ExpectMalformed(kCose, CoseWithProtected(env, *prot, edit), name, rule);
  }
}

BOOST_AUTO_TEST_CASE(envelope_type_names) {
  BOOST_TEST((ParseNotationEnvelopeType("jws").value() == NotationEnvelopeType::kJws));
  BOOST_TEST(
      (ParseNotationEnvelopeType("application/cose").value() == NotationEnvelopeType::kCose));
  BOOST_TEST(IsInvalidArgument(ParseNotationEnvelopeType("cbor").status()));
  BOOST_TEST(NotationEnvelopeMediaType(NotationEnvelopeType::kCose) == "application/cose");
  BOOST_TEST(
      (NotationAlgorithmFor(keys::KeyAlgorithm::kRsa3072).value() == NotationAlgorithm::kPs384));
  BOOST_TEST(IsInvalidArgument(NotationAlgorithmFor(keys::KeyAlgorithm::kEd25519).status()));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::attest
