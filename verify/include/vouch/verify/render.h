// Rendering decisions (vouch/verify/decision.h) for people and machines: one renderer, one shape
// per front end, each with a text form and the JSON documented for it.
//
//   kSignatures    `vouch verify --key|identity`   docs/image-signing.md ("Output")
//   kAttestations  `vouch verify-attestation`      docs/provenance.md ("Images")
//   kInventory     `vouch inspect`                 docs/provenance.md ("inspect")
//   kPolicy        `vouch verify --policy`         docs/policy.md ("Evaluation report")
#pragma once

#include <string>
#include <vector>

#include "vouch/verify/decision.h"
#include "vouch/verify/engine.h"

namespace vouch::verify {

enum class Shape { kSignatures, kAttestations, kInventory, kPolicy };
enum class Format { kText, kJson };

// Render renders |decisions| (made under |trust|) in |shape| and |format|; the result ends with a
// newline.
std::string Render(const std::vector<ImageDecision>& decisions, const TrustPolicy& trust,
                   Shape shape, Format format);

// Problems returns, for each image that is not accepted, one line saying why in |shape|'s words
// ("IMAGE: no signatures found for sha256:…"), for standard error.
std::vector<std::string> Problems(const std::vector<ImageDecision>& decisions,
                                  const TrustPolicy& trust, Shape shape);

}  // namespace vouch::verify
