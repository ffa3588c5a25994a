// Key handles: Signer (private key) and Verifier (public key), key files, and key ids.
//
// Private keys are handles, never bytes: a Signer holds its key privately and the only way to
// get secret bytes out is an Export* function that takes a SecretAccessToken. Verification
// returns a Status, never a bool: any non-OK status means reject (kVerificationFailed when the
// signature does not verify or is malformed).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "vouch/core/bytes.h"
#include "vouch/core/digest.h"
#include "vouch/core/file.h"
#include "vouch/core/status.h"
#include "vouch/keys/secret_access.h"

namespace vouch::keys {

// KeyAlgorithm is a key's type and size.
enum class KeyAlgorithm {
  kEcdsaP256,
  kEcdsaP384,
  kEcdsaP521,  // read only (cosign keys may be P-521); `key generate` does not offer it
  kEd25519,
  kRsa2048,    // read only
  kRsa3072,
  kRsa4096,
};

// KeyAlgorithmName returns the CLI spelling: "ecdsa-p256", "ecdsa-p384", "ecdsa-p521",
// "ed25519", "rsa-2048", "rsa-3072", "rsa-4096".
std::string_view KeyAlgorithmName(KeyAlgorithm alg);
// ParseKeyAlgorithm accepts the names `vouch key generate --algorithm` offers; anything else
// (including the read-only algorithms) is kInvalidArgument.
Result<KeyAlgorithm> ParseKeyAlgorithm(std::string_view name);

// SignatureScheme selects how a signature is computed and checked. kDefault is the scheme that
// Sigstore and cosign use for the key: ECDSA P-256/SHA-256, P-384/SHA-384, P-521/SHA-512 (DER
// signatures), pure Ed25519, RSA PKCS#1 v1.5 with SHA-256.
enum class SignatureScheme {
  kDefault,
  kEcdsaSha256,
  kEcdsaSha384,
  kEcdsaSha512,
  kEd25519,
  kRsaPkcs1Sha256,
  kRsaPkcs1Sha384,
  kRsaPkcs1Sha512,
  kRsaPssSha256,  // MGF1 with the same hash, salt length = hash length
  kRsaPssSha384,
  kRsaPssSha512,
};

// PrehashAlgorithm returns the hash that |scheme| (resolved for |alg|) applies to the message,
// or nullopt for pure Ed25519, which signs the message itself.
std::optional<HashAlgorithm> PrehashAlgorithm(KeyAlgorithm alg, SignatureScheme scheme);

// Verifier is a public key that checks signatures. Cheap to copy (shares the key).
class Verifier {
 public:
  // FromPem parses a "PUBLIC KEY" (SubjectPublicKeyInfo) PEM block. Other PEM types, trailing
  // garbage, unsupported curves and RSA keys under 2048 bits are kInvalidArgument.
  static Result<Verifier> FromPem(std::string_view pem);
  // FromSpkiDer parses DER SubjectPublicKeyInfo.
  static Result<Verifier> FromSpkiDer(ByteView der);

  KeyAlgorithm algorithm() const;
  // KeyId is lowercase hex of SHA-256 over the DER SubjectPublicKeyInfo (SpkiDer). It names the
  // key, not an encoding of it: two Verifiers of the same public key have the same KeyId.
  std::string KeyId() const;
  // SpkiDer returns the canonical DER SubjectPublicKeyInfo: re-encoded by OpenSSL, an EC key as
  // an uncompressed point on its named curve whatever form it was read in (a compressed point
  // gives the same SpkiDer as the uncompressed one).
  const Bytes& SpkiDer() const;
  // ToPem returns the "PUBLIC KEY" PEM block.
  std::string ToPem() const;

  // Verify checks |signature| over |message|. OK only when it verifies; a wrong, truncated or
  // malformed signature (including non-DER ECDSA encodings) is kVerificationFailed. ECDSA accepts
  // high-s signatures. A scheme that does not fit the key is kInvalidArgument.
  Status Verify(ByteView signature, ByteView message,
                SignatureScheme scheme = SignatureScheme::kDefault) const;
  // VerifyDigest checks |signature| over a message already hashed with PrehashAlgorithm().
  // Ed25519 cannot verify a digest: kInvalidArgument. A digest of the wrong hash is
  // kInvalidArgument.
  Status VerifyDigest(ByteView signature, const Digest& digest,
                      SignatureScheme scheme = SignatureScheme::kDefault) const;
  // VerifySource checks |signature| over the whole stream, hashing with a fixed buffer (Ed25519
  // maps the source instead: see ByteSource::Map).
  Status VerifySource(ByteView signature, ByteSource& source,
                      SignatureScheme scheme = SignatureScheme::kDefault) const;

  struct Impl;
  explicit Verifier(std::shared_ptr<const Impl> impl);

