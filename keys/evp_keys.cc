// EVP_PKEY-backed Verifier and Signer: key classification, signature schemes, sign and verify.
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/rsa.h>

#include <cstring>

#include "key_internal.h"
#include "vouch/keys/keys.h"

namespace vouch::keys {
namespace {

using internal::SecretBytes;

enum class SchemeKind { kEcdsa, kEd25519, kRsaPkcs1, kRsaPss };

struct ResolvedScheme {
  SchemeKind kind;
  HashAlgorithm hash;  // unused for kEd25519
};

bool IsEcdsa(KeyAlgorithm alg) {
  return alg == KeyAlgorithm::kEcdsaP256 || alg == KeyAlgorithm::kEcdsaP384 ||
         alg == KeyAlgorithm::kEcdsaP521;
}

// Resolve maps (key algorithm, requested scheme) to what to compute. ECDSA keys accept any of the
// ECDSA hashes (Wycheproof and some peers pair P-256 with SHA-512), RSA keys any RSA scheme.
Result<ResolvedScheme> Resolve(KeyAlgorithm alg, SignatureScheme scheme) {
  auto mismatch = [&]() {
    return InvalidArgumentError("signature scheme does not fit a " +
                                std::string(KeyAlgorithmName(alg)) + " key");
  };
  if (IsEcdsa(alg)) {
    switch (scheme) {
      case SignatureScheme::kDefault:
        if (alg == KeyAlgorithm::kEcdsaP256) {
          return ResolvedScheme{SchemeKind::kEcdsa, HashAlgorithm::kSha256};
        }
        if (alg == KeyAlgorithm::kEcdsaP384) {
          return ResolvedScheme{SchemeKind::kEcdsa, HashAlgorithm::kSha384};
        }
        return ResolvedScheme{SchemeKind::kEcdsa, HashAlgorithm::kSha512};
      case SignatureScheme::kEcdsaSha256:
        return ResolvedScheme{SchemeKind::kEcdsa, HashAlgorithm::kSha256};
      case SignatureScheme::kEcdsaSha384:
        return ResolvedScheme{SchemeKind::kEcdsa, HashAlgorithm::kSha384};
      case SignatureScheme::kEcdsaSha512:
        return ResolvedScheme{SchemeKind::kEcdsa, HashAlgorithm::kSha512};
      default:
        return mismatch();
    }
  }
  if (alg == KeyAlgorithm::kEd25519) {
    if (scheme == SignatureScheme::kDefault || scheme == SignatureScheme::kEd25519) {
      return ResolvedScheme{SchemeKind::kEd25519, HashAlgorithm::kSha512};
    }
    return mismatch();
  }
  switch (scheme) {
    case SignatureScheme::kDefault:
    case SignatureScheme::kRsaPkcs1Sha256:
      return ResolvedScheme{SchemeKind::kRsaPkcs1, HashAlgorithm::kSha256};
    case SignatureScheme::kRsaPkcs1Sha384:
      return ResolvedScheme{SchemeKind::kRsaPkcs1, HashAlgorithm::kSha384};
    case SignatureScheme::kRsaPkcs1Sha512:
      return ResolvedScheme{SchemeKind::kRsaPkcs1, HashAlgorithm::kSha512};
    case SignatureScheme::kRsaPssSha256:
      return ResolvedScheme{SchemeKind::kRsaPss, HashAlgorithm::kSha256};
    case SignatureScheme::kRsaPssSha384:
      return ResolvedScheme{SchemeKind::kRsaPss, HashAlgorithm::kSha384};
    case SignatureScheme::kRsaPssSha512:
      return ResolvedScheme{SchemeKind::kRsaPss, HashAlgorithm::kSha512};
    default:
      return mismatch();
  }
}

const EVP_MD* Md(HashAlgorithm alg) {
  switch (alg) {
    case HashAlgorithm::kSha256:
      return EVP_sha256();
    case HashAlgorithm::kSha384:
      return EVP_sha384();
    case HashAlgorithm::kSha512:
      return EVP_sha512();
  }
  return EVP_sha256();
}

// NewDigestCtx sets up an EVP_PKEY_CTX for signing or verifying a digest under |rs|.
Result<OsslPtr<EVP_PKEY_CTX>> NewDigestCtx(EVP_PKEY* pkey, const ResolvedScheme& rs,
                                           bool sign) {
  OsslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new(pkey, nullptr));
  if (!ctx) {
    return OpenSslError(ErrorCode::kInternal, "cannot create a key context");
  }
  int ok = sign ? EVP_PKEY_sign_init(ctx.get()) : EVP_PKEY_verify_init(ctx.get());
  if (ok != 1 || EVP_PKEY_CTX_set_signature_md(ctx.get(), Md(rs.hash)) != 1) {
    return OpenSslError(ErrorCode::kInternal, "cannot set up the signature operation");
  }
  if (rs.kind == SchemeKind::kRsaPkcs1) {
    if (EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1) {
      return OpenSslError(ErrorCode::kInternal, "cannot set RSA PKCS#1 v1.5 padding");
    }
  } else if (rs.kind == SchemeKind::kRsaPss) {
    // RFC 8017 section 9.1 with MGF1 over the same hash and salt length = hash length.
    if (EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PSS_PADDING) != 1 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), Md(rs.hash)) != 1 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx.get(), RSA_PSS_SALTLEN_DIGEST) != 1) {
      return OpenSslError(ErrorCode::kInternal, "cannot set RSA-PSS parameters");
    }
  }
  return ctx;
}

