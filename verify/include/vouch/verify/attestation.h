// Verification of in-toto attestations: a DSSE envelope (alone or in a Sigstore bundle) whose
// payload is an in-toto Statement about an artifact, signed by a trusted key.
//
// The envelope-level function VerifyAttestationEnvelope is shared by verify-blob-attestation and
// the image-level verify-attestation: it knows nothing about where the envelope came from. Every
// function fails closed: only OK means verified; kVerificationFailed means the input was checked
// and rejected, and its message names the failed check.
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

// VerifyAttestationEnvelope checks |envelope| against the |keys| (any one suffices), the artifact
// |subject| digest, and the |predicate_type| URI, in this order, stopping at the first failure
// (each kVerificationFailed, message prefix in quotes):
//  1. payloadType is application/vnd.in-toto+json            "payload type ..."
//  2. some signature verifies over PAE with some key          "signature ..."
//  3. the verified payload parses as an in-toto Statement     "statement is malformed: ..."
//  4. some subject's digest equals |subject|                  "subject ..."
//  5. predicateType equals |predicate_type| exactly           "predicate type ..."
// keyid hints are not consulted. An empty |keys| list or empty |predicate_type| is
// kInvalidArgument. On OK returns the verified statement, payload and key.
Result<VerifiedAttestation> VerifyAttestationEnvelope(const attest::DsseEnvelope& envelope,
                                                      const Digest& subject,
                                                      std::span<const keys::Verifier> keys,
                                                      std::string_view predicate_type);

// VerifyAttestationBundle applies the bundle rules, then VerifyAttestationEnvelope: the content
// must be a DSSE envelope ("bundle holds a message signature ..."), with exactly one signature
// (ParseBundle enforces it); with a public key hint the envelope's keyid, when non-empty
// (sigstore-js omits empty ones), must equal the hint, and the hint must name one of |keys|
// (HintMatches). Failures are kVerificationFailed.
Result<VerifiedAttestation> VerifyAttestationBundle(const attest::Bundle& bundle,
                                                    const Digest& subject,
                                                    std::span<const keys::Verifier> keys,
                                                    std::string_view predicate_type);

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
  // digest is the artifact's digest ("sha256:<hex>"), instead of reading the file.
  std::string digest;
  // bundle_path names the Sigstore bundle (at most attest::kMaxBundleSize bytes).
  std::string bundle_path;
  // key is the trusted public key; borrowed, must outlive the call. Required.
  const keys::Verifier* key = nullptr;
  // predicate_type is the required predicateType URI (already mapped from a short name).
  std::string predicate_type;
  // slsa holds optional typed SLSA checks (only for provenance predicate types).
  SlsaExpectations slsa;
};

// VerifyBlobAttestation reads the bundle (a malformed or oversized one is kVerificationFailed
// "bundle is malformed: ..."), then the artifact once (SHA-256), and runs VerifyAttestationBundle
// and CheckSlsa. A missing key, predicate type, bundle or artifact, or a digest that does not
// parse, is kInvalidArgument; unreadable files are kNotFound / kPermissionDenied / kUnavailable.
Result<VerifiedAttestation> VerifyBlobAttestation(const VerifyBlobAttestationRequest& request);

}  // namespace vouch::verify
