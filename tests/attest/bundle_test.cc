#include "vouch/attest/bundle.h"

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "vouch/core/bytes.h"
#include "vouch/core/digest.h"

namespace vouch::attest {
namespace {

namespace bdata = boost::unit_test::data;

// A minimal key-signed bundle as cosign v3 writes it (formats.md section 4.2), with a 32-byte
// digest of "hello" and a short stand-in signature.
const std::string kDigestB64 = "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=";  // sha256("hello")
const std::string kKeyBundle =
    R"({"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json",)"
    R"("verificationMaterial":{"publicKey":{"hint":"TLMsSDfG3ajPsWge+z/vX5T/zluXnmvbkTkwLIV68Tk="}},)"
    R"("messageSignature":{"messageDigest":{"algorithm":"SHA2_256","digest":")" +
    kDigestB64 + R"("},"signature":"MEUCIQ=="}})";

std::string WithMediaType(const std::string& media_type) {
  std::string b = kKeyBundle;
  const std::string from = "application/vnd.dev.sigstore.bundle.v0.3+json";
  b.replace(b.find(from), from.size(), media_type);
  return b;
}

BOOST_AUTO_TEST_SUITE(bundle)

struct MediaTypeCase {
  std::string media_type;
  bool accepted;
  BundleVersion version;
};
std::ostream& operator<<(std::ostream& os, const MediaTypeCase& c) { return os << c.media_type; }

const MediaTypeCase kMediaTypes[] = {
    {"application/vnd.dev.sigstore.bundle+json;version=0.1", true, BundleVersion::kV01},
    {"application/vnd.dev.sigstore.bundle+json;version=0.2", true, BundleVersion::kV02},
    {"application/vnd.dev.sigstore.bundle+json;version=0.3", true, BundleVersion::kV03},
    {"application/vnd.dev.sigstore.bundle.v0.3+json", true, BundleVersion::kV03},
    {"application/vnd.dev.sigstore.bundle+json;version=99.9", false, BundleVersion::kV03},
    {"application/vnd.dev.sigstore.bundle.v0.4+json", false, BundleVersion::kV03},
    {"application/vnd.dev.sigstore.bundle+json", false, BundleVersion::kV03},
    {"application/vnd.dev.sigstore.bundle+json;version=0.3 ", false, BundleVersion::kV03},
    {"APPLICATION/VND.DEV.SIGSTORE.BUNDLE.V0.3+JSON", false, BundleVersion::kV03},
    {"application/json", false, BundleVersion::kV03},
};

