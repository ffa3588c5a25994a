// Signer/Verifier: generation, sign/verify round trips, mutated inputs, schemes, strict ECDSA DER.
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/obj_mac.h>

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <map>
#include <memory>
#include <mutex>

#include "printers.h"
#include "vouch/core/digest.h"
#include "vouch/core/file.h"
#include "vouch/keys/keys.h"

namespace vouch::keys {

namespace {

namespace bdata = boost::unit_test::data;

const KeyAlgorithm kGenerated[] = {KeyAlgorithm::kEcdsaP256, KeyAlgorithm::kEcdsaP384,
                                   KeyAlgorithm::kEd25519, KeyAlgorithm::kRsa3072,
                                   KeyAlgorithm::kRsa4096};

// SharedSigner generates each algorithm once per test run (RSA-4096 generation is slow).
const Signer& SharedSigner(KeyAlgorithm alg) {
  static std::map<KeyAlgorithm, std::unique_ptr<Signer>> cache;
  auto it = cache.find(alg);
  if (it == cache.end()) {
    Result<std::unique_ptr<Signer>> s = Generate(alg);
    BOOST_REQUIRE_MESSAGE(s.ok(), s.status().ToString());
    it = cache.emplace(alg, std::move(s).value()).first;
  }
  return *it->second;
}

// NoMapSource streams memory but refuses Map(), like a pipe.
class NoMapSource final : public ByteSource {
 public:
  explicit NoMapSource(ByteView data) : data_(data) {}
  Result<size_t> Read(std::span<uint8_t> buf) override {
    size_t n = std::min(buf.size(), data_.size() - pos_);
    std::copy_n(data_.begin() + static_cast<std::ptrdiff_t>(pos_), n, buf.begin());
    pos_ += n;
    return n;
  }
  std::string Name() const override { return "pipe"; }

