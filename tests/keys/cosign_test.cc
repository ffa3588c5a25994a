// cosign "ENCRYPTED SIGSTORE PRIVATE KEY" files: round trip, field order, KDF allow-list.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>

#include "printers.h"
#include "vouch/keys/keys.h"

namespace vouch::keys {
namespace {

namespace bdata = boost::unit_test::data;

SecretString Pw(const char* s) { return SecretString(std::string(s)); }

// PemBody returns the base64-decoded body of a single PEM block.
std::string PemBody(std::string_view pem) {
  std::string b64;
  size_t pos = pem.find('\n') + 1;
  while (pos < pem.size()) {
    size_t nl = pem.find('\n', pos);
    std::string_view line = pem.substr(pos, nl - pos);
    if (line.rfind("-----END", 0) == 0) {
      break;
    }
    b64.append(line);
    pos = nl + 1;
  }
  Result<Bytes> der = Base64Decode(b64);
  BOOST_REQUIRE(der.ok());
  return ToString(*der);
}

std::string WrapPem(std::string_view type, std::string_view body) {
  std::string b64 = Base64Encode(AsBytes(body));
  std::string out = "-----BEGIN " + std::string(type) + "-----\n";
  for (size_t i = 0; i < b64.size(); i += 64) {
    out += b64.substr(i, 64) + "\n";
  }
  return out + "-----END " + std::string(type) + "-----\n";
}

// Replace swaps the first |from| in |s| for |to| (the test's JSON edits).
std::string Replace(std::string s, const std::string& from, const std::string& to) {
  size_t at = s.find(from);
  BOOST_REQUIRE_MESSAGE(at != std::string::npos, from);
  return s.replace(at, from.size(), to);
}

struct Fixture {
  Fixture() {
    Result<std::unique_ptr<Signer>> s = Generate(KeyAlgorithm::kEcdsaP256);
    BOOST_REQUIRE(s.ok());
    signer = std::move(s).value();
    Result<SecretString> p = ExportCosignPem(*signer, Pw("cosign-pw"), InsecureSecretAccess::Get());
    BOOST_REQUIRE(p.ok());
    pem = std::string(p->view());
    body = PemBody(pem);
  }
  std::unique_ptr<Signer> signer;
  std::string pem;
  std::string body;
};

BOOST_AUTO_TEST_SUITE(cosign)

BOOST_FIXTURE_TEST_CASE(export_import_round_trip, Fixture) {
  BOOST_TEST(pem.rfind("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n", 0) == 0u);
  BOOST_TEST(IsEncryptedPem(pem));
  Result<std::unique_ptr<Signer>> back = LoadSignerPem(pem, Pw("cosign-pw"));
  BOOST_REQUIRE_MESSAGE(back.ok(), back.status().ToString());
  BOOST_TEST((*back)->PublicKey().KeyId() == signer->PublicKey().KeyId());
  Result<std::unique_ptr<Signer>> wrong = LoadSignerPem(pem, Pw("cosign-pX"));
  BOOST_TEST(IsInvalidArgument(wrong.status()));
  BOOST_TEST(wrong.status().message().find("wrong password") != std::string::npos);
  // The older PEM type carries the same body.
  std::string older = WrapPem("ENCRYPTED COSIGN PRIVATE KEY", body);
  BOOST_TEST(IsEncryptedPem(older));
  Result<std::unique_ptr<Signer>> old_back = LoadSignerPem(older, Pw("cosign-pw"));
  BOOST_REQUIRE(old_back.ok());
  BOOST_TEST((*old_back)->PublicKey().KeyId() == signer->PublicKey().KeyId());
}

// go-securesystemslib's field order: kdf{name,params{N,r,p},salt}, cipher{name,nonce},
// ciphertext; std base64 with 32-byte salt and 24-byte nonce.
BOOST_FIXTURE_TEST_CASE(json_layout_matches_cosign, Fixture) {
  const std::string prefix = R"({"kdf":{"name":"scrypt","params":{"N":65536,"r":8,"p":1},"salt":")";
  BOOST_TEST(body.rfind(prefix, 0) == 0u, body);
  size_t salt_end = body.find('"', prefix.size());
  BOOST_TEST(Base64Decode(body.substr(prefix.size(), salt_end - prefix.size()))->size() == 32u);
  const std::string mid = R"("},"cipher":{"name":"nacl/secretbox","nonce":")";
  BOOST_TEST(body.compare(salt_end, mid.size(), mid) == 0);
  size_t nonce_start = salt_end + mid.size();
  size_t nonce_end = body.find('"', nonce_start);
  BOOST_TEST(Base64Decode(body.substr(nonce_start, nonce_end - nonce_start))->size() == 24u);
  BOOST_TEST(body.compare(nonce_end, 16, R"("},"ciphertext":)") == 0);
  BOOST_TEST(body.back() == '}');
}

BOOST_AUTO_TEST_CASE(legacy_and_owasp_parameters) {
  Result<std::unique_ptr<Signer>> s = Generate(KeyAlgorithm::kEd25519);
  BOOST_REQUIRE(s.ok());
  for (uint64_t n : {32768u, 131072u}) {
    Result<SecretString> p = ExportCosignPem(**s, Pw(""), InsecureSecretAccess::Get(), n);
    BOOST_REQUIRE(p.ok());
    BOOST_TEST(PemBody(p->view()).find("\"N\":" + std::to_string(n) + ",") != std::string::npos);
    Result<std::unique_ptr<Signer>> back = LoadSignerPem(p->view(), Pw(""));
    BOOST_REQUIRE(back.ok());
    BOOST_TEST((*back)->PublicKey().KeyId() == (*s)->PublicKey().KeyId());
  }
  for (uint64_t n : {0u, 16384u, 65535u, 262144u}) {
    BOOST_TEST(
        IsInvalidArgument(ExportCosignPem(**s, Pw(""), InsecureSecretAccess::Get(), n).status()));
  }
}

struct BadCase {
  const char* name;
  const char* from;
  const char* to;
};
std::ostream& operator<<(std::ostream& os, const BadCase& c) { return os << c.name; }

// Parameters outside the allow-list are refused before scrypt runs: N = 2^24 would need 16 GiB
// (and fail as kInternal) if it ran; kInvalidArgument in milliseconds proves it did not.
const BadCase kBad[] = {
    {"N too small", R"("N":65536)", R"("N":16384)"},
    {"N huge", R"("N":65536)", R"("N":16777216)"},
    {"N not power of two", R"("N":65536)", R"("N":65537)"},
    {"N negative", R"("N":65536)", R"("N":-65536)"},
    {"N string", R"("N":65536)", R"("N":"65536")"},
    {"r", R"("r":8)", R"("r":16)"},
    {"p", R"("p":1)", R"("p":2)"},
    {"kdf name", R"("name":"scrypt")", R"("name":"argon2id")"},
    {"cipher name", R"("name":"nacl/secretbox")", R"("name":"aes-gcm")"},
    {"extra top-level field", R"("kdf":)", R"("x":1,"kdf":)"},
    {"extra params field", R"("N":65536)", R"("N":65536,"q":1)"},
    {"missing salt", R"("salt":)", R"("salz":)"},
    {"nonce wrong length", R"("nonce":")", R"("nonce":"AAAA)"},
    {"bad base64", R"("ciphertext":")", R"("ciphertext":"!)"},
};

BOOST_DATA_TEST_CASE_F(Fixture, disallowed_files_rejected_before_scrypt, bdata::make(kBad), c) {
  std::string edited = WrapPem("ENCRYPTED SIGSTORE PRIVATE KEY", Replace(body, c.from, c.to));
  auto start = std::chrono::steady_clock::now();
  Result<std::unique_ptr<Signer>> r = LoadSignerPem(edited, Pw("cosign-pw"));
  auto elapsed = std::chrono::steady_clock::now() - start;
  BOOST_TEST(IsInvalidArgument(r.status()), r.status().ToString());
  BOOST_TEST(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() < 50);
}

BOOST_FIXTURE_TEST_CASE(tampered_ciphertext_rejected, Fixture) {
  std::string b64 = Replace(body, R"("ciphertext":")", R"("ciphertext":"AAAA)");
  Result<std::unique_ptr<Signer>> r =
      LoadSignerPem(WrapPem("ENCRYPTED SIGSTORE PRIVATE KEY", b64), Pw("cosign-pw"));
  BOOST_TEST(IsInvalidArgument(r.status()));
  BOOST_TEST(IsInvalidArgument(
      LoadSignerPem(WrapPem("ENCRYPTED SIGSTORE PRIVATE KEY", "{}"), Pw("x")).status()));
  BOOST_TEST(IsInvalidArgument(
      LoadSignerPem(WrapPem("ENCRYPTED SIGSTORE PRIVATE KEY", "[1,2"), Pw("x")).status()));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::keys
