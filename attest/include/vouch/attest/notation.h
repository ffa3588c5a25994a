// Notary Project (Notation) signature envelopes: JWS JSON and COSE_Sign1, read and written.
//
// Specs: notaryproject/specifications specs/signature-specification.md,
// signature-envelope-jws.md and signature-envelope-cose.md (formats.md section 8). This file
// is the wire format only: what an envelope says and whether its own signature verifies with
// the key of its own leaf certificate. Whether that certificate is trusted, the times, the
// levels of a Notation trust policy and the payload's target are the verifier's
// (verify/notation/).
//
//   JWS  (application/jose+json): flattened JSON serialization {payload, protected, header,
//        signature}, base64url without padding; signed bytes = ASCII(protected "." payload).
//   COSE (application/cose): COSE_Sign1_Tagged (tag 18), CBOR through libcbor; signed bytes =
//        Sig_structure ["Signature1", protected bstr, h'', payload].
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vouch/core/bytes.h"
#include "vouch/core/clock.h"
#include "vouch/core/digest.h"
#include "vouch/core/status.h"
#include "vouch/keys/keys.h"

namespace vouch::attest {

inline constexpr std::string_view kNotationJwsMediaType = "application/jose+json";
inline constexpr std::string_view kNotationCoseMediaType = "application/cose";
// kNotationPayloadType is the payload content type (JWS `cty`, COSE label 3).
inline constexpr std::string_view kNotationPayloadType =
    "application/vnd.cncf.notary.payload.v1+json";
// kNotationSignatureArtifactType is the artifactType of a Notation signature referrer.
inline constexpr std::string_view kNotationSignatureArtifactType =
    "application/vnd.cncf.notary.signature";
// kNotationThumbprintAnnotation lists the chain's SHA-256 thumbprints on the referrer manifest.
inline constexpr std::string_view kNotationThumbprintAnnotation =
    "io.cncf.notary.x509chain.thumbprint#S256";
inline constexpr std::string_view kNotationSchemeX509 = "notary.x509";
inline constexpr std::string_view kNotationSchemeSigningAuthority = "notary.x509.signingAuthority";
// Extended attributes a verifier without plugins must refuse when they are critical.
inline constexpr std::string_view kNotationVerificationPlugin =
    "io.cncf.notary.verificationPlugin";
inline constexpr std::string_view kNotationVerificationPluginMinVersion =
    "io.cncf.notary.verificationPluginMinVersion";

// kMaxNotationEnvelopeSize caps an envelope (notation's own limit for a signature blob is 4 MiB).
inline constexpr size_t kMaxNotationEnvelopeSize = size_t{4} << 20;
// kMaxNotationChainLength caps the x5c / x5chain certificates.
inline constexpr size_t kMaxNotationChainLength = 16;

enum class NotationEnvelopeType { kJws, kCose };

// NotationEnvelopeMediaType returns the media type of |type|.
std::string_view NotationEnvelopeMediaType(NotationEnvelopeType type);

// ParseNotationEnvelopeType maps a media type ("application/jose+json", "application/cose") or a
// format name ("jws", "cose"); anything else is kInvalidArgument.
Result<NotationEnvelopeType> ParseNotationEnvelopeType(std::string_view name);

// NotationAlgorithm is the signature algorithm; each is bound to one key type and size:
// RSA-2048 PS256, RSA-3072 PS384, RSA-4096 PS512, P-256 ES256, P-384 ES384, P-521 ES512. RSA is
// always RSASSA-PSS (MGF1 with the same hash, salt length = hash length).
enum class NotationAlgorithm { kPs256, kPs384, kPs512, kEs256, kEs384, kEs512 };

// NotationAlgorithmName is the JWS name ("PS256"...).
std::string_view NotationAlgorithmName(NotationAlgorithm alg);

// HashForNotation returns the hash |alg| signs with: SHA-256 for PS256/ES256, SHA-384 for
// PS384/ES384, SHA-512 for PS512/ES512. A blob's targetArtifact digest uses the same hash
// (notation-go's blob signer and verifier derive it from the signing key this way).
HashAlgorithm HashForNotation(NotationAlgorithm alg);

// NotationAlgorithmFor returns the algorithm a key of |key| must use; Ed25519 has none
// (kInvalidArgument).
Result<NotationAlgorithm> NotationAlgorithmFor(keys::KeyAlgorithm key);

// NotationExtendedAttribute is a protected header entry that is not one of the standard ones.
struct NotationExtendedAttribute {
  std::string key;
  // value is the string value, or the compact JSON (JWS) / a diagnostic rendering (COSE) of any
  // other value. Informational: nothing but the plugin headers is interpreted.
  std::string value;
  bool critical = false;
};

// NotationEnvelope is a parsed envelope. Nothing in it is trusted until VerifyNotationSignature
// (integrity) and the verifier (authenticity, times) have run.
struct NotationEnvelope {
  NotationEnvelopeType type = NotationEnvelopeType::kJws;
  NotationAlgorithm algorithm = NotationAlgorithm::kPs256;
  std::string content_type;    // JWS cty / COSE 3: must be kNotationPayloadType
  std::string signing_scheme;  // kNotationSchemeX509 or kNotationSchemeSigningAuthority
  std::optional<TimePoint> signing_time;            // notary.x509 (the signer's claim)
  std::optional<TimePoint> authentic_signing_time;  // notary.x509.signingAuthority
  std::optional<TimePoint> expiry;
  std::vector<NotationExtendedAttribute> extended;  // in the order of the header
  Bytes payload;                                    // exactly the signed payload bytes
  Bytes signed_bytes;  // what the signature covers (JWS signing input / COSE Sig_structure)
  Bytes signature;     // raw: RSASSA-PSS bytes, or ECDSA r || s (fixed width)
  std::vector<Bytes> certificate_chain;  // DER, leaf first
  Bytes timestamp_token;                 // RFC 3161 TimeStampToken (DER); empty when none
  std::string signing_agent;             // unprotected, informational
};

// ParseNotationEnvelope parses an envelope of |type|. Enforced here (the envelope documents'
// "validation" rules): size ≤ kMaxNotationEnvelopeSize; JWS flattened form only, base64url
// without padding (padding is malformed); protected header with alg, cty, crit,
// io.cncf.notary.signingScheme (one of the two schemes), signingTime (notary.x509) or
// authenticSigningTime (signingAuthority, then critical; never both times), expiry when present
// critical; crit non-empty, without duplicates, naming only headers that are present among
// signingScheme, authenticSigningTime, expiry and the extended attributes, and including
// signingScheme; no unknown standard member (JWS registered headers, other COSE integer
// labels); x5c / x5chain (label 33, unprotected or protected) non-empty and at most
// kMaxNotationChainLength; times RFC 3339 (JWS) or tag 1 epoch integers (COSE); COSE without
// indefinite lengths or nesting deeper than 16. Any violation is kVerificationFailed naming the
// rule (for a verifier, a malformed envelope fails integrity).
Result<NotationEnvelope> ParseNotationEnvelope(NotationEnvelopeType type, ByteView data);

// VerifyNotationSignature checks the envelope's own signature: the algorithm fits the leaf
// certificate's key (type and size, else "algorithm substitution"), and |signature| verifies
// over |signed_bytes| with that key. kVerificationFailed otherwise. The certificate is only
// parsed here, never trusted.
Status VerifyNotationSignature(const NotationEnvelope& envelope);

// NotationTarget is the payload's targetArtifact: the OCI descriptor that was signed.
struct NotationTarget {
  std::string media_type;
  std::string digest;  // "<alg>:<hex>"
  int64_t size = 0;
  std::map<std::string, std::string> annotations;  // user metadata (-m key=value)
};

// ParseNotationPayload reads {"targetArtifact": {mediaType, digest, size, annotations?}}:
// mediaType, digest and size required, annotations string-valued. kVerificationFailed naming the
// field otherwise.
Result<NotationTarget> ParseNotationPayload(ByteView payload);

// NotationPayload renders the payload for |target| (compact JSON, annotations only when any).
Bytes NotationPayload(const NotationTarget& target);

// NotationSignRequest is what SignNotationEnvelope needs.
struct NotationSignRequest {
  NotationEnvelopeType type = NotationEnvelopeType::kJws;
  const keys::Signer* signer = nullptr;
  std::vector<Bytes> certificate_chain;  // DER, leaf first: the leaf's key is |signer|'s
  Bytes payload;                         // NotationPayload(...)
  std::string content_type = std::string(kNotationPayloadType);
  std::string signing_scheme = std::string(kNotationSchemeX509);
  TimePoint signing_time{};  // whole seconds are written
  std::optional<TimePoint> expiry;
  std::vector<NotationExtendedAttribute> extended;  // string values
  std::string signing_agent;
  // timestamper, when set, is called with the raw signature bytes and returns an RFC 3161
  // TimeStampToken over them (the unprotected io.cncf.notary.timestampSignature).
  std::function<Result<Bytes>(ByteView signature)> timestamper;
};

// SignNotationEnvelope encodes the protected header deterministically (JWS: JSON with keys in
// lexicographic order, crit = [signingScheme, critical extended keys in order, expiry]; COSE:
// the conformance map order) and signs it. The leaf's key must be the signer's; an Ed25519 key
// is kInvalidArgument (Notation has no algorithm for it).
Result<Bytes> SignNotationEnvelope(const NotationSignRequest& request);

}  // namespace vouch::attest
