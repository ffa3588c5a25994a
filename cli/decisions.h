// The output of every image-verifying command (verify, verify --policy, verify-attestation,
// inspect): one rendering to stdout, the problems to stderr, one exit code through ExitCodeFor.
#pragma once

#include <string>
#include <vector>

#include "vouch/verify/decision.h"
#include "vouch/verify/render.h"

namespace vouch::cli {

// ReportDecisions renders |decisions| in |shape| (JSON when |json|, else text), prints one
// "vouch: IMAGE: why" line per image that was not accepted, and returns
// ExitCodeFor(verify::OverallStatus(decisions)): 0 all accepted, 3 some could not be checked,
// else 1. |as_written| names the images as the user wrote them (same order).
int ReportDecisions(std::vector<verify::ImageDecision> decisions,
                    const std::vector<std::string>& as_written, const verify::TrustPolicy& trust,
                    verify::Shape shape, bool json);

}  // namespace vouch::cli