BOOST_DATA_TEST_CASE(media_types, bdata::make(kMediaTypes), c) {
  auto b = ParseBundle(WithMediaType(c.media_type));
  if (c.accepted) {
    BOOST_REQUIRE_MESSAGE(b.ok(), b.status().ToString());
    BOOST_TEST((b->version == c.version));
    BOOST_TEST(b->media_type == c.media_type);
  } else {
    BOOST_TEST(IsInvalidArgument(b.status()));
    BOOST_TEST(b.status().message().find("mediaType") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(parses_key_signed_bundle) {
  auto b = ParseBundle(kKeyBundle);
  BOOST_REQUIRE_MESSAGE(b.ok(), b.status().ToString());
  BOOST_TEST((b->verification_material.kind == VerificationMaterial::Kind::kPublicKey));
  BOOST_TEST(b->verification_material.public_key_hint ==
             "TLMsSDfG3ajPsWge+z/vX5T/zluXnmvbkTkwLIV68Tk=");
  BOOST_TEST(b->verification_material.certificates.empty());
  BOOST_TEST(b->verification_material.tlog_entries.empty());
  BOOST_REQUIRE(b->IsMessageSignature());
  const auto& ms = std::get<MessageSignature>(b->content);
  BOOST_REQUIRE(ms.message_digest.has_value());
  BOOST_TEST(ms.message_digest->algorithm == "SHA2_256");
  BOOST_TEST((ms.message_digest->Hash() == HashAlgorithm::kSha256));
  BOOST_TEST(ms.message_digest->digest == Digest::Of(AsBytes("hello")).bytes());
  BOOST_TEST(ms.signature == (Bytes{0x30, 0x45, 0x02, 0x21}));
}

BOOST_AUTO_TEST_CASE(accepts_snake_case_url_safe_and_numeric_forms) {
  // The same bundle written with proto field names, URL-safe unpadded base64, a numeric enum and
  // numeric int64s, plus unknown fields that must be ignored.
  const std::string snake =
      R"({"media_type":"application/vnd.dev.sigstore.bundle.v0.3+json","futureField":{"x":1},)"
      R"("verification_material":{"public_key":{"hint":"abc","unknown":true},)"
      R"("tlog_entries":[{"log_index":7,"integrated_time":"1689177396",)"
      R"("kind_version":{"kind":"hashedrekord","version":"0.0.1"}}]},)"
      R"("message_signature":{"message_digest":{"algorithm":1,)"
      R"("digest":"LPJNul-wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ"},"signature":"MEUCIQ"}})";
  auto b = ParseBundle(snake);
  BOOST_REQUIRE_MESSAGE(b.ok(), b.status().ToString());
  BOOST_TEST(b->verification_material.public_key_hint == "abc");
  BOOST_REQUIRE(b->verification_material.tlog_entries.size() == 1u);
  const TlogEntry& e = b->verification_material.tlog_entries[0];
  BOOST_TEST(e.log_index == 7);
  BOOST_TEST(e.integrated_time == 1689177396);
  BOOST_TEST(e.kind == "hashedrekord");
  BOOST_TEST(e.kind_version == "0.0.1");
  const auto& ms = std::get<MessageSignature>(b->content);
  BOOST_TEST(ms.message_digest->algorithm == "SHA2_256");
  BOOST_TEST(ms.message_digest->digest == Digest::Of(AsBytes("hello")).bytes());
  BOOST_TEST(ms.signature == (Bytes{0x30, 0x45, 0x02, 0x21}));
}

BOOST_AUTO_TEST_CASE(parses_certificate_chain_and_dsse) {
  const std::string v01 =
      R"({"mediaType":"application/vnd.dev.sigstore.bundle+json;version=0.1",)"
      R"("verificationMaterial":{"x509CertificateChain":{"certificates":[{"rawBytes":"AQI="},)"
      R"({"rawBytes":"AwQ="}]},"timestampVerificationData":{"rfc3161Timestamps":[]}},)"
      R"("dsseEnvelope":{"payload":"e30=","payloadType":"application/vnd.in-toto+json",)"
      R"("signatures":[{"sig":"BQY=","keyid":""}]}})";
  auto b = ParseBundle(v01);
  BOOST_REQUIRE_MESSAGE(b.ok(), b.status().ToString());
  const VerificationMaterial& vm = b->verification_material;
  BOOST_TEST((vm.kind == VerificationMaterial::Kind::kCertificateChain));
  BOOST_REQUIRE(vm.certificates.size() == 2u);
  BOOST_TEST(vm.certificates[1] == (Bytes{3, 4}));
  BOOST_TEST(vm.timestamp_verification_data == R"({"rfc3161Timestamps":[]})");
  BOOST_REQUIRE(!b->IsMessageSignature());
  const auto& env = std::get<DsseEnvelope>(b->content);
  BOOST_TEST(ToString(env.payload) == "{}");
  BOOST_TEST(env.payload_type == "application/vnd.in-toto+json");
  BOOST_REQUIRE(env.signatures.size() == 1u);
  BOOST_TEST(env.signatures[0].sig == (Bytes{5, 6}));

  const std::string v03 = R"({"mediaType":"application/vnd.dev.sigstore.bundle+json;version=0.3",)"
                          R"("verificationMaterial":{"certificate":{"rawBytes":"AQI="}},)"
                          R"("messageSignature":{"signature":"BQY="}})";
  auto c = ParseBundle(v03);
  BOOST_REQUIRE_MESSAGE(c.ok(), c.status().ToString());
  BOOST_TEST((c->verification_material.kind == VerificationMaterial::Kind::kCertificate));
  BOOST_TEST(c->verification_material.certificates.size() == 1u);
  BOOST_TEST(!std::get<MessageSignature>(c->content).message_digest.has_value());
}

// Each malformed bundle is kInvalidArgument and the message names the offending field.
struct BadCase {
  std::string name;
  std::string json;
  std::string mentions;
};
std::ostream& operator<<(std::ostream& os, const BadCase& c) { return os << c.name; }

const std::string kMt = R"("mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json")";
const std::string kVm = R"("verificationMaterial":{"publicKey":{"hint":"h"}})";
const std::string kMs = R"("messageSignature":{"signature":"MEUCIQ=="})";

const BadCase kBadCases[] = {
    {"empty", "", "not valid JSON"},
    {"truncated", kKeyBundle.substr(0, kKeyBundle.size() / 2), "not valid JSON"},
    {"garbage", "\x89PNG\r\n\x1a\n\x00\x01", "not valid JSON"},
    {"array", "[]", "must be a JSON object"},
    {"no_media_type", "{" + kVm + "," + kMs + "}", "mediaType"},
    {"media_type_number", R"({"mediaType":3,)" + kVm + "," + kMs + "}", "mediaType"},
    {"no_material", "{" + kMt + "," + kMs + "}", "verificationMaterial"},
    {"material_not_object", "{" + kMt + R"(,"verificationMaterial":[],)" + kMs + "}",
     "verificationMaterial"},
    {"two_materials",
     "{" + kMt + R"(,"verificationMaterial":{"publicKey":{},"certificate":{"rawBytes":"AQ=="}},)" +
         kMs + "}",
     "exactly one of"},
    {"no_key_material", "{" + kMt + R"(,"verificationMaterial":{},)" + kMs + "}", "exactly one of"},
    {"hint_not_string",
     "{" + kMt + R"(,"verificationMaterial":{"publicKey":{"hint":5}},)" + kMs + "}",
     "verificationMaterial.publicKey.hint"},
    {"empty_chain",
     "{" + kMt + R"(,"verificationMaterial":{"x509CertificateChain":{"certificates":[]}},)" + kMs +
         "}",
     "verificationMaterial.x509CertificateChain.certificates"},
    {"cert_bad_base64",
     "{" + kMt + R"(,"verificationMaterial":{"certificate":{"rawBytes":"!!"}},)" + kMs + "}",
     "verificationMaterial.certificate.rawBytes"},
    {"cert_missing_bytes", "{" + kMt + R"(,"verificationMaterial":{"certificate":{}},)" + kMs + "}",
     "verificationMaterial.certificate.rawBytes"},
    {"no_content", "{" + kMt + "," + kVm + "}", "exactly one of \"messageSignature\""},
    {"both_contents",
     "{" + kMt + "," + kVm + "," + kMs +
         R"(,"dsseEnvelope":{"payload":"","payloadType":"t","signatures":[{"sig":"AQ=="}]}})",
     "exactly one of \"messageSignature\""},
    {"signature_missing", "{" + kMt + "," + kVm + R"(,"messageSignature":{}})",
     "messageSignature.signature"},
    {"signature_bad_base64",
     "{" + kMt + "," + kVm + R"(,"messageSignature":{"signature":"INVALID!!!BASE64===="}})",
     "messageSignature.signature"},
    {"signature_mixed_alphabets",
     "{" + kMt + "," + kVm + R"(,"messageSignature":{"signature":"+_8="}})",
     "messageSignature.signature"},
    {"digest_wrong_length",
     "{" + kMt + "," + kVm +
         R"(,"messageSignature":{"messageDigest":{"algorithm":"SHA2_256","digest":"AQID"},)"
         R"("signature":"AQ=="}})",
     "messageSignature.messageDigest.digest"},
    {"digest_unknown_algorithm",
     "{" + kMt + "," + kVm +
         R"(,"messageSignature":{"messageDigest":{"algorithm":"MD5","digest":"AQID"},)"
         R"("signature":"AQ=="}})",
     "messageSignature.messageDigest.algorithm"},
    {"digest_algorithm_out_of_range",
     "{" + kMt + "," + kVm +
         R"(,"messageSignature":{"messageDigest":{"algorithm":42},"signature":"AQ=="}})",
     "messageSignature.messageDigest.algorithm"},
    {"negative_log_index",
     "{" + kMt + R"(,"verificationMaterial":{"publicKey":{},"tlogEntries":[{"logIndex":"-1"}]},)" +
         kMs + "}",
     "verificationMaterial.tlogEntries[0].logIndex"},
    {"log_index_not_decimal",
     "{" + kMt +
         R"(,"verificationMaterial":{"publicKey":{},"tlogEntries":[{"logIndex":"0x10"}]},)" + kMs +
         "}",
     "verificationMaterial.tlogEntries[0].logIndex"},
    {"log_index_float",
     "{" + kMt + R"(,"verificationMaterial":{"publicKey":{},"tlogEntries":[{"logIndex":1.5}]},)" +
         kMs + "}",
     "verificationMaterial.tlogEntries[0].logIndex"},
    {"log_index_too_big",
     "{" + kMt +
         R"(,"verificationMaterial":{"publicKey":{},"tlogEntries":[{"logIndex":"9223372036854775808"}]},)" +
         kMs + "}",
     "verificationMaterial.tlogEntries[0].logIndex"},
    {"tlog_entry_not_object",
     "{" + kMt + R"(,"verificationMaterial":{"publicKey":{},"tlogEntries":[1]},)" + kMs + "}",
     "verificationMaterial.tlogEntries[0]"},
    {"dsse_two_signatures",
     "{" + kMt + "," + kVm +
         R"(,"dsseEnvelope":{"payload":"","payloadType":"t","signatures":[{"sig":"AQ=="},{"sig":"AQ=="}]}})",
     "dsseEnvelope.signatures"},
    {"dsse_no_signatures",
     "{" + kMt + "," + kVm + R"(,"dsseEnvelope":{"payload":"","payloadType":"t"}})",
     "dsseEnvelope.signatures"},
    {"dsse_no_payload_type",
     "{" + kMt + "," + kVm + R"(,"dsseEnvelope":{"payload":"","signatures":[{"sig":"AQ=="}]}})",
     "dsseEnvelope.payloadType"},
    {"both_spellings",
     "{" + kMt + R"(,"media_type":"application/vnd.dev.sigstore.bundle.v0.3+json",)" + kVm + "," +
         kMs + "}",
     "given twice"},
    {"too_deep", std::string(100, '[') + std::string(100, ']'), "deeper"},
};

BOOST_DATA_TEST_CASE(rejects_malformed_bundles, bdata::make(kBadCases), c) {
  auto b = ParseBundle(c.json);
  BOOST_TEST(IsInvalidArgument(b.status()), c.name << ": " << b.status().ToString());
  BOOST_TEST(b.status().message().find(c.mentions) != std::string::npos,
             c.name << ": \"" << b.status().message() << "\" should mention " << c.mentions);
}

BOOST_AUTO_TEST_CASE(rejects_oversized_bundle_before_parsing) {
  std::string big = kKeyBundle;
  big.append(kMaxBundleSize - big.size() + 1, ' ');
  BOOST_TEST(IsResourceExhausted(ParseBundle(big).status()));
  // Exactly at the cap is still parsed (trailing whitespace is valid JSON).
  big.pop_back();
  BOOST_TEST(ParseBundle(big).ok());
}

BOOST_AUTO_TEST_CASE(null_fields_mean_absent) {
  const std::string j = "{" + kMt + "," + kVm +
                        R"(,"messageSignature":{"messageDigest":null,"signature":"AQ=="},)"
                        R"("dsseEnvelope":null})";
  auto b = ParseBundle(j);
  BOOST_REQUIRE_MESSAGE(b.ok(), b.status().ToString());
  BOOST_TEST(!std::get<MessageSignature>(b->content).message_digest.has_value());
}

BOOST_AUTO_TEST_CASE(serialize_round_trips_and_writes_canonical_form) {
  auto b = ParseBundle(kKeyBundle);
  BOOST_REQUIRE(b.ok());
  auto s = SerializeBundle(*b);
  BOOST_REQUIRE_MESSAGE(s.ok(), s.status().ToString());
  BOOST_TEST(*s == kKeyBundle);  // the fixture is already in the canonical field order

  // A bundle with every optional part survives parse -> serialize -> parse unchanged.
  const std::string full =
      R"({"mediaType":"application/vnd.dev.sigstore.bundle+json;version=0.2",)"
      R"("verificationMaterial":{"x509CertificateChain":{"certificates":[{"rawBytes":"AQI="}]},)"
      R"("tlogEntries":[{"integratedTime":"9","logId":{"keyId":"AQ=="},"logIndex":"3"}],)"
      R"("timestampVerificationData":{"rfc3161Timestamps":[{"signedTimestamp":"AQ=="}]}},)"
      R"("dsseEnvelope":{"payload":"e30=","payloadType":"application/vnd.in-toto+json",)"
      R"("signatures":[{"sig":"BQY=","keyid":"k"}]}})";
  auto p1 = ParseBundle(full);
  BOOST_REQUIRE_MESSAGE(p1.ok(), p1.status().ToString());
  auto s1 = SerializeBundle(*p1);
  BOOST_REQUIRE(s1.ok());
  BOOST_TEST(*s1 == full);
  auto p2 = ParseBundle(*s1);
  BOOST_REQUIRE(p2.ok());
  BOOST_TEST(*SerializeBundle(*p2) == *s1);
  BOOST_TEST(p2->verification_material.tlog_entries[0].json ==
             p1->verification_material.tlog_entries[0].json);
}

BOOST_AUTO_TEST_CASE(serialize_rejects_inconsistent_bundles) {
  auto b = ParseBundle(kKeyBundle);
  BOOST_REQUIRE(b.ok());
  Bundle bad = *b;
  bad.media_type = "application/json";
  BOOST_TEST(IsInvalidArgument(SerializeBundle(bad).status()));
  bad = *b;
  bad.version = BundleVersion::kV01;
  BOOST_TEST(IsInvalidArgument(SerializeBundle(bad).status()));
  bad = *b;
  std::get<MessageSignature>(bad.content).signature.clear();
  BOOST_TEST(IsInvalidArgument(SerializeBundle(bad).status()));
  bad = *b;
  bad.verification_material.kind = VerificationMaterial::Kind::kCertificate;
  BOOST_TEST(IsInvalidArgument(SerializeBundle(bad).status()));
}

BOOST_AUTO_TEST_CASE(proto_hash_names) {
  BOOST_TEST(ProtoHashAlgorithmName(HashAlgorithm::kSha256) == "SHA2_256");
  BOOST_TEST(ProtoHashAlgorithmName(HashAlgorithm::kSha384) == "SHA2_384");
  BOOST_TEST(ProtoHashAlgorithmName(HashAlgorithm::kSha512) == "SHA2_512");
  MessageDigest sha3{"SHA3_256", {}};
  MessageDigest unspecified{"HASH_ALGORITHM_UNSPECIFIED", {}};
  BOOST_TEST(!sha3.Hash().has_value());
  BOOST_TEST(!unspecified.Hash().has_value());
}

BOOST_AUTO_TEST_CASE(digesting_source_sees_reads_and_maps) {
  std::string data(3 * 1024 * 1024 + 17, 'x');
  Digest want = Digest::Of(AsBytes(data), HashAlgorithm::kSha384);
  {
    auto inner = MemorySource(AsBytes(data));
    DigestingSource src(*inner, HashAlgorithm::kSha384);
    auto d = HashSource(src, HashAlgorithm::kSha256);
    BOOST_REQUIRE(d.ok());
    BOOST_TEST(d->ToString() == Digest::Of(AsBytes(data)).ToString());
    BOOST_TEST(src.Finish().ToString() == want.ToString());
  }
  {
    auto inner = MemorySource(AsBytes(data));
    DigestingSource src(*inner, HashAlgorithm::kSha384);
    auto view = src.Map();
    BOOST_REQUIRE(view.has_value());
    BOOST_TEST(view->size() == data.size());
    (void)src.Map();  // a second Map must not hash twice
    BOOST_TEST(src.Finish().ToString() == want.ToString());
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::attest
