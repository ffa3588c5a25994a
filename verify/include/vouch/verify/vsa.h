// Checking SLSA Verification Summary Attestations (VSA v1, vouch/attest/vsa.h) that a promotion
// gate signed: what a deploy-time `type: vsa` policy requirement and
// `vouch verify-attestation --type vsa` accept instead of repeating every check.
//
// The signature, the subject digest and the predicate type are checked before these functions
// run (VerifyAttestationEnvelope / VerifyImageAttestations); CheckVsa checks what the VSA says
// (formats.md 6.5, "Consumers check"). Every function fails closed.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vouch/core/clock.h"
#include "vouch/core/digest.h"
#include "vouch/core/status.h"
#include "vouch/keys/keys.h"
#include "vouch/policy/policy.h"
#include "vouch/registry/client.h"
#include "vouch/verify/attestation.h"
#include "vouch/verify/image_attestation.h"

namespace vouch::verify {

// kVsaClockSkew is how far in the future a VSA's timeVerified may lie (clocks of the promotion
// gate and of the deploy gate differ); later is a rejection.
inline constexpr std::chrono::seconds kVsaClockSkew{300};

// CheckVsa checks the verified attestation |verified| as a VSA about |subject| against |want|,
// in this order, stopping at the first failure (each kVerificationFailed, message prefix in
// quotes):
//  1. predicateType is https://slsa.dev/verification_summary/v1    "vsa predicate type ..."
//  2. some subject digest equals |subject|                          "vsa subject ..."
//  3. the predicate parses (attest::ParseVsaPredicate)              "vsa is malformed: ..."
//  4. verificationResult is PASSED                                  "vsa result is FAILED"
//  5. want.verifier_id, when set, equals verifier.id                "vsa verifier ..."
//  6. want.policy, when set, equals the name after '#' in policy.uri "vsa policy ..."
//  7. want.min_level, when set, is established by verifiedLevels
//     (attest::LevelSatisfies: a higher build level implies a lower) "vsa level ..."
//  8. |max_age|, when set: timeVerified is present and no older than
//     |max_age| at |now|                                            "vsa is stale ..." /
//                                                                   "vsa has no timeVerified"
//     in any case, a timeVerified later than now + kVsaClockSkew    "vsa is from the future ..."
//  9. |resource_uri|, when non-empty, equals resourceUri exactly    "vsa resourceUri ..."
// OK means the VSA vouches for |subject| as asked.
Status CheckVsa(const VerifiedAttestation& verified, const Digest& subject,
                const policy::VsaRequirement& want, std::optional<std::chrono::seconds> max_age,
                TimePoint now, std::string_view resource_uri = {});

// VerifyImageVsaRequest is one `vouch verify-attestation --type vsa`.
struct VerifyImageVsaRequest {
  // keys are the trusted public keys of the promotion gate; any one suffices. Required.
  std::vector<keys::Verifier> keys;
  // want holds the policy name, verifier id and minimum level (each optional).
  policy::VsaRequirement want;
  std::optional<std::chrono::seconds> max_age;
  // resource_uri, when non-empty, must equal the VSA's resourceUri.
  std::string resource_uri;
  // now is the time max_age is measured at.
  TimePoint now{};
  int parallelism = 8;
};

// VerifyImageVsa runs VerifyImageAttestations for the VSA predicate type, then CheckVsa on every
// attestation whose signature verified; one that fails CheckVsa is reported invalid with the
// check's message. status is OK when some VSA passed; kVerificationFailed (listing every
// candidate's reason) when the lookups worked and none did; the lookup's operational error when
// some lookup failed and none passed. An empty key list is kInvalidArgument.
ImageAttestationReport VerifyImageVsa(registry::Repository& repo,
                                      const VerifyImageVsaRequest& request);

}  // namespace vouch::verify
