// Placeholder: the policy evaluator lands here.
#include "vouch/verify/policy_eval.h"

namespace vouch::verify {

std::string_view OutcomeName(Outcome o) {
  switch (o) {
    case Outcome::kPass: return "pass";
    case Outcome::kFail: return "fail";
    case Outcome::kWarn: return "warn";
    case Outcome::kError: return "error";
  }
  return "error";
}
std::string_view DecisionName(Decision d) {
  switch (d) {
    case Decision::kAccepted: return "accepted";
    case Decision::kRejected: return "rejected";
    case Decision::kError: return "error";
  }
  return "error";
}
ImageDecision EvaluateImage(registry::Repository&, const policy::Policy&, const EvaluateOptions&) {
  ImageDecision d;
  d.decision = Decision::kError;
  d.status = Status(ErrorCode::kUnimplemented, "policy evaluation is not implemented yet");
  return d;
}
std::vector<ImageDecision> EvaluateImages(registry::Client&, const std::vector<registry::Reference>&,
                                          const policy::Policy&, const EvaluateOptions&) {
  return {};
}
std::string DecisionsToText(const std::vector<ImageDecision>&) { return ""; }
std::string DecisionsToJson(const std::vector<ImageDecision>&, const policy::Policy&) { return "[]"; }

}  // namespace vouch::verify
