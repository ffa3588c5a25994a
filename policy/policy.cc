// Placeholder: the policy parser, lint, scopes and explain land here.
#include "vouch/policy/policy.h"

namespace vouch::policy {

Result<Policy> ParsePolicy(std::string_view, const ParseOptions&, std::vector<LintFinding>*) {
  return Status(ErrorCode::kUnimplemented, "policy parsing is not implemented yet");
}
Result<Policy> LoadPolicy(const std::string&, std::vector<LintFinding>*) {
  return Status(ErrorCode::kUnimplemented, "policy parsing is not implemented yet");
}
bool ScopeMatches(std::string_view, std::string_view) { return false; }
size_t ScopeSpecificity(std::string_view) { return 0; }
const ScopePolicy* SelectPolicy(const Policy&, std::string_view) { return nullptr; }
std::string Explain(const Policy&, std::string_view) { return ""; }

}  // namespace vouch::policy