// CheckStrictEcdsaDer accepts only the DER encoding of ECDSA-Sig-Value with 1 <= r, s <= n-1.
// BER variants, trailing bytes, padded integers and out-of-range values are all rejected before
// OpenSSL sees the signature. High-s values are accepted (no low-s rule, as Sigstore).
Status CheckStrictEcdsaDer(EVP_PKEY* pkey, ByteView sig) {
  auto bad = []() { return VerificationFailedError("signature is not a valid DER ECDSA signature"); };
  if (sig.empty() || sig.size() > 256) {
    return bad();
  }
  const unsigned char* p = sig.data();
  OsslPtr<ECDSA_SIG> parsed(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size())));
  if (!parsed || p != sig.data() + sig.size()) {
    ClearOpenSslErrors();
    return bad();
  }
  unsigned char* der = nullptr;
  int der_len = i2d_ECDSA_SIG(parsed.get(), &der);
  if (der_len <= 0) {
    ClearOpenSslErrors();
    return bad();
  }
  bool same = static_cast<size_t>(der_len) == sig.size() && std::memcmp(der, sig.data(), sig.size()) == 0;
  OPENSSL_free(der);
  if (!same) {
    return bad();
  }
  BIGNUM* order_raw = nullptr;  // owned below
  if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_ORDER, &order_raw) != 1) {
    return OpenSslError(ErrorCode::kInternal, "cannot read the curve order");
  }
  OsslPtr<BIGNUM> order(order_raw);
  const BIGNUM* r = ECDSA_SIG_get0_r(parsed.get());  // borrowed from |parsed|
  const BIGNUM* s = ECDSA_SIG_get0_s(parsed.get());
  for (const BIGNUM* v : {r, s}) {
    if (BN_is_negative(v) || BN_is_zero(v) || BN_cmp(v, order.get()) >= 0) {
      return bad();
    }
  }
  return OkStatus();
}

Status VerifyWithPkey(EVP_PKEY* pkey, const ResolvedScheme& rs, ByteView sig,
                      ByteView digest) {
  if (rs.kind == SchemeKind::kEcdsa) {
    VOUCH_RETURN_IF_ERROR(CheckStrictEcdsaDer(pkey, sig));
  }
  VOUCH_ASSIGN_OR_RETURN(OsslPtr<EVP_PKEY_CTX> ctx, NewDigestCtx(pkey, rs, /*sign=*/false));
  int rc = EVP_PKEY_verify(ctx.get(), sig.data(), sig.size(), digest.data(), digest.size());
  if (rc != 1) {
    // 0 is "does not verify"; negative values are malformed signatures. Both reject.
    ClearOpenSslErrors();
    return VerificationFailedError("signature does not verify");
  }
  return OkStatus();
}

Status VerifyEd25519(EVP_PKEY* pkey, ByteView sig, ByteView message) {
  if (sig.size() != 64) {
    return VerificationFailedError("Ed25519 signature must be 64 bytes");
  }
  OsslPtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey) != 1) {
    return OpenSslError(ErrorCode::kInternal, "cannot set up Ed25519 verification");
  }
  if (EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), message.data(), message.size()) != 1) {
    ClearOpenSslErrors();
    return VerificationFailedError("signature does not verify");
  }
  return OkStatus();
}

