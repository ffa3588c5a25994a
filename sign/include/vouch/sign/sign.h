// Signing: blobs (files) with a key, written as a Sigstore bundle and/or a raw signature.
#pragma once

#include <string>

#include "vouch/core/bytes.h"
#include "vouch/core/digest.h"
#include "vouch/core/status.h"
#include "vouch/keys/keys.h"

namespace vouch::sign {

// SignBlobRequest describes one sign-blob operation.
struct SignBlobRequest {
  // artifact_path names the file to sign; "-" reads standard input.
  std::string artifact_path;
  // signer is the private key; borrowed, must outlive the call. Required.
  const keys::Signer* signer = nullptr;
  // bundle_path, when not empty, receives a v0.3 Sigstore bundle (attest::MakeKeySignedBundle).
  std::string bundle_path;
  // signature_path, when not empty, receives the signature as std base64 without a newline, the
  // form `cosign sign-blob --output-signature` writes.
  std::string signature_path;
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

}  // namespace vouch::sign
