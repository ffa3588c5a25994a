// The one result type of image verification: what the engine (vouch/verify/engine.h) decided
// about one image, with typed reasons, for every front end (`vouch verify`, `verify --policy`,
// `verify-attestation`, `inspect`, `promote`, `serve`). Renderers (vouch/verify/render.h) turn
// it into text and the documented JSON shapes; the CLI turns ImageDecision::status into an exit
// code. Nothing here is recognized by its message: decide on Outcome, Decision and Reason.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vouch/core/digest.h"
#include "vouch/core/status.h"

namespace vouch::verify {

// Outcome is the verdict on one requirement (for one manifest or platform).
enum class Outcome {
  kPass,   // requirement met
  kFail,   // requirement not met (rejects in enforce mode)
  kWarn,   // not met, reported only (audit mode)
  kError,  // could not be evaluated (a lookup failed, trust material unusable)
};

std::string_view OutcomeName(Outcome o);  // "pass", "fail", "warn", "error"

// Decision is the verdict on one image.
enum class Decision {
  kAccepted,  // every requirement passed (or audit mode / accept mode)
  kRejected,  // some requirement failed, or no scope matched, or mode reject
  kError,     // some requirement could not be checked (and none failed outright)
};

std::string_view DecisionName(Decision d);  // "accepted", "rejected", "error"

// Reason says, as a type, why a requirement has its outcome or why a piece of evidence did not
// count. kNone is a pass.
enum class Reason {
  kNone,
  // The scope policy.
  kNoScope,       // no scope of the policy matches the image
  kModeReject,    // the scope's mode is reject
  kDeniedDigest,  // the image or one of its platform manifests is in deny.digests
  // One piece of evidence (a signature or attestation object).
  kWrongKind,           // not of the kind asked for: never a failure, only left out
  kUnreadable,          // missing, corrupt, oversized or malformed: it cannot count
  kUntrusted,           // no trusted signer: signature, certificate, identity or log evidence
  kUnsigned,            // carries no signature at all (a BuildKit attestation): listed only
  kRevoked,             // signed with a key in deny.keyIds
  kWrongSubject,        // the signed payload is about another digest
  kMalformedPayload,    // the signed payload does not parse or is not the expected payload type
  kAnnotationMismatch,  // a required annotation is missing or has another value
  // A requirement.
  kNoEvidence,          // nothing of the kind asked for is attached
  kNoneValid,           // evidence was found, none of it valid
  kThresholdNotMet,     // some signers verified, fewer than the threshold
  kProvenanceMismatch,  // SLSA builder, source or ref not as required
  kTooOld,              // older than the allowed age
  kAgeUnknown,          // no time to measure the age by
  kFutureDated,         // a time the evidence claims lies in the future (beyond kClaimedTimeSkew)
  kVulnerable,          // vulnerability findings above the allowed severity
  kVsaMismatch,         // the VSA's result, verifier, policy, level or resource differs
  kBaseImageNotAllowed,  // a base image outside the allow list, or without a digest
  kNoProvenance,         // base images need verified provenance and there is none
  // Could not check.
  kLookupFailed,      // a registry lookup failed
  kTrustUnavailable,  // an authority's trust material could not be used
};

// ReasonName returns the stable JSON spelling ("threshold-not-met", "lookup-failed"...).
std::string_view ReasonName(Reason r);

// IsCouldNotCheck reports whether |r| means "could not check" (kLookupFailed,
// kTrustUnavailable): such a result is an error, never a rejection.
bool IsCouldNotCheck(Reason r);

// Signer says who made a signature that verified: the authority that trusts it and, within it,
// the key (its key id) or the certificate identity.
struct Signer {
  std::string authority;  // the authority's name in the policy ("" when none verified)
  // key_id is keys::Verifier::KeyId() of the key that verified: a key authority's key, or an
  // x509 certificate's (keyless certificates hold one-use keys and leave it empty).
  std::string key_id;
  std::string identity;   // certificate authorities: "<SAN> (<issuer>)"
  // Describe renders "release (key 0123456789abcdef…)" or "release (<identity>)".
  std::string Describe() const;
  // Who returns the key id or the identity: the signer independent of the authority.
  const std::string& Who() const { return identity.empty() ? key_id : identity; }
};

// EvidenceFinding is what became of one signature or attestation object, for one requirement
// (or, in ImageDecision::inventory, for the trust policy's authorities as a whole).
struct EvidenceFinding {
  size_t subject = 0;    // the manifest it is attached to: index into ImageDecision::subjects
  std::string format;    // "bundle", "legacy" or "buildkit" (inventory only)
  std::string location;  // "referrer sha256:…", "sha256-<hex>.sig layer N", "….att layer N"
  Digest digest = Digest::Of({});  // the object's own digest (referrer manifest or layer)
  std::string kind;                // "signature", "attestation" or "unknown" (not readable)
  // predicate_type is the statement's type: verified when |valid|, otherwise as claimed.
  std::string predicate_type;
  bool valid = false;
  // signer is who verified it (valid); for an inventory without trusted signers, who the
  // evidence claims (|signer_verified| false: a key hint or an unverified certificate).
  Signer signer;
  bool signer_verified = false;
  // is_signed is false for an object that carries no signature (a BuildKit attestation stored
  // in the image index): its signer is "none (unsigned)" and it is never valid.
  bool is_signed = true;
  Reason reason = Reason::kNone;  // why it does not count (kNone when valid)
  std::string detail;             // the failed check, for people
  // statement_json is the verified payload of a valid attestation (exact bytes as signed); in the
  // inventory, also the unverified statement of an object that is not valid (shown, not trusted).
  std::string statement_json;
};

// RequirementResult is the verdict on one requirement for one manifest (or platform unit).
struct RequirementResult {
  // requirement names it: "signatures", "attestation slsaprovenance", "vulnerabilities",
  // "baseImages", "deny", "scope", "mode", "resolve", "platforms".
  std::string requirement;
  std::string platform;  // "os/arch[/variant]" of the manifest it applies to; "" = the image
  size_t subject = 0;    // the manifest it applies to (index into ImageDecision::subjects)
  Outcome outcome = Outcome::kPass;
  Reason code = Reason::kNone;
  // reason says why (failures) or what satisfied it (passes: "release (key sha256:…)").
  std::string reason;
  // signers and threshold: for signature requirements, the distinct authorities that signed, each
  // with a signer of its own (authorities sharing a key count once), and how many were required.
  size_t signers = 0;
  size_t threshold = 0;
  // findings are the evidence of the kind this requirement asks for, each with its fate.
  std::vector<EvidenceFinding> findings;
};

// VerifiedInput is an attestation or signature that counted toward acceptance: recorded in the
// VSA's inputAttestations.
struct VerifiedInput {
  std::string kind;            // "signature" or "attestation"
  std::string predicate_type;  // attestations only
  std::string authority;       // the authority name that verified it
  std::string location;        // "referrer sha256:…" or "sha256-<hex>.att layer N"
  Digest digest = Digest::Of({});  // digest of the object (referrer manifest or layer)
};

// SubjectReport is one manifest that was looked at: the resolved manifest (subjects[0]) and,
// for an index checked per platform, each platform manifest.
struct SubjectReport {
  Digest digest = Digest::Of({});
  std::string media_type;
  std::string platform;  // "os/arch[/variant]" of a platform manifest; "" for the root
  // referrers_scheme is "api" or "fallback-tag", "" when referrers were not listed or failed.
  std::string referrers_scheme;
  // lookup_errors are the operational failures met while collecting its evidence.
  std::vector<std::string> lookup_errors;
};

// ImageDecision is the decision for one image.
struct ImageDecision {
  std::string image;             // the reference as given
  std::optional<Digest> digest;  // what it resolved to (index digest for multi-platform images)
  std::string policy_name;       // the selected scope policy ("" when none matched)
  std::string scope;
  std::string mode;  // "enforce", "audit", "accept", "reject"
  Decision decision = Decision::kRejected;
  std::vector<RequirementResult> results;
  std::vector<VerifiedInput> inputs;
  // verified_levels are the SLSA levels established (e.g. "SLSA_BUILD_LEVEL_3" when a provenance
  // requirement with a builder passed), for the VSA.
  std::vector<std::string> verified_levels;
  // subjects are the manifests looked at; results and findings point into it.
  std::vector<SubjectReport> subjects;
  // inventory lists every attached object with its fate against all authorities, when
  // EvaluateOptions::inventory asked for it (`vouch inspect`).
  std::vector<EvidenceFinding> inventory;
  // status: OK when accepted; kVerificationFailed when rejected; an operational code when
  // kError. The message names the first failed requirement. ExitCodeFor maps it.
  Status status = OkStatus();
};

}  // namespace vouch::verify