Result<Bytes> SignWithPkey(EVP_PKEY* pkey, const ResolvedScheme& rs, ByteView digest) {
  VOUCH_ASSIGN_OR_RETURN(OsslPtr<EVP_PKEY_CTX> ctx, NewDigestCtx(pkey, rs, /*sign=*/true));
  size_t len = 0;
  if (EVP_PKEY_sign(ctx.get(), nullptr, &len, digest.data(), digest.size()) != 1) {
    return OpenSslError(ErrorCode::kInternal, "cannot size the signature");
  }
  Bytes sig(len);
  if (EVP_PKEY_sign(ctx.get(), sig.data(), &len, digest.data(), digest.size()) != 1) {
    return OpenSslError(ErrorCode::kInternal, "signing failed");
  }
  sig.resize(len);
  return sig;
}

Result<Bytes> SignEd25519(EVP_PKEY* pkey, ByteView message) {
  OsslPtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, pkey) != 1) {
    return OpenSslError(ErrorCode::kInternal, "cannot set up Ed25519 signing");
  }
  Bytes sig(64);
  size_t len = sig.size();
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, message.data(), message.size()) != 1) {
    return OpenSslError(ErrorCode::kInternal, "Ed25519 signing failed");
  }
  sig.resize(len);
  return sig;
}

class EvpSigner final : public Signer {
 public:
  EvpSigner(OsslPtr<EVP_PKEY> pkey, Verifier pub)
      : pkey_(std::move(pkey)), pub_(std::move(pub)) {}

  KeyAlgorithm algorithm() const override { return pub_.algorithm(); }
  const Verifier& PublicKey() const override { return pub_; }

  Result<Bytes> Sign(ByteView message) const override {
    return SignWithScheme(message, SignatureScheme::kDefault);
  }

  Result<Bytes> SignWithScheme(ByteView message, SignatureScheme scheme) const override {
    VOUCH_ASSIGN_OR_RETURN(ResolvedScheme rs, Resolve(algorithm(), scheme));
    if (rs.kind == SchemeKind::kEd25519) {
      return SignEd25519(pkey_.get(), message);
    }
    Digest d = Digest::Of(message, rs.hash);
    return SignWithPkey(pkey_.get(), rs, d.bytes());
  }

  Result<Bytes> SignDigest(const Digest& digest) const override {
    VOUCH_ASSIGN_OR_RETURN(ResolvedScheme rs, Resolve(algorithm(), SignatureScheme::kDefault));
    if (rs.kind == SchemeKind::kEd25519) {
      return InvalidArgumentError("Ed25519 keys sign the message itself, not a digest");
    }
    if (digest.algorithm() != rs.hash) {
      return InvalidArgumentError("a " + std::string(KeyAlgorithmName(algorithm())) +
                                  " key signs " + std::string(HashAlgorithmName(rs.hash)) +
                                  " digests, not " +
                                  std::string(HashAlgorithmName(digest.algorithm())));
    }
    return SignWithPkey(pkey_.get(), rs, digest.bytes());
  }

  Result<Bytes> SignSource(ByteSource& source) const override {
    VOUCH_ASSIGN_OR_RETURN(ResolvedScheme rs, Resolve(algorithm(), SignatureScheme::kDefault));
    if (rs.kind == SchemeKind::kEd25519) {
      std::optional<ByteView> mapped = source.Map();
      if (!mapped) {
        return internal::Ed25519MapFailed(source);
      }
      return SignEd25519(pkey_.get(), *mapped);
    }
    VOUCH_ASSIGN_OR_RETURN(Digest d, HashSource(source, rs.hash));
    return SignWithPkey(pkey_.get(), rs, d.bytes());
  }

  // pkey returns the private key (borrowed) for the token-gated exporters.
  EVP_PKEY* pkey(SecretAccessToken /*token*/) const { return pkey_.get(); }

 private:
  OsslPtr<EVP_PKEY> pkey_;
  Verifier pub_;
};

}  // namespace

std::string_view KeyAlgorithmName(KeyAlgorithm alg) {
  switch (alg) {
    case KeyAlgorithm::kEcdsaP256:
      return "ecdsa-p256";
    case KeyAlgorithm::kEcdsaP384:
      return "ecdsa-p384";
    case KeyAlgorithm::kEcdsaP521:
      return "ecdsa-p521";
    case KeyAlgorithm::kEd25519:
      return "ed25519";
    case KeyAlgorithm::kRsa2048:
      return "rsa-2048";
    case KeyAlgorithm::kRsa3072:
      return "rsa-3072";
    case KeyAlgorithm::kRsa4096:
      return "rsa-4096";
  }
  return "unknown";
}

