// Render and Problems: the dispatch to the shapes, and what the shapes share.
#include "vouch/verify/render.h"

#include "render/shapes.h"

namespace vouch::verify {
namespace internal {

std::string_view StatusWord(Decision d) {
  constexpr std::string_view kWords[] = {"verified", "rejected", "error"};  // by Decision
  const auto i = static_cast<size_t>(d);
  return i < std::size(kWords) ? kWords[i] : "error";
}

const RequirementResult* FirstProblem(const ImageDecision& d) {
  const RequirementResult* fail = nullptr;
  for (const RequirementResult& r : d.results) {
    if (r.outcome == Outcome::kError) {
      return &r;
    }
    if (r.outcome == Outcome::kFail && fail == nullptr) {
      fail = &r;
    }
  }
  return fail;
}

std::string SignerText(const Signer& s) {
  if (!s.identity.empty()) {
    return "signer " + s.identity;
  }
  return s.key_id.empty() ? "signer unknown" : "key " + s.key_id.substr(0, 16);
}

}  // namespace internal

std::string Render(const std::vector<ImageDecision>& decisions, const TrustPolicy& trust,
                   Shape shape, Format format) {
  const bool json = format == Format::kJson;
  switch (shape) {
    case Shape::kSignatures:
      return json ? internal::SignaturesJson(decisions, trust) : internal::SignaturesText(decisions);
    case Shape::kAttestations:
      return json ? internal::AttestationsJson(decisions, trust) : internal::AttestationsText(decisions);
    case Shape::kInventory:
      return json ? internal::InventoryJson(decisions, trust)
                  : internal::InventoryText(decisions, trust);
    case Shape::kPolicy:
      return json ? internal::PolicyJson(decisions, trust) : internal::PolicyText(decisions);
  }
  return "";
}

std::vector<std::string> Problems(const std::vector<ImageDecision>& decisions,
                                  const TrustPolicy& trust, Shape shape) {
  std::vector<std::string> out;
  for (const ImageDecision& d : decisions) {
    if (d.decision == Decision::kAccepted) {
      continue;
    }
    std::string why;
    switch (shape) {
      case Shape::kSignatures:
        why = internal::SignaturesProblem(d);
        break;
      case Shape::kAttestations:
        why = internal::AttestationsProblem(d, trust);
        break;
      case Shape::kInventory: {
        const RequirementResult* r = internal::FirstProblem(d);
        why = r != nullptr ? r->reason : d.status.message();
        break;
      }
      case Shape::kPolicy:
        why = std::string(DecisionName(d.decision)) + ": " + d.status.message();
        break;
    }
    out.push_back(d.image + ": " + why);
  }
  return out;
}

}  // namespace vouch::verify
