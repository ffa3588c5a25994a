// PEM and PKCS#8: accepted forms, encrypted round trips, hostile input, key ids, key specs.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "testutil/testutil.h"
#include "vouch/core/digest.h"
#include "printers.h"
#include "vouch/keys/keys.h"

namespace vouch::keys {
namespace {

namespace bdata = boost::unit_test::data;
using vouch::testing::ReadText;
using vouch::testing::TempDir;
using vouch::testing::WriteText;

std::string TestData(const std::string& name) {
  const char* dir = std::getenv("VOUCH_KEYS_TESTDATA");
  BOOST_REQUIRE_MESSAGE(dir != nullptr, "VOUCH_KEYS_TESTDATA is not set (run through ctest)");
  return ReadText(std::string(dir) + "/" + name);
}

// KnownKeyIds reads testdata/keyids.txt ("name hex" per line, made by regen.sh with
// `openssl pkey -pubin -outform DER | sha256sum`).
std::map<std::string, std::string> KnownKeyIds() {
  std::map<std::string, std::string> out;
  std::istringstream in(TestData("keyids.txt"));
  std::string name;
  std::string id;
  while (in >> name >> id) {
    out[name] = id;
  }
  BOOST_REQUIRE(out.size() == 5u);
  return out;
}

SecretString Pw(const char* s) { return SecretString(std::string(s)); }

struct FormCase {
  const char* file;
  const char* key;  // name in keyids.txt
  KeyAlgorithm alg;
  const char* password;
};
std::ostream& operator<<(std::ostream& os, const FormCase& c) { return os << c.file; }

const FormCase kForms[] = {
    {"p256.pkcs8.pem", "p256", KeyAlgorithm::kEcdsaP256, ""},
    {"p256.sec1.pem", "p256", KeyAlgorithm::kEcdsaP256, ""},
    {"p256.pbkdf2.pem", "p256", KeyAlgorithm::kEcdsaP256, "fixture"},
    {"p256.scrypt16384.pem", "p256", KeyAlgorithm::kEcdsaP256, "fixture"},
    {"p256.scrypt65536.pem", "p256", KeyAlgorithm::kEcdsaP256, "fixture"},
    {"p384.pkcs8.pem", "p384", KeyAlgorithm::kEcdsaP384, ""},
    {"p521.pkcs8.pem", "p521", KeyAlgorithm::kEcdsaP521, ""},
    {"ed25519.pkcs8.pem", "ed25519", KeyAlgorithm::kEd25519, ""},
    {"rsa2048.pkcs8.pem", "rsa2048", KeyAlgorithm::kRsa2048, ""},
    {"rsa2048.pkcs1.pem", "rsa2048", KeyAlgorithm::kRsa2048, ""},
};

BOOST_AUTO_TEST_SUITE(pem)

BOOST_DATA_TEST_CASE(every_accepted_private_form_loads, bdata::make(kForms), c) {
  std::string pem = TestData(c.file);
  BOOST_TEST(IsPrivateKeyPem(pem));
  BOOST_TEST(IsEncryptedPem(pem) == (std::string(c.password) != ""));
  Result<std::unique_ptr<Signer>> signer = LoadSignerPem(pem, Pw(c.password));
  BOOST_REQUIRE_MESSAGE(signer.ok(), signer.status().ToString());
  BOOST_TEST((*signer)->algorithm() == c.alg);
  BOOST_TEST((*signer)->PublicKey().KeyId() == KnownKeyIds()[c.key]);
  Bytes msg = ToBytes("fixture message");
  Result<Bytes> sig = (*signer)->Sign(msg);
  BOOST_REQUIRE(sig.ok());
  Result<Verifier> pub = Verifier::FromPem(TestData(std::string(c.key) + ".pub.pem"));
  BOOST_REQUIRE(pub.ok());
  BOOST_TEST(pub->Verify(*sig, msg).ok());
  if (std::string(c.password) != "") {
    BOOST_TEST(IsInvalidArgument(LoadSignerPem(pem, Pw("wrong")).status()));
    BOOST_TEST(IsInvalidArgument(LoadSignerPem(pem, Pw("")).status()));
  }
}

// Known answer: key id = lowercase hex SHA-256 of the DER SPKI, as `openssl pkey -pubin
// -outform DER | sha256sum` computes it; ToPem reproduces OpenSSL's PEM byte for byte.
BOOST_DATA_TEST_CASE(public_key_ids_match_openssl,
                     bdata::make({"p256", "p384", "p521", "ed25519", "rsa2048"}), name) {
  std::string pem = TestData(std::string(name) + ".pub.pem");
  BOOST_TEST(!IsPrivateKeyPem(pem));
  Result<Verifier> v = Verifier::FromPem(pem);
  BOOST_REQUIRE_MESSAGE(v.ok(), v.status().ToString());
  BOOST_TEST(v->KeyId() == KnownKeyIds()[name]);
  BOOST_TEST(v->ToPem() == pem);
  Result<Verifier> again = Verifier::FromSpkiDer(v->SpkiDer());
  BOOST_REQUIRE(again.ok());
  BOOST_TEST(again->KeyId() == v->KeyId());
}

// A public key read in another encoding (a compressed point, explicit curve parameters) is the
// same key: one canonical SPKI (uncompressed point, named curve) and so one key id.
struct EncodingCase {
  const char* file;
  const char* key;  // name in keyids.txt
};
std::ostream& operator<<(std::ostream& os, const EncodingCase& c) { return os << c.file; }
const EncodingCase kEncodings[] = {
    {"p256.compressed.pub.pem", "p256"},
    {"p256.explicit.pub.pem", "p256"},
    {"p384.compressed.pub.pem", "p384"},
    {"p384.explicit.pub.pem", "p384"},
};

BOOST_DATA_TEST_CASE(other_encodings_of_a_public_key_have_its_key_id, bdata::make(kEncodings),
                     c) {
  auto v = Verifier::FromPem(TestData(c.file));
  BOOST_REQUIRE_MESSAGE(v.ok(), v.status().ToString());
  BOOST_TEST(v->KeyId() == KnownKeyIds()[c.key]);
  auto plain = Verifier::FromPem(TestData(std::string(c.key) + ".pub.pem"));
  BOOST_REQUIRE(plain.ok());
  BOOST_TEST((v->SpkiDer() == plain->SpkiDer()));
  BOOST_TEST(v->ToPem() == TestData(std::string(c.key) + ".pub.pem"));
}

BOOST_AUTO_TEST_CASE(encrypted_pkcs8_round_trip) {
  Result<std::unique_ptr<Signer>> signer = Generate(KeyAlgorithm::kEcdsaP256);
  BOOST_REQUIRE(signer.ok());
  Result<SecretString> pem =
      ExportEncryptedPem(**signer, Pw("correct horse"), InsecureSecretAccess::Get());
  BOOST_REQUIRE(pem.ok());
  BOOST_TEST(pem->view().rfind("-----BEGIN ENCRYPTED PRIVATE KEY-----\n", 0) == 0u);
  BOOST_TEST(IsEncryptedPem(pem->view()));
  Result<std::unique_ptr<Signer>> back = LoadSignerPem(pem->view(), Pw("correct horse"));
  BOOST_REQUIRE(back.ok());
  BOOST_TEST((*back)->PublicKey().KeyId() == (*signer)->PublicKey().KeyId());
  Result<std::unique_ptr<Signer>> wrong = LoadSignerPem(pem->view(), Pw("correct horsf"));
  BOOST_TEST(IsInvalidArgument(wrong.status()));
  BOOST_TEST(wrong.status().message().find("wrong password") != std::string::npos);
  BOOST_TEST(IsInvalidArgument(LoadSignerPem(pem->view(), Pw("")).status()));
}

BOOST_AUTO_TEST_CASE(empty_password_still_encrypts) {
  Result<std::unique_ptr<Signer>> signer = Generate(KeyAlgorithm::kEd25519);
  BOOST_REQUIRE(signer.ok());
  Result<SecretString> pem = ExportEncryptedPem(**signer, Pw(""), InsecureSecretAccess::Get());
  BOOST_REQUIRE(pem.ok());
  BOOST_TEST(IsEncryptedPem(pem->view()));
  BOOST_TEST(LoadSignerPem(pem->view(), Pw("")).ok());
  BOOST_TEST(IsInvalidArgument(LoadSignerPem(pem->view(), Pw("x")).status()));
}

// The file says PBES2 / scrypt (N = 16384, r = 8, p = 1) / AES-256-CBC, as `openssl asn1parse`
// reads it.
BOOST_AUTO_TEST_CASE(encrypted_pkcs8_uses_scrypt_and_aes256cbc) {
  Result<std::unique_ptr<Signer>> signer = Generate(KeyAlgorithm::kEcdsaP384);
  BOOST_REQUIRE(signer.ok());
  Result<SecretString> pem = ExportEncryptedPem(**signer, Pw("pw"), InsecureSecretAccess::Get());
  BOOST_REQUIRE(pem.ok());
  TempDir dir;
  WriteText(dir.File("k.pem"), std::string(pem->view()));
  vouch::testing::RunResult r =
      vouch::testing::Run({"openssl", "asn1parse", "-in", dir.File("k.pem")});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  BOOST_TEST(r.out.find(":PBES2") != std::string::npos);
  BOOST_TEST(r.out.find(":scrypt") != std::string::npos);
  BOOST_TEST(r.out.find(":aes-256-cbc") != std::string::npos);
  BOOST_TEST(r.out.find("INTEGER           :4000") != std::string::npos);  // N = 16384
  BOOST_TEST(r.out.find("INTEGER           :08") != std::string::npos);    // r = 8
  BOOST_TEST(r.out.find("INTEGER           :01") != std::string::npos);    // p = 1
}

BOOST_AUTO_TEST_CASE(every_algorithm_round_trips_encrypted) {
  for (KeyAlgorithm alg : {KeyAlgorithm::kEcdsaP256, KeyAlgorithm::kEcdsaP384,
                           KeyAlgorithm::kEd25519, KeyAlgorithm::kRsa3072}) {
    Result<std::unique_ptr<Signer>> signer = Generate(alg);
    BOOST_REQUIRE(signer.ok());
    Result<SecretString> pem = ExportEncryptedPem(**signer, Pw("p"), InsecureSecretAccess::Get());
    BOOST_REQUIRE(pem.ok());
    Result<std::unique_ptr<Signer>> back = LoadSignerPem(pem->view(), Pw("p"));
    BOOST_REQUIRE(back.ok());
    BOOST_TEST((*back)->algorithm() == alg);
    BOOST_TEST((*back)->PublicKey().KeyId() == (*signer)->PublicKey().KeyId());
  }
}

// Hostile or broken input never crashes and maps to kInvalidArgument.
BOOST_AUTO_TEST_CASE(garbage_input_is_invalid_argument) {
  const std::string good = TestData("p256.pkcs8.pem");
  const std::string pub = TestData("p256.pub.pem");
  const std::string body = good.substr(good.find('\n') + 1, 64);
  const std::pair<const char*, std::string> cases[] = {
      {"empty", ""},
      {"whitespace", " \n\t\n"},
      {"text", "not a key"},
      {"binary", std::string("\x30\x82\x01\x00\xff\x00", 6)},
      {"begin only", "-----BEGIN PRIVATE KEY-----\n"},
      {"no end", "-----BEGIN PRIVATE KEY-----\n" + body + "\n"},
      {"mismatched end", "-----BEGIN PRIVATE KEY-----\n" + body + "\n-----END PUBLIC KEY-----\n"},
      {"bad base64", "-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n"},
      {"empty body", "-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n"},
      {"der garbage",
       "-----BEGIN PRIVATE KEY-----\nAAAAAAAAAAAAAAAA\n-----END PRIVATE KEY-----\n"},
      {"truncated der", "-----BEGIN PRIVATE KEY-----\n" + body + "\n-----END PRIVATE KEY-----\n"},
      {"legacy headers", "-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n"
                         "DEK-Info: AES-128-CBC,00000000000000000000000000000000\n\n" +
                             body + "\n-----END EC PRIVATE KEY-----\n"},
      {"trailing garbage", good + "junk\n"},
      {"two blocks", good + good},
      {"unknown type", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"},
      {"public key", pub},
      {"cosign garbage", "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\nAAAA\n"
                         "-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n"},
      {"encrypted garbage", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMAA=\n"
                            "-----END ENCRYPTED PRIVATE KEY-----\n"},
  };
  for (const auto& [name, text] : cases) {
    BOOST_TEST(IsInvalidArgument(LoadSignerPem(text, Pw("pw")).status()), name);
    if (std::string_view(name) != "public key") {
      BOOST_TEST(IsInvalidArgument(Verifier::FromPem(text).status()), name);
    }
  }
  // A private key where a public key is expected.
  BOOST_TEST(IsInvalidArgument(Verifier::FromPem(good).status()));
  BOOST_TEST(IsInvalidArgument(Verifier::FromSpkiDer(ByteView()).status()));
  BOOST_TEST(IsInvalidArgument(Verifier::FromSpkiDer(AsBytes("garbage")).status()));
}

// Every truncation of a valid key file is rejected cleanly.
BOOST_AUTO_TEST_CASE(truncated_files_are_rejected) {
  for (const char* file : {"p256.pkcs8.pem", "p256.pub.pem", "p256.pbkdf2.pem"}) {
    const std::string text = TestData(file);
    const size_t last = text.rfind("-----");  // the END line's closing dashes
    for (size_t n = 0; n < last; ++n) {
      std::string cut = text.substr(0, n);
      if (std::string_view(file) == "p256.pub.pem") {
        BOOST_TEST(IsInvalidArgument(Verifier::FromPem(cut).status()), file << " at " << n);
      } else {
        BOOST_TEST(IsInvalidArgument(LoadSignerPem(cut, Pw("fixture")).status()),
                   file << " at " << n);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(oversized_input_is_resource_exhausted) {
  std::string big(kMaxKeyFileSize + 1, 'A');
  BOOST_TEST(IsResourceExhausted(LoadSignerPem(big, Pw("")).status()));
  BOOST_TEST(IsResourceExhausted(Verifier::FromPem(big).status()));
  TempDir dir;
  WriteText(dir.File("big.pem"), big);
  BOOST_TEST(IsResourceExhausted(ReadKeySpec(dir.File("big.pem")).status()));
}

BOOST_AUTO_TEST_CASE(unsupported_keys_are_rejected_by_policy) {
  for (const char* file : {"rsa1024.pkcs8.pem", "k256.pkcs8.pem"}) {
    BOOST_TEST(IsInvalidArgument(LoadSignerPem(TestData(file), Pw("")).status()), file);
  }
  for (const char* file : {"rsa1024.pub.pem", "k256.pub.pem"}) {
    BOOST_TEST(IsInvalidArgument(Verifier::FromPem(TestData(file)).status()), file);
  }
  Result<Verifier> v = Verifier::FromPem(TestData("p256.pub.pem"));
  BOOST_REQUIRE(v.ok());
  Bytes der = v->SpkiDer();
  der.push_back(0);
  BOOST_TEST(IsInvalidArgument(Verifier::FromSpkiDer(der).status()));
}

BOOST_AUTO_TEST_CASE(read_key_spec_sources) {
  TempDir dir;
  const std::string pem = TestData("p256.pub.pem");
  WriteText(dir.File("k.pub"), pem);
  Result<SecretString> from_file = ReadKeySpec(dir.File("k.pub"));
  BOOST_REQUIRE(from_file.ok());
  BOOST_TEST(from_file->view() == pem);
  BOOST_TEST(IsNotFound(ReadKeySpec(dir.File("missing")).status()));
  BOOST_TEST(IsInvalidArgument(ReadKeySpec("").status()));

  setenv("VOUCH_KEYS_TEST_PEM", pem.c_str(), 1);
  Result<SecretString> from_env = ReadKeySpec("env://VOUCH_KEYS_TEST_PEM");
  BOOST_REQUIRE(from_env.ok());
  BOOST_TEST(from_env->view() == pem);
  setenv("VOUCH_KEYS_TEST_PEM", "", 1);
  BOOST_TEST(IsInvalidArgument(ReadKeySpec("env://VOUCH_KEYS_TEST_PEM").status()));
  unsetenv("VOUCH_KEYS_TEST_PEM");
  Result<SecretString> unset = ReadKeySpec("env://VOUCH_KEYS_TEST_PEM");
  BOOST_TEST(IsInvalidArgument(unset.status()));
  BOOST_TEST(unset.status().message().find("VOUCH_KEYS_TEST_PEM") != std::string::npos);
  BOOST_TEST(IsInvalidArgument(ReadKeySpec("env://").status()));
}

// Error messages name the key source, never the key material.
BOOST_AUTO_TEST_CASE(errors_do_not_leak_key_material) {
  const std::string good = TestData("p256.pkcs8.pem");
  std::string line = good.substr(good.find('\n') + 1, 64);
  std::string broken = good + "trailing";
  Result<std::unique_ptr<Signer>> r = LoadSignerPem(broken, Pw("secret-password"));
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.status().message().find(line.substr(0, 16)) == std::string::npos);
  BOOST_TEST(r.status().message().find("secret-password") == std::string::npos);
  Result<std::unique_ptr<Signer>> w =
      LoadSignerPem(TestData("p256.pbkdf2.pem"), Pw("secret-password"));
  BOOST_REQUIRE(!w.ok());
  BOOST_TEST(w.status().message().find("secret-password") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(pem_type_predicates) {
  const std::pair<const char*, std::pair<bool, bool>> cases[] = {
      {"-----BEGIN ENCRYPTED PRIVATE KEY-----\n", {true, true}},
      {"-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n", {true, true}},
      {"-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----\n", {true, true}},
      {"\n  -----BEGIN PRIVATE KEY-----\n", {false, true}},
      {"-----BEGIN EC PRIVATE KEY-----\n", {false, true}},
      {"-----BEGIN RSA PRIVATE KEY-----\n", {false, true}},
      {"-----BEGIN PUBLIC KEY-----\n", {false, false}},
      {"garbage", {false, false}},
      {"", {false, false}},
  };
  for (const auto& [text, expect] : cases) {
    BOOST_TEST(IsEncryptedPem(text) == expect.first, text);
    BOOST_TEST(IsPrivateKeyPem(text) == expect.second, text);
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::keys
