// `vouch policy lint FILE [--output text|json]` and `vouch policy explain FILE IMAGE`: option
// parsing only; the parser, lint, scopes and explanation are vouch/policy/policy.h.
#include <algorithm>
#include <cxxopts.hpp>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

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

int RunLint(int argc, char** argv) {
  cxxopts::Options options("vouch policy lint", "check a trust policy file");
  options.positional_help("FILE");
  options.add_options()("o,output", "text or json",
                        cxxopts::value<std::string>()->default_value("text"))(
      "h,help", "show this help")("file", "policy file", cxxopts::value<std::string>());
  options.parse_positional({"file"});
  auto parsed = options.parse(argc, argv);
  if (parsed.count("help") > 0) {
    std::cout << options.help();
    return kExitOk;
  }
  if (parsed.count("file") == 0) {
    return UsageError("policy lint: FILE is required");
  }
  if (!parsed.unmatched().empty()) {
    return UsageError("policy lint: unexpected argument \"" + parsed.unmatched()[0] + "\"");
  }
  const std::string output = parsed["output"].as<std::string>();
  if (output != "text" && output != "json") {
    return UsageError("--output must be text or json");
  }
  const std::string file = parsed["file"].as<std::string>();
  std::vector<policy::LintFinding> findings;
  Result<policy::Policy> pol = LoadForCommand(file, findings);
  if (!pol.ok() && (!IsInvalidArgument(pol.status()) || findings.empty())) {
    // Could not read it (exit 3), or it is not a file (a directory: exit 2): nothing was checked.
    return Fail(pol.status());
  }
  if (output == "json") {
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

int RunExplain(int argc, char** argv) {
  cxxopts::Options options("vouch policy explain",
                           "show which policy applies to an image and what it requires");
  options.positional_help("FILE IMAGE");
  options.add_options()("h,help", "show this help")(
      "file", "policy file", cxxopts::value<std::string>())("image", "image reference",
                                                            cxxopts::value<std::string>());
  options.parse_positional({"file", "image"});
  auto parsed = options.parse(argc, argv);
  if (parsed.count("help") > 0) {
    std::cout << options.help();
    return kExitOk;
  }
  if (parsed.count("file") == 0 || parsed.count("image") == 0) {
    return UsageError("policy explain: FILE and IMAGE are required");
  }
  if (!parsed.unmatched().empty()) {
    return UsageError("policy explain: unexpected argument \"" + parsed.unmatched()[0] + "\"");
  }
  Result<registry::Reference> ref = ParseImage(parsed["image"].as<std::string>());
  if (!ref.ok()) {
    return Fail(ref.status());
  }
  std::vector<policy::LintFinding> findings;
  Result<policy::Policy> pol = LoadForCommand(parsed["file"].as<std::string>(), findings);
  if (!pol.ok()) {
    return Fail(pol.status());
  }
  std::cout << policy::Explain(*pol, ref->ToString());
  return kExitOk;
}

}  // namespace

int RunPolicy(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << kPolicyUsage;
    return kExitUsage;
  }
  std::string_view sub = argv[1];
  if (sub == "--help" || sub == "-h" || sub == "help") {
    std::cout << kPolicyUsage;
    return kExitOk;
  }
  // Shift so that cxxopts sees "lint [options]" as a normal command line.
  if (sub == "lint") {
    return RunLint(argc - 1, argv + 1);
  }
  if (sub == "explain") {
    return RunExplain(argc - 1, argv + 1);
  }
  std::cerr << "vouch: unknown policy command \"" << sub << "\"\n" << kPolicyUsage;
  return kExitUsage;
}

}  // namespace vouch::cli