 private:
  ByteView data_;
  size_t pos_ = 0;
};

const Bytes kMessage = ToBytes("the quick brown fox jumps over the lazy dog");

BOOST_AUTO_TEST_SUITE(keys)

BOOST_DATA_TEST_CASE(generate_sign_verify_round_trip, bdata::make(kGenerated), alg) {
  const Signer& signer = SharedSigner(alg);
  BOOST_TEST(signer.algorithm() == alg);
  BOOST_TEST(signer.PublicKey().algorithm() == alg);
  BOOST_TEST(signer.PublicKey().KeyId().size() == 64u);
  BOOST_TEST(signer.PublicKey().KeyId() == Digest::Of(signer.PublicKey().SpkiDer()).Hex());
  Result<Bytes> sig = signer.Sign(kMessage);
  BOOST_REQUIRE(sig.ok());
  BOOST_TEST(signer.PublicKey().Verify(*sig, kMessage).ok());
  // The PEM form of the public key verifies too.
  Result<Verifier> v = Verifier::FromPem(signer.PublicKey().ToPem());
  BOOST_REQUIRE(v.ok());
  BOOST_TEST(v->KeyId() == signer.PublicKey().KeyId());
  BOOST_TEST(v->Verify(*sig, kMessage).ok());
}

BOOST_DATA_TEST_CASE(mutated_message_and_signature_rejected, bdata::make(kGenerated), alg) {
  const Signer& signer = SharedSigner(alg);
  const Verifier& v = signer.PublicKey();
  Result<Bytes> sig = signer.Sign(kMessage);
  BOOST_REQUIRE(sig.ok());
  Bytes other = kMessage;
  other[0] ^= 1;
  BOOST_TEST(IsVerificationFailed(v.Verify(*sig, other)));
  BOOST_TEST(IsVerificationFailed(v.Verify(*sig, ByteView())));
  for (size_t i : {size_t{0}, size_t{1}, sig->size() / 2, sig->size() - 1}) {
    Bytes bad = *sig;
    bad[i] ^= 0x01;
    BOOST_TEST(IsVerificationFailed(v.Verify(bad, kMessage)), "flipped byte " << i);
  }
  Bytes truncated(sig->begin(), sig->end() - 1);
  BOOST_TEST(IsVerificationFailed(v.Verify(truncated, kMessage)));
  Bytes extended = *sig;
  extended.push_back(0);
  BOOST_TEST(IsVerificationFailed(v.Verify(extended, kMessage)));
  BOOST_TEST(IsVerificationFailed(v.Verify(ByteView(), kMessage)));
  // A signature by another key of the same algorithm is rejected.
  Result<std::unique_ptr<Signer>> other_key = Generate(alg == KeyAlgorithm::kRsa4096 ||
                                                               alg == KeyAlgorithm::kRsa3072
                                                           ? KeyAlgorithm::kRsa3072
                                                           : alg);
  BOOST_REQUIRE(other_key.ok());
  if ((*other_key)->algorithm() == alg) {
    BOOST_TEST(IsVerificationFailed((*other_key)->PublicKey().Verify(*sig, kMessage)));
  }
}

BOOST_DATA_TEST_CASE(digest_and_source_paths_agree, bdata::make(kGenerated), alg) {
  const Signer& signer = SharedSigner(alg);
  const Verifier& v = signer.PublicKey();
  std::optional<HashAlgorithm> h = PrehashAlgorithm(alg, SignatureScheme::kDefault);
  auto src = MemorySource(kMessage);
  Result<Bytes> sig = signer.SignSource(*src);
  BOOST_REQUIRE_MESSAGE(sig.ok(), sig.status().ToString());
  BOOST_TEST(v.Verify(*sig, kMessage).ok());
  auto src2 = MemorySource(kMessage);
  BOOST_TEST(v.VerifySource(*sig, *src2).ok());
  Bytes other = kMessage;
  other.back() ^= 1;
  auto src3 = MemorySource(other);
  BOOST_TEST(IsVerificationFailed(v.VerifySource(*sig, *src3)));
  if (alg == KeyAlgorithm::kEd25519) {
    BOOST_TEST(!h.has_value());
    BOOST_TEST(IsInvalidArgument(signer.SignDigest(Digest::Of(kMessage)).status()));
    BOOST_TEST(IsInvalidArgument(v.VerifyDigest(*sig, Digest::Of(kMessage))));
    // Ed25519 needs the whole message: an unmappable source is a clear error, not a crash.
    NoMapSource pipe(kMessage);
    Result<Bytes> piped = signer.SignSource(pipe);
    BOOST_TEST(IsInvalidArgument(piped.status()));
    BOOST_TEST(piped.status().message().find("pipe") != std::string::npos);
    NoMapSource pipe2(kMessage);
    BOOST_TEST(IsInvalidArgument(v.VerifySource(*sig, pipe2)));
    return;
  }
  BOOST_REQUIRE(h.has_value());
  Digest d = Digest::Of(kMessage, *h);
  Result<Bytes> dsig = signer.SignDigest(d);
  BOOST_REQUIRE(dsig.ok());
  BOOST_TEST(v.Verify(*dsig, kMessage).ok());
  BOOST_TEST(v.VerifyDigest(*sig, d).ok());
  BOOST_TEST(IsVerificationFailed(v.VerifyDigest(*sig, Digest::Of(other, *h))));
  // A digest of the wrong hash is a usage error, not a verification failure.
  HashAlgorithm wrong = *h == HashAlgorithm::kSha256 ? HashAlgorithm::kSha512 : HashAlgorithm::kSha256;
  BOOST_TEST(IsInvalidArgument(signer.SignDigest(Digest::Of(kMessage, wrong)).status()));
  BOOST_TEST(IsInvalidArgument(v.VerifyDigest(*sig, Digest::Of(kMessage, wrong))));
  // Streaming uses the same fixed buffer for a source larger than the buffer.
  Bytes big(kStreamBufferSize * 2 + 17, 0x5a);
  auto big_src = MemorySource(big);
  NoMapSource big_pipe(big);
  Result<Bytes> big_sig = signer.SignSource(big_pipe);
  BOOST_REQUIRE(big_sig.ok());
  BOOST_TEST(v.VerifySource(*big_sig, *big_src).ok());
  BOOST_TEST(v.Verify(*big_sig, big).ok());
}

BOOST_AUTO_TEST_CASE(generate_rejects_read_only_algorithms) {
  BOOST_TEST(IsInvalidArgument(Generate(KeyAlgorithm::kEcdsaP521).status()));
  BOOST_TEST(IsInvalidArgument(Generate(KeyAlgorithm::kRsa2048).status()));
}

BOOST_AUTO_TEST_CASE(algorithm_names) {
  const std::pair<KeyAlgorithm, const char*> names[] = {
      {KeyAlgorithm::kEcdsaP256, "ecdsa-p256"}, {KeyAlgorithm::kEcdsaP384, "ecdsa-p384"},
      {KeyAlgorithm::kEcdsaP521, "ecdsa-p521"}, {KeyAlgorithm::kEd25519, "ed25519"},
      {KeyAlgorithm::kRsa2048, "rsa-2048"},     {KeyAlgorithm::kRsa3072, "rsa-3072"},
      {KeyAlgorithm::kRsa4096, "rsa-4096"}};
  for (const auto& [alg, name] : names) {
    BOOST_TEST(KeyAlgorithmName(alg) == name);
    Result<KeyAlgorithm> parsed = ParseKeyAlgorithm(name);
    bool offered = alg != KeyAlgorithm::kEcdsaP521 && alg != KeyAlgorithm::kRsa2048;
    BOOST_TEST(parsed.ok() == offered, name);
    if (offered) {
      BOOST_TEST(*parsed == alg);
    } else {
      BOOST_TEST(IsInvalidArgument(parsed.status()));
    }
  }
  for (const char* bad : {"", "ECDSA-P256", "rsa", "ed448", "ecdsa-p256 "}) {
    BOOST_TEST(IsInvalidArgument(ParseKeyAlgorithm(bad).status()), bad);
  }
}

BOOST_AUTO_TEST_CASE(prehash_algorithms) {
  using KA = KeyAlgorithm;
  using SS = SignatureScheme;
  BOOST_TEST(*PrehashAlgorithm(KA::kEcdsaP256, SS::kDefault) == HashAlgorithm::kSha256);
  BOOST_TEST(*PrehashAlgorithm(KA::kEcdsaP384, SS::kDefault) == HashAlgorithm::kSha384);
  BOOST_TEST(*PrehashAlgorithm(KA::kEcdsaP521, SS::kDefault) == HashAlgorithm::kSha512);
  BOOST_TEST(*PrehashAlgorithm(KA::kRsa2048, SS::kDefault) == HashAlgorithm::kSha256);
  BOOST_TEST(*PrehashAlgorithm(KA::kRsa4096, SS::kRsaPssSha512) == HashAlgorithm::kSha512);
  BOOST_TEST(*PrehashAlgorithm(KA::kEcdsaP256, SS::kEcdsaSha512) == HashAlgorithm::kSha512);
  BOOST_TEST(!PrehashAlgorithm(KA::kEd25519, SS::kDefault).has_value());
  BOOST_TEST(!PrehashAlgorithm(KA::kEcdsaP256, SS::kRsaPkcs1Sha256).has_value());
}

BOOST_DATA_TEST_CASE(scheme_must_fit_key,
                     bdata::make({KeyAlgorithm::kEcdsaP256, KeyAlgorithm::kEd25519,
                                  KeyAlgorithm::kRsa3072}),
                     alg) {
  const Signer& signer = SharedSigner(alg);
  Result<Bytes> sig = signer.Sign(kMessage);
  BOOST_REQUIRE(sig.ok());
  const SignatureScheme wrong[] = {
      alg == KeyAlgorithm::kEd25519 ? SignatureScheme::kEcdsaSha256 : SignatureScheme::kEd25519,
      alg == KeyAlgorithm::kRsa3072 ? SignatureScheme::kEcdsaSha384
                                    : SignatureScheme::kRsaPssSha256};
  for (SignatureScheme s : wrong) {
    BOOST_TEST(IsInvalidArgument(signer.PublicKey().Verify(*sig, kMessage, s)));
  }
}

// RSA: a PKCS#1 v1.5 signature is not a PSS signature and the hash must match.
BOOST_AUTO_TEST_CASE(rsa_scheme_and_hash_bound) {
  const Signer& signer = SharedSigner(KeyAlgorithm::kRsa3072);
  const Verifier& v = signer.PublicKey();
  Result<Bytes> sig = signer.Sign(kMessage);
  BOOST_REQUIRE(sig.ok());
  BOOST_TEST(v.Verify(*sig, kMessage, SignatureScheme::kRsaPkcs1Sha256).ok());
  for (SignatureScheme s : {SignatureScheme::kRsaPkcs1Sha384, SignatureScheme::kRsaPkcs1Sha512,
                            SignatureScheme::kRsaPssSha256, SignatureScheme::kRsaPssSha512}) {
    BOOST_TEST(IsVerificationFailed(v.Verify(*sig, kMessage, s)), s);
  }
}

// SignWithScheme: Notation needs RSASSA-PSS from an RSA key whose default is PKCS#1 v1.5.
BOOST_AUTO_TEST_CASE(sign_with_explicit_scheme) {
  const Signer& rsa = SharedSigner(KeyAlgorithm::kRsa3072);
  for (SignatureScheme s : {SignatureScheme::kRsaPssSha256, SignatureScheme::kRsaPssSha384,
                            SignatureScheme::kRsaPssSha512, SignatureScheme::kRsaPkcs1Sha384}) {
    Result<Bytes> sig = rsa.SignWithScheme(kMessage, s);
    BOOST_REQUIRE_MESSAGE(sig.ok(), sig.status().ToString());
    BOOST_TEST(rsa.PublicKey().Verify(*sig, kMessage, s).ok(), s);
    // Bound to the scheme: the default (PKCS#1 v1.5 SHA-256) does not accept it.
    BOOST_TEST(IsVerificationFailed(rsa.PublicKey().Verify(*sig, kMessage)), s);
    Bytes other = kMessage;
    other[0] ^= 1;
    BOOST_TEST(IsVerificationFailed(rsa.PublicKey().Verify(*sig, other, s)), s);
  }
  const Signer& ec = SharedSigner(KeyAlgorithm::kEcdsaP256);
  Result<Bytes> ec_sig = ec.SignWithScheme(kMessage, SignatureScheme::kEcdsaSha384);
  BOOST_REQUIRE(ec_sig.ok());
  BOOST_TEST(ec.PublicKey().Verify(*ec_sig, kMessage, SignatureScheme::kEcdsaSha384).ok());
  BOOST_TEST(IsVerificationFailed(ec.PublicKey().Verify(*ec_sig, kMessage)));
  // A scheme of another key type is refused, not silently replaced.
  BOOST_TEST(IsInvalidArgument(
      ec.SignWithScheme(kMessage, SignatureScheme::kRsaPssSha256).status()));
  BOOST_TEST(IsInvalidArgument(
      rsa.SignWithScheme(kMessage, SignatureScheme::kEcdsaSha256).status()));
}

// A Signer that does not override SignWithScheme reports kUnimplemented.
class DefaultOnlySigner final : public Signer {
 public:
  explicit DefaultOnlySigner(const Signer& inner) : inner_(inner) {}
  KeyAlgorithm algorithm() const override { return inner_.algorithm(); }
  const Verifier& PublicKey() const override { return inner_.PublicKey(); }
  Result<Bytes> Sign(ByteView message) const override { return inner_.Sign(message); }
  Result<Bytes> SignDigest(const Digest& digest) const override {
    return inner_.SignDigest(digest);
  }
  Result<Bytes> SignSource(ByteSource& source) const override {
    return inner_.SignSource(source);
  }