 private:
  std::shared_ptr<const Impl> impl_;
};

// Signer is a private key that makes signatures. Implementations may live elsewhere (a KMS or
// PKCS#11 token later); the in-process one holds an OpenSSL key.
class Signer {
 public:
  virtual ~Signer() = default;

  virtual KeyAlgorithm algorithm() const = 0;
  // PublicKey returns the matching Verifier.
  virtual const Verifier& PublicKey() const = 0;
  // Sign signs |message| with the key's default scheme (DER for ECDSA).
  virtual Result<Bytes> Sign(ByteView message) const = 0;
  // SignDigest signs a message already hashed with PrehashAlgorithm(algorithm(), kDefault).
  // Ed25519 keys return kInvalidArgument: use SignSource or Sign.
  virtual Result<Bytes> SignDigest(const Digest& digest) const = 0;
  // SignSource signs the whole stream with a fixed buffer (Ed25519 maps it).
  virtual Result<Bytes> SignSource(ByteSource& source) const = 0;
  // SignWithScheme signs |message| with an explicit |scheme| instead of the key's default, for
  // formats that fix the scheme (Notation signs with RSASSA-PSS). ECDSA signatures are DER. A
  // scheme that does not fit the key is kInvalidArgument. Signers that cannot choose the scheme
  // (PKCS#11 tokens, KMS plugins) return kUnimplemented: this default.
  virtual Result<Bytes> SignWithScheme(ByteView message, SignatureScheme scheme) const;
};

// Generate makes a new key pair of |alg| (kEcdsaP521 and kRsa2048 are not offered:
// kInvalidArgument).
Result<std::unique_ptr<Signer>> Generate(KeyAlgorithm alg);

// kMaxKeyFileSize caps every key file vouch reads (a PEM key is a few KiB at most).
inline constexpr size_t kMaxKeyFileSize = 64 * 1024;

// LoadSignerPem parses a private key PEM: "ENCRYPTED PRIVATE KEY" (PKCS#8, decrypted with
// |password|), "PRIVATE KEY" (PKCS#8), "EC PRIVATE KEY" (SEC 1), "RSA PRIVATE KEY" (PKCS#1), and
// cosign's "ENCRYPTED SIGSTORE PRIVATE KEY" / "ENCRYPTED COSIGN PRIVATE KEY". A wrong password
// is kInvalidArgument ("wrong password or corrupt key"); malformed input is kInvalidArgument.
// The password is used only for the encrypted forms.
Result<std::unique_ptr<Signer>> LoadSignerPem(std::string_view pem, const SecretString& password);

// IsEncryptedPem reports whether |pem| is one of the encrypted private key forms, so callers ask
// for a password only when it is needed.
bool IsEncryptedPem(std::string_view pem);
// IsPrivateKeyPem reports whether |pem| holds any private key form.
bool IsPrivateKeyPem(std::string_view pem);
// IsCosignPem reports whether |pem| is a cosign private key file ("ENCRYPTED SIGSTORE PRIVATE KEY"
// or "ENCRYPTED COSIGN PRIVATE KEY"), whose password cosign users keep in COSIGN_PASSWORD.
bool IsCosignPem(std::string_view pem);

// ExportEncryptedPem returns the key as "ENCRYPTED PRIVATE KEY" PEM: PKCS#8 encrypted with PBES2,
// scrypt key derivation (N = 2^14, r = 8, p = 1: 16 MiB) and AES-256-CBC, which `openssl pkey`
// and Python's cryptography open with the password alone. An empty password still encrypts.
Result<SecretString> ExportEncryptedPem(const Signer& signer, const SecretString& password,
                                        SecretAccessToken token);

// ExportCosignPem returns the key in cosign's "ENCRYPTED SIGSTORE PRIVATE KEY" format (scrypt
// N=65536 r=8 p=1, NaCl secretbox over PKCS#8 DER), which cosign reads.
Result<SecretString> ExportCosignPem(const Signer& signer, const SecretString& password,
                                     SecretAccessToken token);
// ExportCosignPem with an explicit scrypt N (r=8, p=1): 32768 ("legacy", for older readers that
// accept only those parameters), 65536 (the default above) or 131072. Other values are
// kInvalidArgument.
Result<SecretString> ExportCosignPem(const Signer& signer, const SecretString& password,
                                     SecretAccessToken token, uint64_t scrypt_n);

// ReadKeySpec returns the PEM text a --key argument names: "env://VAR" reads the environment
// variable VAR (kInvalidArgument when unset or empty), anything else is a file path read with the
// kMaxKeyFileSize cap (kNotFound, kPermissionDenied, kResourceExhausted as core/file.h maps them).
// A path PREFIX.key beside a PREFIX.key.new left by an interrupted key pair replacement is
// CheckKeyPairLeftovers' kFailedPrecondition (key_pair_files.h): that key no longer matches
// PREFIX.pub.
Result<SecretString> ReadKeySpec(const std::string& spec);

}  // namespace vouch::keys