Result<KeyAlgorithm> ParseKeyAlgorithm(std::string_view name) {
  for (KeyAlgorithm alg : {KeyAlgorithm::kEcdsaP256, KeyAlgorithm::kEcdsaP384,
                           KeyAlgorithm::kEd25519, KeyAlgorithm::kRsa3072,
                           KeyAlgorithm::kRsa4096}) {
    if (name == KeyAlgorithmName(alg)) {
      return alg;
    }
  }
  return InvalidArgumentError("unknown key algorithm \"" + std::string(name.substr(0, 32)) +
                              "\" (choose ecdsa-p256, ecdsa-p384, ed25519, rsa-3072 or rsa-4096)");
}

std::optional<HashAlgorithm> PrehashAlgorithm(KeyAlgorithm alg, SignatureScheme scheme) {
  Result<ResolvedScheme> rs = Resolve(alg, scheme);
  if (!rs.ok() || rs->kind == SchemeKind::kEd25519) {
    return std::nullopt;
  }
  return rs->hash;
}

// ---- Verifier ----

Verifier::Verifier(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

KeyAlgorithm Verifier::algorithm() const { return impl_->alg; }
std::string Verifier::KeyId() const { return impl_->key_id; }
const Bytes& Verifier::SpkiDer() const { return impl_->spki_der; }
std::string Verifier::ToPem() const {
  SecretString pem = internal::EncodePem("PUBLIC KEY", impl_->spki_der);
  return std::string(pem.view());
}

Result<Verifier> Verifier::FromSpkiDer(ByteView der) {
  if (der.empty() || der.size() > kMaxKeyFileSize) {
    return InvalidArgumentError("public key DER is empty or too large");
  }
  const unsigned char* p = der.data();
  OsslPtr<EVP_PKEY> pkey(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
  if (!pkey) {
    ClearOpenSslErrors();
    return InvalidArgumentError("not a valid SubjectPublicKeyInfo");
  }
  if (p != der.data() + der.size()) {
    return InvalidArgumentError("trailing bytes after the SubjectPublicKeyInfo");
  }
  return internal::VerifierFromPkey(pkey.get());
}

Result<Verifier> Verifier::FromPem(std::string_view pem) {
  if (pem.size() > kMaxKeyFileSize) {
    return ResourceExhaustedError("public key PEM is larger than " +
                                  std::to_string(kMaxKeyFileSize) + " bytes");
  }
  VOUCH_ASSIGN_OR_RETURN(internal::PemBlock block, internal::ParsePem(pem));
  if (block.type != "PUBLIC KEY") {
    return InvalidArgumentError("expected a PUBLIC KEY PEM block, found " + block.type);
  }
  return FromSpkiDer(block.der.view());
}

Status Verifier::Verify(ByteView signature, ByteView message, SignatureScheme scheme) const {
  VOUCH_ASSIGN_OR_RETURN(ResolvedScheme rs, Resolve(impl_->alg, scheme));
  if (rs.kind == SchemeKind::kEd25519) {
    return VerifyEd25519(impl_->pkey.get(), signature, message);
  }
  Digest d = Digest::Of(message, rs.hash);
  return VerifyWithPkey(impl_->pkey.get(), rs, signature, d.bytes());
}

Status Verifier::VerifyDigest(ByteView signature, const Digest& digest,
                              SignatureScheme scheme) const {
  VOUCH_ASSIGN_OR_RETURN(ResolvedScheme rs, Resolve(impl_->alg, scheme));
  if (rs.kind == SchemeKind::kEd25519) {
    return InvalidArgumentError("Ed25519 verifies the message itself, not a digest");
  }
  if (digest.algorithm() != rs.hash) {
    return InvalidArgumentError("the signature scheme hashes with " +
                                std::string(HashAlgorithmName(rs.hash)) + ", the digest is " +
                                std::string(HashAlgorithmName(digest.algorithm())));
  }
  return VerifyWithPkey(impl_->pkey.get(), rs, signature, digest.bytes());
}

Status Verifier::VerifySource(ByteView signature, ByteSource& source,
                              SignatureScheme scheme) const {
  VOUCH_ASSIGN_OR_RETURN(ResolvedScheme rs, Resolve(impl_->alg, scheme));
  if (rs.kind == SchemeKind::kEd25519) {
    std::optional<ByteView> mapped = source.Map();
    if (!mapped) {
      return internal::Ed25519MapFailed(source);
    }
    return VerifyEd25519(impl_->pkey.get(), signature, *mapped);
  }
  VOUCH_ASSIGN_OR_RETURN(Digest d, HashSource(source, rs.hash));
  return VerifyWithPkey(impl_->pkey.get(), rs, signature, d.bytes());
}

// ---- Generate ----

Result<Bytes> Signer::SignWithScheme(ByteView /*message*/, SignatureScheme /*scheme*/) const {
  return UnimplementedError("this " + std::string(KeyAlgorithmName(algorithm())) +
                            " signer signs only with its default scheme");
}

Result<std::unique_ptr<Signer>> Generate(KeyAlgorithm alg) {
  EVP_PKEY* raw = nullptr;  // owned below
  switch (alg) {
    case KeyAlgorithm::kEcdsaP256:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
      break;
    case KeyAlgorithm::kEcdsaP384:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
      break;
    case KeyAlgorithm::kEd25519:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
      break;
    case KeyAlgorithm::kRsa3072:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{3072});
      break;
    case KeyAlgorithm::kRsa4096:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{4096});
      break;
    default:
      return InvalidArgumentError("vouch does not generate " +
                                  std::string(KeyAlgorithmName(alg)) + " keys");
  }
  OsslPtr<EVP_PKEY> pkey(raw);
  if (!pkey) {
    return OpenSslError(ErrorCode::kInternal, "key generation failed");
  }
  return internal::SignerFromPkey(std::move(pkey));
}

