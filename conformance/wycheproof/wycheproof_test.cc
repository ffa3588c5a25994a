// Runs every Wycheproof signature vector that vouch's algorithms and schemes cover, through the
// public keys API (Verifier::FromSpkiDer + Verify). Every vector is either run or skipped for a
// stated reason, and the per-file counts are asserted, so a vector that silently stops running is
// a failure. The reader fails on any field it does not know.
#define BOOST_TEST_MODULE vouch_wycheproof_tests
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "core/internal/json.h"
#include "testutil/testutil.h"
#include "vouch/core/file.h"
#include "vouch/keys/keys.h"

namespace vouch::keys {
namespace {

namespace bdata = boost::unit_test::data;

// Expected counts per file. Skip reasons: P1363 (raw r||s) signatures are not a vouch encoding
// (vouch verifies DER ECDSA only); SHA-1 and SHA-224 are not in SignatureScheme; PSS is covered
// only with MGF1 over the message hash and salt length = hash length; RSA keys under 2048 bits
// would be rejected by policy (none occur in this selection).
struct FileSpec {
  const char* file;
  int run;
  int skipped;
};
std::ostream& operator<<(std::ostream& os, const FileSpec& f) { return os << f.file; }

const FileSpec kFiles[] = {
    {"ecdsa_secp256r1_sha256_p1363_test.json", 0, 262},
    {"ecdsa_secp256r1_sha256_test.json", 484, 0},
    {"ecdsa_secp256r1_sha512_test.json", 554, 0},
    {"ecdsa_secp384r1_sha256_test.json", 472, 0},
    {"ecdsa_secp384r1_sha384_p1363_test.json", 0, 280},
    {"ecdsa_secp384r1_sha384_test.json", 504, 0},
    {"ecdsa_secp521r1_sha512_p1363_test.json", 0, 318},
    {"ecdsa_secp521r1_sha512_test.json", 542, 0},
    {"ed25519_test.json", 151, 0},
    {"rsa_pkcs1_2048_sig_gen_test.json", 27, 16},
    {"rsa_pkcs1_3072_sig_gen_test.json", 26, 0},
    {"rsa_pkcs1_4096_sig_gen_test.json", 24, 0},
    {"rsa_pss_2048_sha256_mgf1_0_test.json", 0, 103},
    {"rsa_pss_2048_sha256_mgf1_32_test.json", 108, 0},
    {"rsa_pss_2048_sha384_mgf1_48_test.json", 141, 0},
    {"rsa_pss_3072_sha256_mgf1_32_test.json", 108, 0},
    {"rsa_pss_4096_sha256_mgf1_32_test.json", 108, 0},
    {"rsa_pss_4096_sha384_mgf1_48_test.json", 141, 0},
    {"rsa_pss_4096_sha512_mgf1_64_test.json", 179, 0},
    {"rsa_pss_misc_test.json", 3, 147},
    {"rsa_signature_2048_sha256_test.json", 259, 0},
    {"rsa_signature_2048_sha384_test.json", 258, 0},
    {"rsa_signature_2048_sha512_test.json", 259, 0},
    {"rsa_signature_3072_sha256_test.json", 259, 0},
    {"rsa_signature_4096_sha256_test.json", 258, 0},
    {"rsa_signature_4096_sha512_test.json", 259, 0},
};

std::string VectorDir() { return vouch::testing::VectorsDir() + "/wycheproof/testvectors_v1"; }

// Field sets. "Used" fields drive the test; "alternative" fields are other encodings of a key
// that the test deliberately does not read (the DER SPKI is the one input; the PEM is cross-checked).
const std::set<std::string> kTopFields = {"algorithm", "schema",  "numberOfTests",
                                          "header",    "notes",   "testGroups"};
const std::set<std::string> kTestFields = {"tcId", "comment", "flags", "msg", "sig", "result"};
const std::map<std::string, std::set<std::string>> kGroupFields = {
    {"EcdsaVerify", {"type", "source", "publicKey", "publicKeyDer", "publicKeyPem", "sha", "tests"}},
    {"EcdsaP1363Verify",
     {"type", "source", "publicKey", "publicKeyDer", "publicKeyPem", "publicKeyJwk", "sha",
      "tests"}},
    {"EddsaVerify",
     {"type", "source", "publicKey", "publicKeyDer", "publicKeyPem", "publicKeyJwk", "tests"}},
    {"RsassaPkcs1Verify",
     {"type", "source", "keySize", "publicKey", "publicKeyAsn", "publicKeyDer", "publicKeyPem",
      "keyJwk", "sha", "tests"}},
    {"RsassaPssVerify",
     {"type", "source", "keySize", "sha", "mgf", "mgfSha", "sLen", "publicKey", "publicKeyAsn",
      "publicKeyDer", "publicKeyPem", "publicKeyJwk", "tests"}},
    {"RsassaPkcs1Generate",
     {"type", "source", "keySize", "privateKey", "keyAsn", "keyDer", "keyPem", "keyJwk",
      "privateKeyPem", "privateKeyPkcs8", "privateKeyJwk", "sha", "tests"}},
};
const std::map<std::string, std::string> kSchemaForType = {
    {"EcdsaVerify", "ecdsa_verify_schema_v1.json"},
    {"EcdsaP1363Verify", "ecdsa_p1363_verify_schema_v1.json"},
    {"EddsaVerify", "eddsa_verify_schema_v1.json"},
    {"RsassaPkcs1Verify", "rsassa_pkcs1_verify_schema_v1.json"},
    {"RsassaPssVerify", "rsassa_pss_verify_schema_v1.json"},
    {"RsassaPkcs1Generate", "rsassa_pkcs1_generate_schema_v1.json"},
};

void ExpectOnly(const Json& obj, const std::set<std::string>& allowed, const std::string& where) {
  BOOST_REQUIRE_MESSAGE(obj.is_object(), where << " is not an object");
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    BOOST_REQUIRE_MESSAGE(allowed.count(it.key()) == 1,
                          where << ": unexpected field \"" << it.key() << "\"");
  }
}

std::string Str(const Json& obj, const char* field) {
  Result<std::string> s = GetString(obj, field, "wycheproof");
  BOOST_REQUIRE_MESSAGE(s.ok(), s.status().ToString());
  return *s;
}

Bytes Hex(const Json& obj, const char* field) {
  Result<Bytes> b = HexDecode(Str(obj, field));
  BOOST_REQUIRE_MESSAGE(b.ok(), field << ": " << b.status().ToString());
  return *b;
}

std::optional<HashAlgorithm> ParseSha(const std::string& sha) {
  if (sha == "SHA-256") {
    return HashAlgorithm::kSha256;
  }
  if (sha == "SHA-384") {
    return HashAlgorithm::kSha384;
  }
  if (sha == "SHA-512") {
    return HashAlgorithm::kSha512;
  }
  return std::nullopt;  // SHA-1, SHA-224, SHA3-*: not a vouch scheme
}

SignatureScheme EcdsaScheme(HashAlgorithm h) {
  switch (h) {
    case HashAlgorithm::kSha256:
      return SignatureScheme::kEcdsaSha256;
    case HashAlgorithm::kSha384:
      return SignatureScheme::kEcdsaSha384;
    case HashAlgorithm::kSha512:
      return SignatureScheme::kEcdsaSha512;
  }
  return SignatureScheme::kDefault;
}
SignatureScheme Pkcs1Scheme(HashAlgorithm h) {
  switch (h) {
    case HashAlgorithm::kSha256:
      return SignatureScheme::kRsaPkcs1Sha256;
    case HashAlgorithm::kSha384:
      return SignatureScheme::kRsaPkcs1Sha384;
    case HashAlgorithm::kSha512:
      return SignatureScheme::kRsaPkcs1Sha512;
  }
  return SignatureScheme::kDefault;
}
SignatureScheme PssScheme(HashAlgorithm h) {
  switch (h) {
    case HashAlgorithm::kSha256:
      return SignatureScheme::kRsaPssSha256;
    case HashAlgorithm::kSha384:
      return SignatureScheme::kRsaPssSha384;
    case HashAlgorithm::kSha512:
      return SignatureScheme::kRsaPssSha512;
  }
  return SignatureScheme::kDefault;
}

int RsaBits(KeyAlgorithm alg) {
  switch (alg) {
    case KeyAlgorithm::kRsa2048:
      return 2048;
    case KeyAlgorithm::kRsa3072:
      return 3072;
    case KeyAlgorithm::kRsa4096:
      return 4096;
    default:
      return 0;
  }
}

struct Counts {
  int run = 0;
  int skipped = 0;
  int wrong = 0;
  int acceptable_accepted = 0;
  int acceptable_rejected = 0;
  int signed_kat = 0;
  std::map<std::string, int> skip_reasons;
};

void Skip(Counts& c, const std::string& reason, int n) {
  c.skipped += n;
  c.skip_reasons[reason] += n;
}

BOOST_DATA_TEST_CASE(wycheproof_file, bdata::make(kFiles), spec) {
  const std::string path = VectorDir() + "/" + spec.file;
  Result<Bytes> text = ReadFile(path, 16 << 20);
  BOOST_REQUIRE_MESSAGE(text.ok(), path << ": " << text.status().ToString());
  Result<Json> parsed = ParseJson(AsChars(*text), spec.file);
  BOOST_REQUIRE_MESSAGE(parsed.ok(), parsed.status().ToString());
  const Json& doc = *parsed;
  ExpectOnly(doc, kTopFields, spec.file);
  const std::string schema = Str(doc, "schema");
  Result<int64_t> declared = GetInt(doc, "numberOfTests", spec.file);
  BOOST_REQUIRE(declared.ok());

  Counts c;
  int total = 0;
  for (const Json& group : doc.at("testGroups")) {
    const std::string type = Str(group, "type");
    auto fields = kGroupFields.find(type);
    BOOST_REQUIRE_MESSAGE(fields != kGroupFields.end(), spec.file << ": unknown group type " << type);
    ExpectOnly(group, fields->second, std::string(spec.file) + " group " + type);
    BOOST_REQUIRE_MESSAGE(kSchemaForType.at(type) == schema, spec.file << ": schema " << schema);
    const Json& tests = group.at("tests");
    const int n = static_cast<int>(tests.size());
    total += n;
    for (const Json& t : tests) {
      ExpectOnly(t, kTestFields, std::string(spec.file) + " test");
    }

    // Decide how this group runs, or why it is skipped.
    if (type == "EcdsaP1363Verify") {
      Skip(c, "P1363 signature encoding (vouch verifies DER ECDSA only)", n);
      continue;
    }
    std::optional<HashAlgorithm> hash;
    if (type != "EddsaVerify") {
      hash = ParseSha(Str(group, "sha"));
      if (!hash) {
        Skip(c, "hash " + Str(group, "sha") + " is not a vouch signature scheme", n);
        continue;
      }
    }
    SignatureScheme scheme = SignatureScheme::kEd25519;
    if (type == "EcdsaVerify") {
      scheme = EcdsaScheme(*hash);
    } else if (type == "RsassaPkcs1Verify" || type == "RsassaPkcs1Generate") {
      scheme = Pkcs1Scheme(*hash);
    } else if (type == "RsassaPssVerify") {
      Result<int64_t> slen = GetInt(group, "sLen", spec.file);
      BOOST_REQUIRE(slen.ok());
      if (Str(group, "mgf") != "MGF1" || Str(group, "mgfSha") != Str(group, "sha") ||
          *slen != static_cast<int64_t>(HashSize(*hash))) {
        Skip(c, "PSS parameters other than MGF1(same hash), salt = hash length", n);
        continue;
      }
      scheme = PssScheme(*hash);
    }

    const bool generate = type == "RsassaPkcs1Generate";
    const Bytes der = Hex(group, generate ? "keyDer" : "publicKeyDer");
    if (group.contains("keySize") && group.at("keySize").get<int>() < 2048) {
      Skip(c, "RSA key too small, rejected by policy", n);
      BOOST_TEST(IsInvalidArgument(Verifier::FromSpkiDer(der).status()));
      continue;
    }
    Result<Verifier> v = Verifier::FromSpkiDer(der);
    BOOST_REQUIRE_MESSAGE(v.ok(), spec.file << ": key rejected: " << v.status().ToString());
    // The PEM form of the same key must parse to the same key.
    Result<Verifier> from_pem = Verifier::FromPem(Str(group, generate ? "keyPem" : "publicKeyPem"));
    BOOST_REQUIRE_MESSAGE(from_pem.ok(), from_pem.status().ToString());
    BOOST_TEST(from_pem->KeyId() == v->KeyId());
    if (group.contains("keySize") && RsaBits(v->algorithm()) != 0) {
      BOOST_TEST(group.at("keySize").get<int>() == RsaBits(v->algorithm()));
    }
    // Generation vectors are deterministic for PKCS#1 v1.5: vouch's signer must reproduce them.
    std::unique_ptr<Signer> signer;
    if (generate && scheme == SignatureScheme::kRsaPkcs1Sha256) {
      Result<std::unique_ptr<Signer>> s = LoadSignerPem(Str(group, "privateKeyPem"), SecretString());
      BOOST_REQUIRE_MESSAGE(s.ok(), s.status().ToString());
      signer = std::move(s).value();
    }

    for (const Json& t : tests) {
      const std::string result = Str(t, "result");
      const Bytes msg = Hex(t, "msg");
      const Bytes sig = Hex(t, "sig");
      const int64_t id = t.at("tcId").get<int64_t>();
      Status st = v->Verify(sig, msg, scheme);
      ++c.run;
      if (result == "valid") {
        if (!st.ok()) {
          ++c.wrong;
          BOOST_ERROR(spec.file << " tcId " << id << " (valid) rejected: " << st.ToString());
        }
        if (signer) {
          Result<Bytes> mine = signer->Sign(msg);
          BOOST_TEST((mine.ok() && *mine == sig), spec.file << " tcId " << id << " signing KAT");
          ++c.signed_kat;
        }
      } else if (result == "invalid") {
        if (!IsVerificationFailed(st)) {
          ++c.wrong;
          BOOST_ERROR(spec.file << " tcId " << id << " (invalid) gave " << st.ToString());
        }
      } else if (result == "acceptable") {
        BOOST_TEST((st.ok() || IsVerificationFailed(st)), spec.file << " tcId " << id);
        (st.ok() ? c.acceptable_accepted : c.acceptable_rejected)++;
      } else {
        BOOST_FAIL(spec.file << " tcId " << id << ": unknown result " << result);
      }
    }
  }

  std::ostringstream reasons;
  for (const auto& [reason, n] : c.skip_reasons) {
    reasons << "; skipped " << n << ": " << reason;
  }
  BOOST_TEST_MESSAGE(spec.file << ": run " << c.run << ", skipped " << c.skipped << ", wrong "
                               << c.wrong << ", acceptable accepted " << c.acceptable_accepted
                               << " / rejected " << c.acceptable_rejected << ", signing KATs "
                               << c.signed_kat << reasons.str());
  BOOST_TEST(total == *declared);
  BOOST_TEST(c.run + c.skipped == total);
  BOOST_TEST(c.run == spec.run);
  BOOST_TEST(c.skipped == spec.skipped);
  BOOST_TEST(c.wrong == 0);
}

// Every vector file in the directory is in the table: a new file cannot go unnoticed.
BOOST_AUTO_TEST_CASE(every_file_is_accounted_for) {
  std::set<std::string> listed;
  int run = 0;
  int skipped = 0;
  for (const FileSpec& f : kFiles) {
    listed.insert(f.file);
    run += f.run;
    skipped += f.skipped;
  }
  std::set<std::string> present;
  for (const auto& e : std::filesystem::directory_iterator(VectorDir())) {
    if (e.path().extension() == ".json") {
      present.insert(e.path().filename().string());
    }
  }
  BOOST_TEST(present == listed, "vector files differ from the table");
  BOOST_TEST(run == 5124);
  BOOST_TEST(skipped == 1126);
  BOOST_TEST(run + skipped == 6250);
}

}  // namespace
}  // namespace vouch::keys
