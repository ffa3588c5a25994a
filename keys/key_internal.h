// Internals shared by the keys module's .cc files. Not part of the public API: OpenSSL types are
// allowed here and nowhere in keys/include.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/internal/ossl.h"
#include "vouch/core/bytes.h"
#include "vouch/core/status.h"
#include "vouch/keys/keys.h"

namespace vouch::keys {

// Verifier::Impl owns the public EVP_PKEY. EVP_PKEY is safe to share between threads for
// verification: every operation creates its own EVP_PKEY_CTX.
struct Verifier::Impl {
  OsslPtr<EVP_PKEY> pkey;
  KeyAlgorithm alg = KeyAlgorithm::kEcdsaP256;
  Bytes spki_der;
  std::string key_id;
};

namespace internal {

// SecretBytes is a move-only byte buffer that is wiped on destruction. Size it once (resize or
// the sized constructor) so that no reallocation leaves an unwiped copy behind.
class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(size_t n) : data_(n) {}
  explicit SecretBytes(Bytes data) : data_(std::move(data)) {}
  ~SecretBytes() { Wipe(); }
  SecretBytes(SecretBytes&& other) noexcept : data_(std::move(other.data_)) {}
  SecretBytes& operator=(SecretBytes&& other) noexcept {
    if (this != &other) {
      Wipe();
      data_ = std::move(other.data_);
    }
    return *this;
  }
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;

  uint8_t* data() { return data_.data(); }
  const uint8_t* data() const { return data_.data(); }
  size_t size() const { return data_.size(); }
  ByteView view() const { return data_; }
  // Truncate shrinks the logical size, wiping the dropped tail first.
  void Truncate(size_t n) {
    if (n < data_.size()) {
      SecureWipe(data_.data() + n, data_.size() - n);
      data_.resize(n);
    }
  }

 private:
  void Wipe() {
    if (!data_.empty()) {
      SecureWipe(data_.data(), data_.size());
    }
    data_.clear();
  }
  Bytes data_;
};

// ClassifyKey returns the KeyAlgorithm of |pkey| (borrowed) when vouch supports it: EC keys on
// P-256/P-384/P-521 with a named curve, Ed25519, and RSA (rsaEncryption) keys of 2048, 3072 or
// 4096 bits. Anything else is kInvalidArgument.
Result<KeyAlgorithm> ClassifyKey(const EVP_PKEY* pkey);

// VerifierFromPkey wraps a public (or private: only the public half is kept) key.
Result<Verifier> VerifierFromPkey(const EVP_PKEY* pkey);

// SignerFromPkey takes ownership of a private key and wraps it as an in-process Signer.
Result<std::unique_ptr<Signer>> SignerFromPkey(OsslPtr<EVP_PKEY> pkey);

// PrivatePkcs8Der returns the PKCS#8 PrivateKeyInfo DER of an in-process signer. Other Signer
// implementations (none yet) are kUnimplemented.
Result<SecretBytes> PrivatePkcs8Der(const Signer& signer, SecretAccessToken token);

// Ed25519MapFailed is the error of every Ed25519 signer (in process or on a token) whose
// SignSource is given a source that cannot be mapped (ByteSource::Map): pure Ed25519 needs the
// whole message at once. kInvalidArgument naming the source.
Status Ed25519MapFailed(const ByteSource& source);

// ParsePkcs8Der parses an unencrypted PKCS#8 PrivateKeyInfo; the whole input must be consumed.
Result<OsslPtr<EVP_PKEY>> ParsePkcs8Der(ByteView der);

// PemBlock is one decoded PEM block. |der| may be secret, so it is wiped.
struct PemBlock {
  std::string type;
  SecretBytes der;
};

// ParsePem decodes exactly one PEM block: optional surrounding whitespace, "-----BEGIN T-----",
// base64 lines (no RFC 1421 headers), "-----END T-----". Anything else is kInvalidArgument.
Result<PemBlock> ParsePem(std::string_view pem);

// PemType returns the type of the first BEGIN line of |pem| without decoding, or "".
std::string PemType(std::string_view pem);

// EncodePem returns a PEM block with 64-column base64 lines, written straight into a
// SecretString (no intermediate copies of the body).
SecretString EncodePem(std::string_view type, ByteView der);

// Cosign key files (cosign_key.cc).
inline constexpr std::string_view kSigstorePemType = "ENCRYPTED SIGSTORE PRIVATE KEY";
inline constexpr std::string_view kCosignPemType = "ENCRYPTED COSIGN PRIVATE KEY";

// DecryptCosignKey decrypts the JSON body of a cosign key file into PKCS#8 DER.
Result<SecretBytes> DecryptCosignKey(ByteView json_body, const SecretString& password);
// EncryptCosignKey returns the JSON body for |pkcs8| with scrypt parameters (n, 8, 1).
Result<std::string> EncryptCosignKey(ByteView pkcs8, const SecretString& password, uint64_t n);

}  // namespace internal
}  // namespace vouch::keys