// ---- internal ----

namespace internal {

Status Ed25519MapFailed(const ByteSource& source) {
  return InvalidArgumentError("Ed25519 signs the whole message at once and " + source.Name() +
                              " cannot be memory-mapped (a pipe or stdin?): pass a regular file");
}

Result<KeyAlgorithm> ClassifyKey(const EVP_PKEY* pkey) {
  switch (EVP_PKEY_get_base_id(pkey)) {
    case EVP_PKEY_EC: {
      char group[64] = {0};
      size_t len = 0;
      if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                         &len) != 1) {
        ClearOpenSslErrors();
        return InvalidArgumentError("EC keys must use a named curve (P-256, P-384 or P-521)");
      }
      std::string_view name(group, len);
      if (name == "prime256v1" || name == "P-256") {
        return KeyAlgorithm::kEcdsaP256;
      }
      if (name == "secp384r1" || name == "P-384") {
        return KeyAlgorithm::kEcdsaP384;
      }
      if (name == "secp521r1" || name == "P-521") {
        return KeyAlgorithm::kEcdsaP521;
      }
      return InvalidArgumentError("unsupported EC curve " + std::string(name));
    }
    case EVP_PKEY_ED25519:
      return KeyAlgorithm::kEd25519;
    case EVP_PKEY_RSA: {
      int bits = EVP_PKEY_get_bits(pkey);
      if (bits < 2048) {
        return InvalidArgumentError("RSA keys under 2048 bits are rejected (this one has " +
                                    std::to_string(bits) + ")");
      }
      if (bits == 2048) {
        return KeyAlgorithm::kRsa2048;
      }
      if (bits == 3072) {
        return KeyAlgorithm::kRsa3072;
      }
      if (bits == 4096) {
        return KeyAlgorithm::kRsa4096;
      }
      return InvalidArgumentError("unsupported RSA key size " + std::to_string(bits) +
                                  " (vouch supports 2048, 3072 and 4096 bits)");
    }
    case EVP_PKEY_RSA_PSS:
      return InvalidArgumentError(
          "RSASSA-PSS-restricted RSA keys are not supported; use an rsaEncryption key");
    default:
      return InvalidArgumentError("unsupported key type");
  }
}

namespace {

// EncodeSpki returns |pkey|'s DER SubjectPublicKeyInfo as OpenSSL writes it.
Result<Bytes> EncodeSpki(const EVP_PKEY* pkey) {
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(pkey, &der);
  if (len <= 0) {
    return OpenSslError(ErrorCode::kInternal, "cannot encode the public key");
  }
  Bytes spki(der, der + len);
  OPENSSL_free(der);
  return spki;
}

}  // namespace