 private:
  const Signer& inner_;
};

BOOST_AUTO_TEST_CASE(sign_with_scheme_default_is_unimplemented) {
  DefaultOnlySigner s(SharedSigner(KeyAlgorithm::kRsa3072));
  BOOST_TEST(s.SignWithScheme(kMessage, SignatureScheme::kRsaPssSha384).status().code() ==
             ErrorCode::kUnimplemented);
}

// ---- strict DER for ECDSA ----

Bytes BnBytes(const BIGNUM* bn) {
  Bytes out(static_cast<size_t>(BN_num_bytes(bn)));
  BN_bn2bin(bn, out.data());
  return out;
}

// DerInt encodes unsigned big-endian |v| as a DER INTEGER (minimal, 0x00 before a high bit),
// with |extra_zeros| non-minimal leading zero bytes.
Bytes DerInt(Bytes v, int extra_zeros = 0) {
  while (!v.empty() && v.front() == 0) {
    v.erase(v.begin());
  }
  if (v.empty() || (v.front() & 0x80)) {
    v.insert(v.begin(), 0);
  }
  v.insert(v.begin(), static_cast<size_t>(extra_zeros), 0);
  Bytes out = {0x02, static_cast<uint8_t>(v.size())};
  out.insert(out.end(), v.begin(), v.end());
  return out;
}

Bytes DerSeq(const Bytes& a, const Bytes& b, bool long_form = false) {
  Bytes body = a;
  body.insert(body.end(), b.begin(), b.end());
  Bytes out = {0x30};
  if (long_form) {
    out.push_back(0x81);
  }
  out.push_back(static_cast<uint8_t>(body.size()));
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

BOOST_AUTO_TEST_CASE(ecdsa_accepts_only_strict_der_and_high_s) {
  const Signer& signer = SharedSigner(KeyAlgorithm::kEcdsaP256);
  const Verifier& v = signer.PublicKey();
  Result<Bytes> sig = signer.Sign(kMessage);
  BOOST_REQUIRE(sig.ok());
  const unsigned char* p = sig->data();
  ECDSA_SIG* parsed = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig->size()));
  BOOST_REQUIRE(parsed != nullptr);
  Bytes r = BnBytes(ECDSA_SIG_get0_r(parsed));
  Bytes s = BnBytes(ECDSA_SIG_get0_s(parsed));
  EC_GROUP* group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
  const BIGNUM* n = EC_GROUP_get0_order(group);
  BIGNUM* tmp = BN_new();
  BN_sub(tmp, n, ECDSA_SIG_get0_s(parsed));
  Bytes high_s = BnBytes(tmp);  // n - s: the other valid s for the same r
  BN_add(tmp, n, ECDSA_SIG_get0_s(parsed));
  Bytes s_plus_n = BnBytes(tmp);
  Bytes n_bytes = BnBytes(n);
  BN_free(tmp);
  EC_GROUP_free(group);
  ECDSA_SIG_free(parsed);

