// Evaluating a trust policy (vouch/policy/policy.h) against images in a registry: the engine
// behind `vouch verify --policy`, `vouch promote` and `vouch serve`.
//
// For one image, the evaluator resolves the reference once, collects everything attached to each
// manifest once (referrers, `.sig`, `.att`, in parallel), and checks every requirement of the
// selected scope policy against that one collection, so a policy run costs fewer registry
// requests than the separate `verify` and `verify-attestation` calls it replaces.
//
// Verdicts fail closed, and "rejected" is kept apart from "could not check": a requirement that
// could not be evaluated because a lookup failed makes the decision kError, never kRejected.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vouch/core/clock.h"
#include "vouch/core/digest.h"
#include "vouch/core/status.h"
#include "vouch/policy/policy.h"
#include "vouch/registry/client.h"

namespace vouch::verify {

enum class Outcome {
  kPass,     // requirement met
  kFail,     // requirement not met (rejects in enforce mode)
  kWarn,     // not met, reported only (audit mode)
  kError,    // could not be evaluated (lookup failed): the image is not accepted
};

std::string_view OutcomeName(Outcome o);  // "pass", "fail", "warn", "error"

// RequirementResult is the verdict on one requirement for one manifest.
struct RequirementResult {
  // requirement names it: "signatures", "attestation slsaprovenance", "baseImages",
  // "vulnerabilities", "deny", "scope", "platforms", "vsa" ...
  std::string requirement;
  std::string platform;  // "os/arch[/variant]" of the manifest it applies to; "" = the image
  Outcome outcome = Outcome::kPass;
  // reason says why (failures) or what satisfied it (passes: "release (key sha256:…)").
  std::string reason;
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

enum class Decision {
  kAccepted,  // every requirement passed (or audit mode / accept mode)
  kRejected,  // some requirement failed, or no scope matched, or mode reject
  kError,     // some requirement could not be checked (and none failed outright)
};

std::string_view DecisionName(Decision d);  // "accepted", "rejected", "error"

// ImageDecision is the decision for one image.
struct ImageDecision {
  std::string image;            // the reference as given
  std::optional<Digest> digest; // what it resolved to (index digest for multi-platform images)
  std::string policy_name;      // the selected scope policy ("" when none matched)
  std::string scope;
  std::string mode;             // "enforce", "audit", "accept", "reject"
  Decision decision = Decision::kRejected;
  std::vector<RequirementResult> results;
  std::vector<VerifiedInput> inputs;
  // verified_levels are the SLSA levels established (e.g. "SLSA_BUILD_LEVEL_3" when a provenance
  // requirement with a builder passed), for the VSA.
  std::vector<std::string> verified_levels;
  // status: OK when accepted; kVerificationFailed when rejected; the first operational error's
  // code when kError. The message summarizes.
  Status status = OkStatus();
};

struct EvaluateOptions {
  // scope_image, when set, selects the scope policy by this reference instead of the image's own
  // (promote evaluates SRC against the scope of DST).
  std::string scope_image;
  int parallelism = 8;
  // clock measures maxAge; nullptr = the system clock.
  const Clock* clock = nullptr;
};

// EvaluateImage evaluates |policy| for the image |repo|'s reference names: selects the scope
// policy (by options.scope_image when set, else by the reference), then, unless its mode is accept
// or reject (no registry request), resolves the reference once, collects what is attached to
// each manifest checked once, and checks every requirement (docs/policy.md, "Evaluation
// report", has the exact rules). With platforms "all" and an index, signatures are required on
// the index and on every platform manifest (unknown/unknown entries skipped), and each
// attestation requirement is evaluated per platform manifest, met by attestations attached to
// the index or to that manifest. Never throws; a failed lookup makes the decision kError with
// the lookup's operational code, never kRejected.
ImageDecision EvaluateImage(registry::Repository& repo, const policy::Policy& policy,
                            const EvaluateOptions& options);

// EvaluateImages evaluates each reference with one Client, options.parallelism at a time.
// Decisions are in the order of |images|; a reference that does not open gets kError.
std::vector<ImageDecision> EvaluateImages(registry::Client& client,
                                          const std::vector<registry::Reference>& images,
                                          const policy::Policy& policy,
                                          const EvaluateOptions& options);

// DecisionsToText renders for people (one line per requirement: pass / FAIL / warn / error);
// DecisionsToJson renders the stable report documented in docs/policy.md.
std::string DecisionsToText(const std::vector<ImageDecision>& decisions);
std::string DecisionsToJson(const std::vector<ImageDecision>& decisions,
                            const policy::Policy& policy);

}  // namespace vouch::verify
