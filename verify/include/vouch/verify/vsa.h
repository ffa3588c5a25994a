// Checking SLSA Verification Summary Attestations (VSA v1, vouch/attest/vsa.h) that a promotion
// gate signed: what a deploy-time `type: vsa` policy requirement and
// `vouch verify-attestation --type vsa` accept instead of repeating every check.
//
// The signature, the subject digest and the predicate type are checked before this function runs
// (the engine's attestation requirement, vouch/verify/engine.h); CheckVsa checks what the VSA says
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
#include "vouch/policy/policy.h"
#include "vouch/verify/attestation.h"

namespace vouch::verify {

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
//     in any case, a timeVerified later than now + kClaimedTimeSkew "vsa is from the future ..."
//     (vouch/core/clock.h: the clocks of the promotion and deploy gates differ a little)
//  9. |resource_uri|, when non-empty, equals resourceUri exactly    "vsa resourceUri ..."
// OK means the VSA vouches for |subject| as asked.
Status CheckVsa(const VerifiedAttestation& verified, const Digest& subject,
                const policy::VsaRequirement& want, std::optional<std::chrono::seconds> max_age,
                TimePoint now, std::string_view resource_uri = {});

}  // namespace vouch::verify
