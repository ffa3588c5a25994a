// The shapes of render.h (private to verify): one file per front end's output.
#pragma once

#include <string>
#include <vector>

#include "core/internal/json.h"
#include "vouch/verify/decision.h"
#include "vouch/verify/engine.h"

namespace vouch::verify::internal {

// StatusWord is "verified", "rejected" or "error" for a decision.
std::string_view StatusWord(Decision d);

// FirstProblem returns the first result in error (could not check), else the first failure,
// else nullptr.
const RequirementResult* FirstProblem(const ImageDecision& d);

// Signer text: "key <16 hex>" or "signer <identity>".
std::string SignerText(const Signer& s);

std::string SignaturesText(const std::vector<ImageDecision>& decisions);
std::string SignaturesJson(const std::vector<ImageDecision>& decisions, const TrustPolicy& trust);
std::string SignaturesProblem(const ImageDecision& d);

std::string AttestationsText(const std::vector<ImageDecision>& decisions);
std::string AttestationsJson(const std::vector<ImageDecision>& decisions,
                             const TrustPolicy& trust);
std::string AttestationsProblem(const ImageDecision& d, const TrustPolicy& trust);

std::string InventoryText(const std::vector<ImageDecision>& decisions, const TrustPolicy& trust);
std::string InventoryJson(const std::vector<ImageDecision>& decisions, const TrustPolicy& trust);

// ResultsJson and InputsJson are the "results" and "inputs" arrays of the policy shape, shared
// with the batch lines (vouch/verify/batch.h) so both spell a requirement and an input alike.
OrderedJson ResultsJson(const std::vector<RequirementResult>& results);
OrderedJson InputsJson(const std::vector<VerifiedInput>& inputs);

std::string PolicyText(const std::vector<ImageDecision>& decisions);
std::string PolicyJson(const std::vector<ImageDecision>& decisions, const TrustPolicy& trust);

}  // namespace vouch::verify::internal
