// Verification: blobs (files) against a public key and a Sigstore bundle or a raw signature.
//
// Every function here fails closed: only an OK Status means "verified". kVerificationFailed means
// the check ran and rejected the input (a modified file, a different key, a malformed or
// oversized bundle or signature); any other code means the check could not run (an unreadable
// file, a bad argument).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "vouch/attest/bundle.h"
#include "vouch/core/bytes.h"
#include "vouch/core/file.h"
#include "vouch/core/status.h"
#include "vouch/keys/keys.h"
#include "vouch/verify/sigstore.h"
#include "vouch/verify/trusted_root.h"

namespace vouch::verify {

// kMaxSignatureFileSize caps a base64 signature file. The largest signature vouch handles (RSA
// 4096, 512 bytes) is about 700 characters of base64.
inline constexpr size_t kMaxSignatureFileSize = 64 * 1024;

// VerifyBlobRequest describes one verify-blob operation: a key, the artifact, and exactly one of
// a bundle or a signature file.
struct VerifyBlobRequest {
  // artifact_path names the file to check; "-" reads standard input.
  std::string artifact_path;
  // key is the trusted public key; borrowed, must outlive the call. Required, except for the
  // keyless form of VerifyBlob below.
  const keys::Verifier* key = nullptr;
  // bundle_path names a Sigstore bundle (at most attest::kMaxBundleSize bytes).
  std::string bundle_path;
  // signature_path names a file holding the std base64 signature (whitespace ignored; at most
  // kMaxSignatureFileSize bytes), as `cosign sign-blob --output-signature` writes it.
  std::string signature_path;
};

// VerifyBlob reads the bundle or signature first, then the artifact exactly once, and checks the
// signature with the request's key and its default scheme.
//
// Returns OK only when the signature verifies. kVerificationFailed, with a message saying which,
// when: the bundle or signature file is malformed or larger than its cap ("bundle is malformed:
// ..."); the bundle holds a DSSE envelope (use verify-blob-attestation); the bundle's publicKey
// hint names a different key; the bundle's messageDigest contradicts the artifact (the file was
// modified); or the signature does not verify. kInvalidArgument when the request lacks a key or
// does not give exactly one of bundle_path and signature_path, or the artifact is a directory.
// kNotFound / kPermissionDenied / kUnavailable when a file cannot be read (core/file.h).
Status VerifyBlob(const VerifyBlobRequest& request);

// BlobSigstoreOptions extends a verify-blob request with Sigstore trust (docs/sigstore.md).
struct BlobSigstoreOptions {
  // identities, for a keyless bundle (a Fulcio certificate): any one must match. Needs
  // |trusted_root| and a bundle (not a signature file); exclusive with the request's key.
  std::vector<CertificateIdentity> identities;
  // trusted_root: with identities, required; with a key, optional: when given, the bundle is
  // checked by VerifyBundle (transparency log entries and timestamps included).
  std::shared_ptr<const TrustedRoot> trusted_root;
};

// VerifyBlob with |sigstore| options: with neither identities nor a trusted root it is
// VerifyBlob(request). Otherwise the bundle is checked by VerifyBundle
// (vouch/verify/sigstore.h): keyless (request.key null, identities set) or with the request's
// key and the log checks. There a certificate bundle needs identities (with a key it is
// kVerificationFailed), and a DSSE bundle is rejected as everywhere in verify-blob. A request with
// both or neither of a key and identities, or keyless with a signature file, is kInvalidArgument;
// keyless without a trusted root is kInvalidArgument ("no trusted root: ...").
Status VerifyBlob(const VerifyBlobRequest& request, const BlobSigstoreOptions& sigstore);

// VerifyBundleAgainst checks an already parsed message-signature |bundle| against |artifact|
// with |key|, reading |artifact| once. Same results as VerifyBlob for a bundle.
Status VerifyBundleAgainst(const attest::Bundle& bundle, const keys::Verifier& key,
                           ByteSource& artifact);

// VerifySignatureAgainst checks a raw |signature| over |artifact| with |key|, reading
// |artifact| once. Same results as VerifyBlob for a signature file.
Status VerifySignatureAgainst(ByteView signature, const keys::Verifier& key, ByteSource& artifact);

// ParseSignatureFile decodes the content of a signature file: std base64 (URL-safe accepted)
// with any whitespace, such as the line breaks of `openssl base64`, ignored. Empty or non-base64
// content is kVerificationFailed ("signature file is malformed: ...").
Result<Bytes> ParseSignatureFile(std::string_view text);

}  // namespace vouch::verify