Result<Verifier> VerifierFromPkey(const EVP_PKEY* pkey) {
  VOUCH_ASSIGN_OR_RETURN(KeyAlgorithm alg, ClassifyKey(pkey));
  VOUCH_ASSIGN_OR_RETURN(Bytes spki, EncodeSpki(pkey));
  // Re-parse the encoding so the Verifier never holds private material.
  const unsigned char* p = spki.data();
  OsslPtr<EVP_PKEY> pub(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size())));
  if (!pub) {
    return OpenSslError(ErrorCode::kInternal, "cannot re-read the public key");
  }
  if (EVP_PKEY_get_base_id(pub.get()) == EVP_PKEY_EC) {
    OsslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new(pub.get(), nullptr));
    if (!ctx || EVP_PKEY_public_check(ctx.get()) != 1) {
      ClearOpenSslErrors();
      return InvalidArgumentError("EC public key is not a valid curve point");
    }
    // OpenSSL re-encodes an EC key the way it was read (a compressed or hybrid point, explicit
    // curve parameters). One key has one SPKI, and so one KeyId: the uncompressed point on the
    // named curve (SEC 1 2.3.3, RFC 5480 2.2), which is what cosign and Go write.
    char uncompressed[] = OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_UNCOMPRESSED;
    char named[] = OSSL_PKEY_EC_ENCODING_GROUP;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
                                         uncompressed, 0),
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_EC_ENCODING, named, 0),
        OSSL_PARAM_construct_end(),
    };
    if (EVP_PKEY_set_params(pub.get(), params) != 1) {
      return OpenSslError(ErrorCode::kInternal, "cannot normalize the EC public key encoding");
    }
    VOUCH_ASSIGN_OR_RETURN(spki, EncodeSpki(pub.get()));
  }
  auto impl = std::make_shared<Verifier::Impl>();
  impl->pkey = std::move(pub);
  impl->alg = alg;
  impl->key_id = Digest::Of(spki).Hex();
  impl->spki_der = std::move(spki);
  return Verifier(std::move(impl));
}

Result<std::unique_ptr<Signer>> SignerFromPkey(OsslPtr<EVP_PKEY> pkey) {
  if (!pkey) {
    return InternalError("no key");
  }
  VOUCH_ASSIGN_OR_RETURN(Verifier pub, VerifierFromPkey(pkey.get()));
  // Every private key file carries its public half (an EC point, an RSA modulus, an Ed25519
  // public key) beside the secret; a file where the two disagree would sign with one key and
  // publish another (found by tests/fuzz/pem_corpus/crash-rsa-modulus-not-p-times-q.pem).
  OsslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new(pkey.get(), nullptr));
  if (!ctx || EVP_PKEY_pairwise_check(ctx.get()) != 1) {
    ClearOpenSslErrors();
    return InvalidArgumentError("private key is inconsistent with its public key");
  }
  return std::unique_ptr<Signer>(new EvpSigner(std::move(pkey), std::move(pub)));
}

Result<SecretBytes> PrivatePkcs8Der(const Signer& signer, SecretAccessToken token) {
  const auto* evp = dynamic_cast<const EvpSigner*>(&signer);
  if (evp == nullptr) {
    return UnimplementedError("this signer's key cannot be exported");
  }
  OsslPtr<PKCS8_PRIV_KEY_INFO> p8(EVP_PKEY2PKCS8(evp->pkey(token)));
  if (!p8) {
    return OpenSslError(ErrorCode::kInternal, "cannot encode the private key");
  }
  int len = i2d_PKCS8_PRIV_KEY_INFO(p8.get(), nullptr);
  if (len <= 0) {
    return OpenSslError(ErrorCode::kInternal, "cannot encode the private key");
  }
  SecretBytes out(static_cast<size_t>(len));
  unsigned char* p = out.data();
  if (i2d_PKCS8_PRIV_KEY_INFO(p8.get(), &p) != len) {
    return OpenSslError(ErrorCode::kInternal, "cannot encode the private key");
  }
  return out;
}

Result<OsslPtr<EVP_PKEY>> ParsePkcs8Der(ByteView der) {
  const unsigned char* p = der.data();
  OsslPtr<PKCS8_PRIV_KEY_INFO> p8(
      d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, static_cast<long>(der.size())));
  if (!p8 || p != der.data() + der.size()) {
    ClearOpenSslErrors();
    return InvalidArgumentError("not a valid PKCS#8 private key");
  }
  OsslPtr<EVP_PKEY> pkey(EVP_PKCS82PKEY(p8.get()));
  if (!pkey) {
    ClearOpenSslErrors();
    return InvalidArgumentError("not a valid PKCS#8 private key");
  }
  return pkey;
}

}  // namespace internal
}  // namespace vouch::keys
