// Fuzz target for vouch::policy::ParsePolicy (trust policy files, JSON or YAML through yaml-cpp).
// Keys are not loaded (load_keys = false), so the target exercises the readers and the validator.
// Invariants: a policy that parses has at least one scope policy, each with a name and a scope
// that CheckScopePattern accepts, and SelectPolicy returns one of them or none; a rejected
// policy always reports at least one error finding, and a valid one only warnings.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "vouch/policy/policy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  vouch::policy::ParseOptions options;
  options.load_keys = false;
  std::vector<vouch::policy::LintFinding> findings;
  vouch::Result<vouch::policy::Policy> p = vouch::policy::ParsePolicy(text, options, &findings);
  auto is_error = [](const vouch::policy::LintFinding& f) {
    return f.severity == vouch::policy::Severity::kError;
  };
  if (!p.ok()) {
    FUZZ_CHECK(std::any_of(findings.begin(), findings.end(), is_error));
    return 0;
  }
  FUZZ_CHECK(std::none_of(findings.begin(), findings.end(), is_error));
  FUZZ_CHECK(!p->policies.empty());
  for (const vouch::policy::ScopePolicy& sp : p->policies) {
    FUZZ_CHECK(!sp.name.empty());
    FUZZ_CHECK(vouch::policy::CheckScopePattern(sp.scope).ok());
  }
  // Selection never crashes, and what it returns is one of the file's policies.
  const vouch::policy::ScopePolicy* chosen =
      vouch::policy::SelectPolicy(*p, "registry.example.com/prod/app:1.0");
  if (chosen != nullptr) {
    FUZZ_CHECK(chosen >= p->policies.data() && chosen < p->policies.data() + p->policies.size());
  }
  return 0;
}
