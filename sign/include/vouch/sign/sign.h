// Signing: blobs (files) with a key, written as a Sigstore bundle and/or a raw signature, or as
// a Notary Project (Notation) blob signature envelope.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "vouch/attest/notation.h"
#include "vouch/core/bytes.h"
#include "vouch/core/clock.h"
#include "vouch/core/digest.h"
#include "vouch/core/status.h"
#include "vouch/keys/keys.h"
#include "vouch/sign/bundle_signer.h"

namespace vouch::sign {

// SignBlobRequest describes one sign-blob operation.
struct SignBlobRequest {
  // artifact_path names the file to sign; "-" reads standard input.
  std::string artifact_path;
  // signer is the private key; borrowed, must outlive the call. Required unless bundle_signer
  // is set.
  const keys::Signer* signer = nullptr;
  // bundle_path, when not empty, receives a v0.3 Sigstore bundle.
  std::string bundle_path;
  // signature_path, when not empty, receives the signature as std base64 without a newline, the
  // form `cosign sign-blob --output-signature` writes.
  std::string signature_path;
  // bundle_signer, when set, signs instead of |signer| and decides the bundle's verification
  // material and witnesses (a key with a log or TSA, or keyless); borrowed.
  const BundleSigner* bundle_signer = nullptr;
};

// SignBlobResult reports what SignBlob produced.
struct SignBlobResult {
  // digest is the artifact digest recorded in the bundle's messageDigest: the key's prehash
  // (SHA-256 for P-256 and RSA, SHA-384 for P-384, SHA-512 for P-521), and SHA-256 for Ed25519,
  // which signs the message itself.
  Digest digest;
  // signature is the raw signature (DER for ECDSA, 64 bytes for Ed25519).
  Bytes signature;
  // bundle_json is the serialized bundle, written to bundle_path when that was set.
  std::string bundle_json;
};

// SignBlob reads the artifact exactly once with a fixed-size buffer (Ed25519, which needs the
// whole message, maps the file instead) and signs it with the key's default scheme. It then writes
// the requested outputs with WriteFileAtomic (mode 0644, replacing existing files), so a reader
// never sees a partial file; when both are requested the bundle is written first.
//
// Errors: no signer or no output requested is kInvalidArgument; an unreadable artifact is
// kNotFound / kPermissionDenied / kUnavailable as core/file.h maps them; signing failures come
// from the key (keys::Signer); write failures from WriteFileAtomic. Nothing is written unless
// signing succeeded.
Result<SignBlobResult> SignBlob(const SignBlobRequest& request);

// kNotationBlobMediaType is a blob descriptor's media type when none is given (notation's).
inline constexpr std::string_view kNotationBlobMediaType = "application/octet-stream";

// NotationBlobRequest describes one `vouch sign-blob --format notation-jws|notation-cose`.
struct NotationBlobRequest {
  // artifact_path names the file to sign; "-" reads standard input (then signature_path is
  // required: there is no file name to derive it from).
  std::string artifact_path;
  attest::NotationEnvelopeType type = attest::NotationEnvelopeType::kJws;
  // signer is the private key; borrowed, must outlive the call. Required.
  const keys::Signer* signer = nullptr;
  // certificate_chain is DER, leaf first; the leaf must hold |signer|'s public key. Required.
  std::vector<Bytes> certificate_chain;
  // media_type is the blob descriptor's mediaType.
  std::string media_type = std::string(kNotationBlobMediaType);
  // user_metadata (`-m key=value`) becomes the descriptor's annotations.
  std::map<std::string, std::string> user_metadata;
  std::optional<TimePoint> expiry;
  // timestamper, when set, countersigns the signature bytes (RFC 3161, see timestamp.h).
  std::function<Result<Bytes>(ByteView signature)> timestamper;
  // clock supplies the signing time; null means the system clock.
  const Clock* clock = nullptr;
  // signature_path receives the envelope; "" means NotationBlobSignaturePath(artifact_path).
  std::string signature_path;
};

// NotationBlobResult reports what SignNotationBlob wrote.
struct NotationBlobResult {
  attest::NotationTarget target;  // the signed descriptor
  std::string signature_path;     // where the envelope went
  Bytes envelope;
};

// NotationBlobSignaturePath is the name `notation blob sign` gives the envelope of |artifact|:
// "<artifact>.jws.sig" or "<artifact>.cose.sig".
std::string NotationBlobSignaturePath(const std::string& artifact,
                                      attest::NotationEnvelopeType type);

// SignNotationBlob reads the artifact once, hashing it with the hash the key implies
// (attest::HashForNotation: P-256 and RSA-2048 sha256, P-384 and RSA-3072 sha384, P-521 and
// RSA-4096 sha512) and counting its size, signs the payload {"targetArtifact": {mediaType,
// digest, size, annotations}} with scheme notary.x509, the signing time and agent "vouch"
// (attest::SignNotationEnvelope, which calls |timestamper|), and writes the envelope with
// WriteFileAtomic (0644, replacing an existing file).
//
// Errors: no signer, no chain, an Ed25519 key, a leaf that is not the signer's or stdin without
// signature_path are kInvalidArgument; an unreadable artifact keeps core/file.h's codes; a
// timestamper failure keeps its code. Nothing is written unless signing (and timestamping)
// succeeded.
Result<NotationBlobResult> SignNotationBlob(const NotationBlobRequest& request);

}  // namespace vouch::sign
