// The Sigstore bundle model: parse bundles v0.1, v0.2 and v0.3 from their protobuf JSON form and
// write v0.3 bundles for key-signed blobs.
//
// Reference: sigstore/protobuf-specs protos/sigstore_bundle.proto and sigstore_common.proto, and
// docs/formats.md section 4. Parsing checks the structure of a bundle only; it never decides
// whether a bundle is trustworthy. Transparency-log entries and timestamps are kept as raw JSON
// for the verifier that checks them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "vouch/attest/dsse.h"
#include "vouch/core/bytes.h"
#include "vouch/core/digest.h"
#include "vouch/core/file.h"
#include "vouch/core/status.h"
#include "vouch/keys/keys.h"

namespace vouch::attest {

// The four bundle media type spellings vouch reads (formats.md section 4.1). Anything else,
// including future versions, is rejected.
inline constexpr std::string_view kBundleMediaTypeV01 =
    "application/vnd.dev.sigstore.bundle+json;version=0.1";
inline constexpr std::string_view kBundleMediaTypeV02 =
    "application/vnd.dev.sigstore.bundle+json;version=0.2";
inline constexpr std::string_view kBundleMediaTypeV03 =
    "application/vnd.dev.sigstore.bundle+json;version=0.3";
// kBundleMediaTypeV03New is the spelling vouch writes, as cosign v3 and sigstore-go do.
inline constexpr std::string_view kBundleMediaTypeV03New =
    "application/vnd.dev.sigstore.bundle.v0.3+json";

// kBundleMediaTypePrefix starts every bundle media type spelling: a referrer whose artifactType,
// config or layer media type starts with it holds a bundle.
inline constexpr std::string_view kBundleMediaTypePrefix = "application/vnd.dev.sigstore.bundle";

// IsBundleMediaType reports whether |media_type| starts with kBundleMediaTypePrefix.
inline bool IsBundleMediaType(std::string_view media_type) {
  return media_type.starts_with(kBundleMediaTypePrefix);
}

// kBundlePredicateTypeAnnotation labels a bundle referrer (and its index entry) with the
// statement's predicate type; kBundleContentAnnotation with its content kind. Both are unsigned
// labels: they route objects, they are never trusted.
inline constexpr std::string_view kBundlePredicateTypeAnnotation =
    "dev.sigstore.bundle.predicateType";
inline constexpr std::string_view kBundleContentAnnotation = "dev.sigstore.bundle.content";

// kMaxBundleSize caps the size of a bundle document. Real bundles are a few KiB; the largest
// legitimate ones (long certificate chains, many inclusion proof hashes) stay far below this.
inline constexpr size_t kMaxBundleSize = 16 * 1024 * 1024;

// BundleVersion is the bundle format version named by the media type.
enum class BundleVersion { kV01, kV02, kV03 };

// ParseBundleMediaType maps one of the four accepted spellings to its version; anything else is
// kInvalidArgument.
Result<BundleVersion> ParseBundleMediaType(std::string_view media_type);

// TlogEntry is one transparency-log entry. Only the fields needed to identify it are decoded; the
// whole entry is kept as compact JSON in |json| for the log verifier.
struct TlogEntry {
  int64_t log_index = 0;        // the global log index; never negative
  int64_t integrated_time = 0;  // seconds since the epoch; 0 when absent (Rekor v2)
  std::string kind;             // kindVersion.kind, e.g. "hashedrekord"; empty when absent
  std::string kind_version;     // kindVersion.version, e.g. "0.0.1"; empty when absent
  std::string json;             // the entry as compact JSON
};

// VerificationMaterial is how a verifier finds the key: exactly one of a public key hint (the key
// itself is delivered out of band), a single leaf certificate (v0.3) or a certificate chain
// (v0.1 and v0.2, leaf first; extra certificates are never trusted).
struct VerificationMaterial {
  enum class Kind { kPublicKey, kCertificate, kCertificateChain };
  Kind kind = Kind::kPublicKey;
  // public_key_hint is publicKey.hint, possibly empty. vouch writes std base64 of SHA-256 over
  // the DER SubjectPublicKeyInfo (formats.md section 7.3).
  std::string public_key_hint;
  // certificates holds the DER certificates: one for kCertificate, one or more for
  // kCertificateChain, none for kPublicKey.
  std::vector<Bytes> certificates;
  std::vector<TlogEntry> tlog_entries;
  // timestamp_verification_data is the timestampVerificationData object as compact JSON, or
  // empty when the bundle has none.
  std::string timestamp_verification_data;
};

// MessageDigest is the messageDigest of a message signature: a hint that identifies the signed
// artifact. Verifiers must never verify a signature against it, only reject a bundle whose
// digest contradicts the artifact.
struct MessageDigest {
  // algorithm is the protobuf HashAlgorithm name: "SHA2_256", "SHA2_384", "SHA2_512",
  // "SHA3_256", "SHA3_384" or "HASH_ALGORITHM_UNSPECIFIED".
  std::string algorithm;
  Bytes digest;

