// Per-object checks shared by `vouch verify`, `vouch verify-attestation` and the policy evaluator
// (private to the verify module). Each function checks ONE fetched signature or attestation
// object against a set of trusted keys; where the object came from (referrer, `.sig`/`.att`
// layer) and how many must verify is the caller's business.
//
// Every function fails closed: OK only when every check held; otherwise kVerificationFailed whose
// message names the failed check (the messages are part of the CLI output and tests).
#pragma once

#include <map>
#include <span>
#include <string>
#include <string_view>

#include "lookup.h"
#include "vouch/attest/bundle.h"
#include "vouch/attest/statement.h"
#include "vouch/core/bytes.h"
#include "vouch/core/digest.h"
#include "vouch/core/status.h"
#include "vouch/keys/keys.h"
#include "vouch/verify/attestation.h"

namespace vouch::verify::internal {

// CheckAnnotations reports whether every |want| entry is in |have| with the same value
// ("annotation K is missing" / "annotation K is \"x\", not \"y\"").
Status CheckAnnotations(const std::map<std::string, std::string>& have,
                        const std::map<std::string, std::string>& want);

// SubjectAnnotations returns the string annotations of the statement subjects whose digest is
// |subject| (non-string annotations are ignored).
std::map<std::string, std::string> SubjectAnnotations(const attest::Statement& statement,
                                                      const Digest& subject);

// CheckSimpleSigningPayload checks a simple-signing payload whose signature verified: type,
// docker-manifest-digest = |expected|, |annotations| in `optional`, and (when |identity| is not
// empty) critical.identity.docker-reference names that repository.
Status CheckSimpleSigningPayload(ByteView payload, const Digest& expected,
                                 const std::map<std::string, std::string>& annotations,
                                 std::string_view identity);

// DecodeSignatureAnnotation decodes the std base64 signature annotation (line breaks skipped,
// as Go does).
Result<Bytes> DecodeSignatureAnnotation(std::string_view b64);

// CheckSignatureBundle checks a Sigstore bundle as a cosign image signature for |subject|: a DSSE
// envelope with payloadType in-toto, exactly one signature, DSSE keyid = bundle key hint (when
// both are set), signature over PAE verifying with one of |keys|, predicateType
// https://sigstore.dev/cosign/sign/v1, a subject with exactly |subject|, and |annotations| on
// that subject. Returns the Verifier::KeyId() of the key that verified.
Result<std::string> CheckSignatureBundle(const attest::Bundle& bundle, const Digest& subject,
                                         std::span<const keys::Verifier> keys,
                                         const std::map<std::string, std::string>& annotations);

// CheckLegacySignature checks a `.sig` layer: |signature_b64| over the exact |payload| with one
// of |keys|, then CheckSimpleSigningPayload. Returns the KeyId of the key that verified.
Result<std::string> CheckLegacySignature(ByteView payload, std::string_view signature_b64,
                                         const Digest& subject,
                                         std::span<const keys::Verifier> keys,
                                         const std::map<std::string, std::string>& annotations);

// CheckSignatureObject dispatches one collected object (lookup.h): a fetched bundle goes to
// CheckSignatureBundle, a fetched `.sig` layer to CheckLegacySignature; an object that was not
// fetched fails with its problem; an `.att` layer is "not a signature".
Result<std::string> CheckSignatureObject(const AttachedObject& object, const Digest& subject,
                                         std::span<const keys::Verifier> keys,
                                         const std::map<std::string, std::string>& annotations);

// CheckAttestationObject verifies one collected attestation object (a bundle referrer or an
// `.att` layer) with VerifyAttestationBundle / VerifyAttestationEnvelope: signature with one of
// |keys|, subject = |subject|, and a predicate type in |predicate_types| (the first one is asked
// for unless the payload names another of the list; the full check then decides). Objects that
// were not fetched fail with their problem; signatures and message bundles are "not an
// attestation".
Result<VerifiedAttestation> CheckAttestationObject(const AttachedObject& object,
                                                   const Digest& subject,
                                                   std::span<const keys::Verifier> keys,
                                                   std::span<const std::string> predicate_types);

}  // namespace vouch::verify::internal
