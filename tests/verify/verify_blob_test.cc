#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <functional>
#include <ostream>
#include <string>

#include "testutil/testutil.h"
#include "vouch/attest/bundle.h"
#include "vouch/core/file.h"
#include "vouch/keys/keys.h"
#include "vouch/verify/verify.h"

namespace vouch::verify {
namespace {

namespace bdata = boost::unit_test::data;
using keys::KeyAlgorithm;

const std::string kData = "artifact bytes\n";

std::unique_ptr<keys::Signer> NewKey(KeyAlgorithm alg) {
  auto k = keys::Generate(alg);
  BOOST_REQUIRE_MESSAGE(k.ok(), k.status().ToString());
  return std::move(k).value();
}

// Keys are slow to make (RSA); each algorithm's pair is made once per process.
const keys::Signer& KeyFor(KeyAlgorithm alg, int which = 0) {
  static std::map<std::pair<KeyAlgorithm, int>, std::unique_ptr<keys::Signer>> cache;
  auto& slot = cache[{alg, which}];
  if (!slot) {
    slot = NewKey(alg);
  }
  return *slot;
}

HashAlgorithm RecordedHash(KeyAlgorithm alg) {
  auto h = keys::PrehashAlgorithm(alg, keys::SignatureScheme::kDefault);
  return h.value_or(HashAlgorithm::kSha256);
}

// GoodBundle is the bundle sign-blob writes for kData.
attest::Bundle GoodBundle(const keys::Signer& key) {
  auto sig = key.Sign(AsBytes(kData));
  BOOST_REQUIRE_MESSAGE(sig.ok(), sig.status().ToString());
  return attest::MakeKeySignedBundle(
      key.PublicKey(), Digest::Of(AsBytes(kData), RecordedHash(key.algorithm())), *sig);
}

attest::MessageSignature& Ms(attest::Bundle& b) {
  return std::get<attest::MessageSignature>(b.content);
}

// A mutation of the good case and the result it must produce.
struct Case {
  std::string name;
  std::function<void(attest::Bundle&, std::string& artifact, const keys::Verifier*& key)> mutate;
  ErrorCode want;
  std::string mentions;
};

const keys::Verifier* OtherKey(KeyAlgorithm alg) { return &KeyFor(alg, 1).PublicKey(); }

std::vector<Case> Cases(KeyAlgorithm alg) {
  return {
      {"good", [](auto&, auto&, auto&) {}, ErrorCode::kOk, ""},
      {"tampered_file", [](auto&, std::string& a, auto&) { a += "x"; },
       ErrorCode::kVerificationFailed, "file does not match the bundle"},
      {"tampered_file_no_digest",
       [](attest::Bundle& b, std::string& a, auto&) {
         Ms(b).message_digest.reset();
         a += "x";
       },
       ErrorCode::kVerificationFailed, "signature does not verify"},
      {"wrong_key_with_hint", [alg](auto&, auto&, const keys::Verifier*& k) { k = OtherKey(alg); },
       ErrorCode::kVerificationFailed, "signed with a different key"},
      {"wrong_key_without_hint",
       [alg](attest::Bundle& b, auto&, const keys::Verifier*& k) {
         b.verification_material.public_key_hint.clear();
         k = OtherKey(alg);
       },
       ErrorCode::kVerificationFailed, "signature was made with a different key"},
      {"hint_as_hex_key_id",
       [](attest::Bundle& b, auto&, const keys::Verifier*& k) {
         b.verification_material.public_key_hint = k->KeyId();
       },
       ErrorCode::kOk, ""},
      {"signature_bit_flip",
       [](attest::Bundle& b, auto&, auto&) {
         auto& s = Ms(b).signature;
         s[s.size() - 1] ^= 0x01;
       },
       ErrorCode::kVerificationFailed, "signature"},
      {"signature_truncated", [](attest::Bundle& b, auto&, auto&) { Ms(b).signature.resize(10); },
       ErrorCode::kVerificationFailed, "malformed"},
      {"signature_trailing_byte",
       [](attest::Bundle& b, auto&, auto&) { Ms(b).signature.push_back(0); },
       ErrorCode::kVerificationFailed, "malformed"},
      {"digest_of_other_algorithm_matching",
       [](attest::Bundle& b, auto&, auto&) {
         Ms(b).message_digest = attest::MessageDigest{
             "SHA2_512", Digest::Of(AsBytes(kData), HashAlgorithm::kSha512).bytes()};
       },
       ErrorCode::kOk, ""},
      {"digest_of_other_algorithm_contradicting",
       [](attest::Bundle& b, auto&, auto&) {
         Ms(b).message_digest = attest::MessageDigest{
             "SHA2_512", Digest::Of(AsBytes("other"), HashAlgorithm::kSha512).bytes()};
       },
       ErrorCode::kVerificationFailed, "sha512 digest differs"},
      {"digest_sha3_not_checked",
       [](attest::Bundle& b, auto&, auto&) {
         Ms(b).message_digest = attest::MessageDigest{"SHA3_256", Bytes(32, 0)};
       },
       ErrorCode::kOk, ""},
      {"dsse_content",
       [](attest::Bundle& b, auto&, auto&) {
         attest::DsseEnvelope env;
         env.payload_type = "application/vnd.in-toto+json";
         env.signatures.push_back({"", Bytes{1}});
         b.content = env;
       },
       ErrorCode::kVerificationFailed, "bundle holds a DSSE envelope, use verify-blob-attestation"},
  };
}

struct AlgCase {
  KeyAlgorithm alg;
};
std::ostream& operator<<(std::ostream& os, const AlgCase& c) {
  return os << keys::KeyAlgorithmName(c.alg);
}
const AlgCase kAlgs[] = {{KeyAlgorithm::kEcdsaP256},
                         {KeyAlgorithm::kEcdsaP384},
                         {KeyAlgorithm::kEd25519},
                         {KeyAlgorithm::kRsa3072}};

BOOST_AUTO_TEST_SUITE(verify_blob)

BOOST_DATA_TEST_CASE(bundle_mutations, bdata::make(kAlgs), a) {
  for (const Case& c : Cases(a.alg)) {
    BOOST_TEST_CONTEXT(c.name) {
      attest::Bundle b = GoodBundle(KeyFor(a.alg));
      std::string artifact = kData;
      const keys::Verifier* key = &KeyFor(a.alg).PublicKey();
      c.mutate(b, artifact, key);
      auto src = MemorySource(AsBytes(artifact));
      Status st = VerifyBundleAgainst(b, *key, *src);
      BOOST_TEST((st.code() == c.want), st.ToString());
      BOOST_TEST(st.message().find(c.mentions) != std::string::npos, st.message());
    }
  }
}

BOOST_DATA_TEST_CASE(raw_signatures, bdata::make(kAlgs), a) {
  const keys::Signer& key = KeyFor(a.alg);
  auto sig = key.Sign(AsBytes(kData));
  BOOST_REQUIRE(sig.ok());
  auto good = MemorySource(AsBytes(kData));
  BOOST_TEST(VerifySignatureAgainst(*sig, key.PublicKey(), *good).ok());
  const std::string tampered_data = kData + "x";  // must outlive the source that views it
  auto tampered = MemorySource(AsBytes(tampered_data));
  Status st = VerifySignatureAgainst(*sig, key.PublicKey(), *tampered);
  BOOST_TEST(IsVerificationFailed(st));
  BOOST_TEST(st.message().find("modified") != std::string::npos);
  auto other = MemorySource(AsBytes(kData));
  BOOST_TEST(IsVerificationFailed(VerifySignatureAgainst(*sig, *OtherKey(a.alg), *other)));
  auto empty = MemorySource(AsBytes(kData));
  Status st2 = VerifySignatureAgainst({}, key.PublicKey(), *empty);
  BOOST_TEST(IsVerificationFailed(st2));
  BOOST_TEST(st2.message().find("malformed") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(signature_file_parsing) {
  BOOST_TEST(*ParseSignatureFile("AQID") == (Bytes{1, 2, 3}));
  BOOST_TEST(*ParseSignatureFile("AQ\nID\n") == (Bytes{1, 2, 3}));  // openssl base64 wraps
  BOOST_TEST(*ParseSignatureFile("  AQID\r\n") == (Bytes{1, 2, 3}));
  BOOST_TEST(*ParseSignatureFile("_-8") == (Bytes{0xff, 0xef}));  // URL-safe
  struct Bad {
    std::string text, mentions;
  };
  for (const Bad& b :
       {Bad{"", "empty"}, Bad{" \n", "empty"}, Bad{"!!!!", "not base64"}, Bad{"AQ=D", "not base64"},
        Bad{std::string("\x30\x81\x02\x00", 4), "raw binary signature"}}) {
    auto r = ParseSignatureFile(b.text);
    BOOST_TEST(IsVerificationFailed(r.status()), b.text);
    BOOST_TEST(r.status().message().find(b.mentions) != std::string::npos, r.status().message());
  }
}

// File-level behaviour: which failures are rejections (exit 1) and which are operational.
BOOST_AUTO_TEST_CASE(files_and_caps) {
  testing::TempDir dir;
  const keys::Signer& key = KeyFor(KeyAlgorithm::kEcdsaP256);
  const keys::Verifier* pub = &key.PublicKey();
  testing::WriteText(dir.File("a"), kData);
  testing::WriteText(dir.File("a.json"), *attest::SerializeBundle(GoodBundle(key)));
  testing::WriteText(dir.File("a.sig"), Base64Encode(*key.Sign(AsBytes(kData))) + "\n");

  BOOST_TEST(VerifyBlob({dir.File("a"), pub, dir.File("a.json"), ""}).ok());
  BOOST_TEST(VerifyBlob({dir.File("a"), pub, "", dir.File("a.sig")}).ok());

  // Request errors.
  BOOST_TEST(IsInvalidArgument(VerifyBlob({dir.File("a"), nullptr, dir.File("a.json"), ""})));
  BOOST_TEST(IsInvalidArgument(VerifyBlob({dir.File("a"), pub, "", ""})));
  BOOST_TEST(
      IsInvalidArgument(VerifyBlob({dir.File("a"), pub, dir.File("a.json"), dir.File("a.sig")})));
  BOOST_TEST(IsInvalidArgument(VerifyBlob({"-", pub, "-", ""})));
  BOOST_TEST(IsInvalidArgument(VerifyBlob({dir.path(), pub, dir.File("a.json"), ""})));

  // Unreadable files are operational errors.
  BOOST_TEST(IsNotFound(VerifyBlob({dir.File("missing"), pub, dir.File("a.json"), ""})));
  BOOST_TEST(IsNotFound(VerifyBlob({dir.File("a"), pub, dir.File("missing"), ""})));
  BOOST_TEST(IsNotFound(VerifyBlob({dir.File("a"), pub, "", dir.File("missing")})));

  // Malformed and oversized inputs are rejections.
  testing::WriteText(dir.File("bad.json"), "{\"mediaType\":");
  Status st = VerifyBlob({dir.File("a"), pub, dir.File("bad.json"), ""});
  BOOST_TEST(IsVerificationFailed(st));
  BOOST_TEST(st.message().find("bundle is malformed") == 0u, st.message());

  testing::WriteText(dir.File("big.json"), std::string(attest::kMaxBundleSize + 1, ' '));
  st = VerifyBlob({dir.File("a"), pub, dir.File("big.json"), ""});
  BOOST_TEST(IsVerificationFailed(st));
  BOOST_TEST(st.message().find("is larger than 16 MiB") != std::string::npos, st.message());

  testing::WriteText(dir.File("big.sig"), std::string(kMaxSignatureFileSize + 1, 'A'));
  st = VerifyBlob({dir.File("a"), pub, "", dir.File("big.sig")});
  BOOST_TEST(IsVerificationFailed(st));
  BOOST_TEST(st.message().find("is larger than 64 KiB") != std::string::npos, st.message());

  // A malformed bundle is reported even when the artifact is missing: inputs are checked first.
  st = VerifyBlob({dir.File("missing"), pub, dir.File("bad.json"), ""});
  BOOST_TEST(IsVerificationFailed(st));
}

BOOST_AUTO_TEST_CASE(ed25519_large_mapped_file) {
  testing::TempDir dir;
  std::string data(2 * kStreamBufferSize + 3, 'z');
  testing::WriteText(dir.File("big"), data);
  const keys::Signer& key = KeyFor(KeyAlgorithm::kEd25519);
  attest::Bundle b = attest::MakeKeySignedBundle(key.PublicKey(), Digest::Of(AsBytes(data)),
                                                 *key.Sign(AsBytes(data)));
  testing::WriteText(dir.File("big.json"), *attest::SerializeBundle(b));
  BOOST_TEST(VerifyBlob({dir.File("big"), &key.PublicKey(), dir.File("big.json"), ""}).ok());
  data.back() = 'y';
  testing::WriteText(dir.File("big"), data);
  Status st = VerifyBlob({dir.File("big"), &key.PublicKey(), dir.File("big.json"), ""});
  BOOST_TEST(IsVerificationFailed(st));
  BOOST_TEST(st.message().find("file does not match the bundle") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::verify
