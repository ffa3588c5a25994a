// Verification of in-toto attestations: a DSSE envelope (alone or in a Sigstore bundle) whose
// payload is an in-toto Statement about an artifact, signed by a trusted key.
//
// Blob attestations go through VerifyBundle (vouch/verify/sigstore.h), image attestations through
// the verification engine (vouch/verify/engine.h); both end in CheckSlsa. Every function fails
// closed: only OK means verified; kVerificationFailed means the input was checked and rejected,
// and its message names the failed check.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "vouch/attest/bundle.h"
#include "vouch/attest/dsse.h"
#include "vouch/attest/statement.h"
#include "vouch/core/bytes.h"
#include "vouch/core/digest.h"
#include "vouch/core/status.h"
#include "vouch/keys/keys.h"
#include "vouch/verify/sigstore.h"
#include "vouch/verify/slsa.h"

namespace vouch::verify {

// VerifiedAttestation is what a successful verification yields. Use these fields, never a
// re-parse of the envelope.
struct VerifiedAttestation {
  // statement is parsed from |payload|.
  attest::Statement statement;
  // payload is the exact verified DSSE payload (the statement JSON as signed).
  Bytes payload;
  // key_id is Verifier::KeyId() of the trusted key whose signature verified.
  std::string key_id;
};

// CheckSlsa runs the typed SLSA checks of |want| on a verified attestation. With an empty |want|
// it is OK for any predicate type. Otherwise the statement's predicate type must be SLSA
// provenance v1 or v0.2 (else kInvalidArgument: the checks do not apply), the predicate must
// normalize (else kVerificationFailed "provenance is malformed: ..."), and CheckProvenance decides.
Status CheckSlsa(const VerifiedAttestation& verified, const SlsaExpectations& want);

// VerifyBlobAttestationRequest describes one verify-blob-attestation operation.
struct VerifyBlobAttestationRequest {
  // artifact_path names the file the attestation is about ("-" reads stdin). Exactly one of
  // artifact_path and digest is used: digest when it is set.
  std::string artifact_path;
  // digest names the artifact instead of reading the file: "sha256:<hex>", "sha384:", "sha512:"
  // or "sha1:" (ArtifactDigest), compared with the statement's subjects.
  std::string digest;
  // bundle_path names the Sigstore bundle, or a JSONL file of bundles (any one may verify).
  std::string bundle_path;
  // trust says who is trusted (a key, managed keys or keyless identities) and the log and
  // timestamp thresholds; its trusted_root is ignored: |roots| are tried in turn.
  BundleVerifyOptions trust;
  // roots are the trusted roots (keyless and managed keys need one; with a plain key, none means
  // only the signature is checked).
  std::vector<std::shared_ptr<const TrustedRoot>> roots;
  // predicate_type is the required predicateType URI (already mapped from a short name).
  std::string predicate_type;
  // slsa holds optional typed SLSA checks (only for provenance predicate types).
  SlsaExpectations slsa;
};

// VerifyBlobAttestation reads the bundle(s) (a malformed or oversized one is kVerificationFailed
// "bundle is malformed: ..."), verifies them with VerifyAnyBundle (vouch/verify/sigstore.h:
// signer, signature over PAE, subject digest in the algorithms the subjects use, predicate type,
// and with a trusted root the log entries, timestamps and certificate), then runs CheckSlsa on
// the statement of the bundle that verified. A missing trust, predicate type, bundle or
// artifact, or a digest that does not parse, is kInvalidArgument; unreadable files are kNotFound
// / kPermissionDenied / kUnavailable. VerifiedAttestation::key_id is the signer ("key <id>" or
// the certificate SAN).
Result<VerifiedAttestation> VerifyBlobAttestation(const VerifyBlobAttestationRequest& request);

}  // namespace vouch::verify