  // Hash returns the algorithm as a vouch HashAlgorithm, or nullopt for algorithms vouch does
  // not compute (SHA-3, unspecified).
  std::optional<HashAlgorithm> Hash() const;
};

// MessageSignature is a signature over the artifact bytes (or their digest).
struct MessageSignature {
  std::optional<MessageDigest> message_digest;  // optional in the protobuf schema
  Bytes signature;                              // never empty
};

// Bundle is a parsed Sigstore bundle.
struct Bundle {
  std::string media_type;  // one of the four accepted spellings
  BundleVersion version = BundleVersion::kV03;
  VerificationMaterial verification_material;
  // content is a message signature or a DSSE envelope (vouch/attest/dsse.h); a bundle's
  // envelope holds exactly one signature (formats.md section 4.2).
  std::variant<MessageSignature, DsseEnvelope> content;

  // IsMessageSignature reports whether the content is a message signature (else DSSE).
  bool IsMessageSignature() const { return std::holds_alternative<MessageSignature>(content); }
};

// ParseBundle parses a bundle from its protobuf JSON form. It follows the protobuf JSON mapping:
// field names in lowerCamelCase or the original snake_case, bytes in std base64 (URL-safe
// accepted, padding optional), int64 as decimal strings or numbers, enums by name or number, and
// unknown fields ignored.
//
// A document larger than kMaxBundleSize is kResourceExhausted. Any other problem (invalid JSON,
// an unsupported media type, a missing or mistyped field, both or neither of the alternatives of
// a oneof, a negative log index, a digest whose length does not fit its algorithm, a DSSE
// envelope without exactly one signature) is kInvalidArgument with a message naming the field.
Result<Bundle> ParseBundle(std::string_view json);

// SerializeBundle writes |bundle| as compact protobuf JSON, lowerCamelCase names, default values
// omitted, in the field order of the schema. The media type is written as given and must be one
// of the four accepted spellings (else kInvalidArgument); content must be non-empty where
// ParseBundle requires it. SerializeBundle(ParseBundle(x)) parses back to an equal bundle.
Result<std::string> SerializeBundle(const Bundle& bundle);

// ProtoHashAlgorithmName returns the protobuf HashAlgorithm name of |alg| ("SHA2_256", ...).
std::string_view ProtoHashAlgorithmName(HashAlgorithm alg);

// PublicKeyHintFromSpki returns std base64 of SHA-256 over |spki_der|: the publicKey.hint cosign
// v3 and sigstore-go write for a key (formats.md section 7.3).
std::string PublicKeyHintFromSpki(ByteView spki_der);

// PublicKeyHint returns the publicKey.hint of |key|.
inline std::string PublicKeyHint(const keys::Verifier& key) {
  return PublicKeyHintFromSpki(key.SpkiDer());
}

// HintMatches reports whether a bundle's publicKey |hint| names the key whose DER
// SubjectPublicKeyInfo is |spki_der|. It accepts the std base64 (or URL-safe) encoding of the
// SHA-256 key id, and its lowercase hex form. An empty hint matches nothing: callers decide
// whether a missing hint is acceptable.
bool HintMatches(std::string_view hint, ByteView spki_der);

// KeyIdOfHint returns the key id (lowercase hex SHA-256 of the SPKI, keys::Verifier::KeyId's
// form) that a publicKey |hint| names, when it is one in either accepted encoding; "" for any
// other hint (a KMS key name, an OpenSSH fingerprint). It names a key; it proves nothing.
std::string KeyIdOfHint(std::string_view hint);

// MakeKeySignedBundle builds the v0.3 bundle vouch writes for a blob signed with a key:
// media type kBundleMediaTypeV03New, verificationMaterial.publicKey.hint of |key|, and a
// messageSignature whose messageDigest is |digest| (the artifact digest) and whose signature is
// |signature|. No transparency-log entries.
Bundle MakeKeySignedBundle(const keys::Verifier& key, const Digest& digest, Bytes signature);

// DigestingSource passes a ByteSource through unchanged while computing a digest of everything
// read or mapped through it, so that a single pass over the artifact can both feed a signer or
// verifier and produce a messageDigest. It borrows |inner|, which must outlive it.
class DigestingSource final : public ByteSource {
 public:
  DigestingSource(ByteSource& inner, HashAlgorithm alg);

  Result<size_t> Read(std::span<uint8_t> buf) override;
  // Map maps the inner source and hashes the mapped bytes once, on the first successful call.
  std::optional<ByteView> Map() override;
  std::string Name() const override { return inner_.Name(); }

  // Finish returns the digest of the bytes seen so far; call it once, after the consumer is done.
  Digest Finish() { return hasher_.Finish(); }

 private:
  ByteSource& inner_;
  Hasher hasher_;
  bool mapped_ = false;
};

}  // namespace vouch::attest