  BOOST_TEST(DerSeq(DerInt(r), DerInt(s)) == *sig);
  BOOST_TEST(v.Verify(DerSeq(DerInt(r), DerInt(s)), kMessage).ok());
  BOOST_TEST(v.Verify(DerSeq(DerInt(r), DerInt(high_s)), kMessage).ok(), "high-s is accepted");

  Bytes with_trailer = *sig;
  with_trailer.push_back(0);
  Bytes neg_r = DerInt(r);
  if (neg_r[2] == 0 && neg_r.size() > 3 && (neg_r[3] & 0x80)) {
    neg_r.erase(neg_r.begin() + 2);  // drop the sign byte: r becomes negative
    neg_r[1] = static_cast<uint8_t>(neg_r.size() - 2);
  } else {
    neg_r = {0x02, 0x01, 0xff};
  }
  Bytes indefinite = *sig;
  indefinite[1] = 0x80;
  indefinite.push_back(0);
  indefinite.push_back(0);
  const std::pair<const char*, Bytes> bad[] = {
      {"leading zero on r", DerSeq(DerInt(r, 1), DerInt(s))},
      {"leading zero on s", DerSeq(DerInt(r), DerInt(s, 1))},
      {"long-form length", DerSeq(DerInt(r), DerInt(s), true)},
      {"trailing byte", with_trailer},
      {"indefinite length", indefinite},
      {"r = 0", DerSeq(DerInt({0}), DerInt(s))},
      {"s = 0", DerSeq(DerInt(r), DerInt({0}))},
      {"s = n", DerSeq(DerInt(r), DerInt(n_bytes))},
      {"s + n", DerSeq(DerInt(r), DerInt(s_plus_n))},
      {"negative r", DerSeq(neg_r, DerInt(s))},
      {"raw r||s (P1363)", [&] {
         Bytes raw(64, 0);
         std::copy(r.begin(), r.end(), raw.begin() + static_cast<std::ptrdiff_t>(32 - r.size()));
         std::copy(s.begin(), s.end(), raw.end() - static_cast<std::ptrdiff_t>(s.size()));
         return raw;
       }()},
      {"empty sequence", Bytes{0x30, 0x00}},
  };
  for (const auto& [name, encoding] : bad) {
    BOOST_TEST(IsVerificationFailed(v.Verify(encoding, kMessage)), name);
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::keys
