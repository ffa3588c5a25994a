// `vouch policy lint FILE [--output text|json]` and `vouch policy explain FILE IMAGE`: option
// parsing only; the parser, lint, scopes and explanation are vouch/policy/policy.h.
#include <algorithm>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "command.h"
#include "commands.h"
#include "exit_code.h"
#include "registry_flags.h"
#include "vouch/policy/policy.h"

namespace vouch::cli {
namespace {

constexpr std::string_view kPolicyUsage =
    "usage: vouch policy lint FILE [--output text|json]\n"
    "       vouch policy explain FILE IMAGE\n"
    "\n"
    "  lint     check a trust policy (JSON or YAML) and report every error and warning with its\n"
    "           JSON path; exit 0 when valid (warnings only), 2 when invalid, 3 when the file\n"
    "           cannot be read\n"
    "  explain  show which policy's scope applies to IMAGE and what it requires\n"
    "\n"
    "The policy format is described in docs/policy.md.\n";

// LoadForCommand loads |file|; an unreadable file keeps its I/O code (exit 3), an invalid one is
// kInvalidArgument (exit 2) with the findings in |findings|.
Result<policy::Policy> LoadForCommand(const std::string& file,
                                      std::vector<policy::LintFinding>& findings) {
  return policy::LoadPolicy(file, &findings);
}

int Lint(const Args& args) {
  const std::string file = args.positional(0);
  std::vector<policy::LintFinding> findings;
  Result<policy::Policy> pol = LoadForCommand(file, findings);
  if (!pol.ok() && (!IsInvalidArgument(pol.status()) || findings.empty())) {
    // Could not read it (exit 3), or it is not a file (a directory: exit 2): nothing was checked.
    return Fail(pol.status());
  }
  if (args.json()) {
    std::cout << policy::LintReportJson(file, pol.ok() ? &*pol : nullptr, findings);
    return pol.ok() ? kExitOk : kExitUsage;
  }
  // Every finding, errors and warnings, as FILE:PATH: [warning: ]message; warnings alone leave
  // the policy valid (exit 0).
  for (const policy::LintFinding& f : findings) {
    std::cout << file << ":" << policy::FormatFinding(f) << "\n";
  }
  if (pol.ok()) {
    std::cout << file << ": ok (" << pol->digest.ToString() << ")\n"
              << policy::Summarize(*pol) << "\n";
    return kExitOk;
  }
  const auto errors = std::count_if(findings.begin(), findings.end(), [](const auto& f) {
    return f.severity == policy::Severity::kError;
  });
  std::cerr << "vouch: " << file << ": invalid policy (" << errors
            << (errors == 1 ? " error)" : " errors)") << "\n";
  return kExitUsage;
}

Status Explain(const Args& args) {
  VOUCH_ASSIGN_OR_RETURN(registry::Reference ref, ParseImage(args.positional(1)));
  std::vector<policy::LintFinding> findings;
  VOUCH_ASSIGN_OR_RETURN(policy::Policy pol, LoadForCommand(args.positional(0), findings));
  std::cout << policy::Explain(pol, ref.ToString());
  return OkStatus();
}

int RunLint(int argc, char** argv) {
  return Command("policy lint", "check a trust policy file")
      .Positional({"FILE"})
      .OutputFlag()
      .Run(argc, argv, Lint);
}

int RunExplain(int argc, char** argv) {
  return Command("policy explain", "show which policy applies to an image and what it requires")
      .Positional({"FILE", "IMAGE"})
      .Run(argc, argv, Explain);
}

constexpr Subcommand kPolicyCommands[] = {{"lint", RunLint}, {"explain", RunExplain}};

}  // namespace

int RunPolicy(int argc, char** argv) {
  return RunSubcommand("policy", kPolicyUsage, kPolicyCommands, argc, argv);
}

}  // namespace vouch::cli
