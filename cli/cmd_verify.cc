// `vouch verify IMAGE... --key KEY [--key KEY2]... [--threshold N] [-a k=v]...
// [--platform P | --all-platforms] [--output text|json]`: option parsing only; the work is
// verify::VerifyImages (docs/image-signing.md). Keyless instead of --key:
// --certificate-identity[-regexp], --certificate-oidc-issuer[-regexp], the GitHub workflow
// claims and --trusted-root (or $VOUCH_TRUSTED_ROOT) (docs/sigstore.md).
// `vouch verify --policy FILE IMAGE... [--output text|json]`: the trust policy decides instead
// of the key flags; the work is verify::EvaluateImages (docs/policy.md).
#include <algorithm>
#include <cxxopts.hpp>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "commands.h"
#include "exit_code.h"
#include "identity_flags.h"
#include "key_flags.h"
#include "registry_flags.h"
#include "vouch/policy/policy.h"
#include "vouch/verify/image.h"
#include "vouch/verify/policy_eval.h"

namespace vouch::cli {

namespace {

// RunPolicy evaluates |images| against the policy file: exit 0 only when every image is
// accepted, 3 when some image could not be checked, else 1 when some image was rejected.
int RunPolicy(const cxxopts::ParseResult& parsed, const std::vector<std::string>& images,
              const std::string& output) {
  for (const char* flag :
       {"key", "threshold", "annotation", "platform", "all-platforms", "signature-format",
        "certificate-identity", "certificate-identity-regexp", "certificate-oidc-issuer",
        "certificate-oidc-issuer-regexp", "trusted-root"}) {
    if (parsed.count(flag) > 0) {
      return UsageError(std::string("--policy excludes --") + flag +
                        ": the policy names the trusted keys and what they must sign");
    }
  }
  const std::string path = parsed["policy"].as<std::string>();
  std::vector<policy::LintFinding> findings;
  auto pol = policy::LoadPolicy(path, &findings);
  if (!pol.ok()) {
    if (IsInvalidArgument(pol.status()) && !findings.empty()) {
      for (const policy::LintFinding& f : findings) {
        std::cerr << "vouch: " << path << ": " << policy::FormatFinding(f) << "\n";
      }
      std::cerr << "vouch: " << path << ": invalid policy (" << findings.size() << " problem"
                << (findings.size() == 1 ? "" : "s") << "); see vouch policy lint\n";
      return kExitUsage;
    }
    return Fail(pol.status());
  }
  std::vector<registry::Reference> refs;
  for (const std::string& image : images) {
    auto ref = ParseImage(image);
    if (!ref.ok()) {
      return Fail(ref.status());
    }
    refs.push_back(*ref);
  }
  verify::EvaluateOptions eval;
  eval.parallelism = std::max(1, parsed["jobs"].as<int>());
  auto client = NewClient(parsed);
  std::vector<verify::ImageDecision> decisions = verify::EvaluateImages(*client, refs, *pol, eval);
  for (size_t i = 0; i < decisions.size(); ++i) {
    decisions[i].image = images[i];  // as the user wrote it
  }
  if (output == "json") {
    std::cout << verify::DecisionsToJson(decisions, *pol);
  } else {
    std::cout << verify::DecisionsToText(decisions);
  }
  int rc = kExitOk;
  for (const verify::ImageDecision& d : decisions) {
    if (d.decision == verify::Decision::kError) {
      rc = kExitOperational;
    } else if (d.decision == verify::Decision::kRejected && rc == kExitOk) {
      rc = kExitRejected;
    }
    if (d.decision != verify::Decision::kAccepted) {
      std::cerr << "vouch: " << d.image << ": " << verify::DecisionName(d.decision) << ": "
                << d.status.message() << "\n";
    }
  }
  return rc;
}

}  // namespace

int RunVerify(int argc, char** argv) {
  cxxopts::Options options("vouch verify",
                           "verify the signatures of container images (Sigstore bundle "
                           "referrers and cosign .sig tags), by key or keyless");
  options.custom_help(
      "IMAGE... --key KEY [--key KEY2]... [--threshold N] [-a key=value]... "
      "[--platform P | --all-platforms] [--output text|json]\n"
      "  vouch verify IMAGE... --certificate-identity[-regexp] I "
      "--certificate-oidc-issuer[-regexp] U [--trusted-root T] [...]\n"
      "  vouch verify --policy FILE IMAGE... [--output text|json]");
  options.positional_help("");
  AddRegistryOptions(options);
  AddPlatformOption(options);
  AddPasswordOptions(options);
  AddIdentityOptions(options);
  options.add_options()(
      "policy", "trust policy file (JSON or YAML, docs/policy.md) instead of --key",
      cxxopts::value<std::string>())("key", "trusted public key file, or env://VAR (repeatable)",
                                     cxxopts::value<std::vector<std::string>>())(
      "threshold", "distinct trusted keys that must have signed",
      cxxopts::value<size_t>()->default_value("1"))(
      "a,annotation", "key=value every counted signature must carry (repeatable)",
      cxxopts::value<std::vector<std::string>>())(
      "all-platforms", "require signatures on the index and on every platform manifest")(
      "signature-format", "where to look: all, bundle or legacy",
      cxxopts::value<std::string>()->default_value("all"))(
      "output", "text or json", cxxopts::value<std::string>()->default_value("text"))(
      "jobs", "images verified in parallel", cxxopts::value<int>()->default_value("8"))(
      "image", "image references", cxxopts::value<std::vector<std::string>>());
  options.parse_positional({"image"});
  auto parsed = options.parse(argc, argv);
  if (parsed.count("help") > 0) {
    std::cout << options.help()
              << "\nexit codes: 0 every image verified, 1 some image has no valid signature, "
                 "2 usage or key error, 3 some image could not be checked (registry "
                 "unreachable, throttled, credentials refused)\n"
                 "with --policy: 0 every image accepted, 1 some image rejected, 2 invalid "
                 "policy, 3 some image could not be checked\n";
    return kExitOk;
  }
  std::vector<std::string> images;
  if (parsed.count("image") > 0) {
    images = parsed["image"].as<std::vector<std::string>>();
  }
  if (images.empty()) {
    return UsageError("verify needs at least one IMAGE");
  }
  const std::string output = parsed["output"].as<std::string>();
  if (output != "text" && output != "json") {
    return UsageError("--output must be text or json");
  }
  if (parsed.count("policy") > 0) {
    return RunPolicy(parsed, images, output);
  }
  auto keyless = ParseKeylessFlags(parsed, "verify", " (or --policy FILE)");
  if (!keyless.ok()) {
    return Fail(keyless.status());
  }
  verify::VerifyImageRequest request;
  if (*keyless) {
    request.trusted_root = (*keyless)->trusted_root;
    request.identities.push_back((*keyless)->identity);
  }
  auto forms = verify::ParseSignatureForms(parsed["signature-format"].as<std::string>());
  if (!forms.ok()) {
    return UsageError(forms.status().message());
  }
  request.forms = *forms;
  request.threshold = parsed["threshold"].as<size_t>();
  request.all_platforms = parsed.count("all-platforms") > 0;
  request.parallelism = std::max(1, parsed["jobs"].as<int>());
  auto platform = ParsedPlatform(parsed);
  if (!platform.ok()) {
    return Fail(platform.status());
  }
  request.platform = *platform;
  if (request.platform && request.all_platforms) {
    return UsageError("--platform and --all-platforms exclude each other");
  }
  auto annotations = ParseAnnotationFlags(parsed);
  if (!annotations.ok()) {
    return UsageError(annotations.status().message());
  }
  request.annotations = std::move(*annotations);
  if (!*keyless) {
    auto trusted = LoadVerifiers(parsed);
    if (!trusted.ok()) {
      return Fail(trusted.status());
    }
    request.keys = std::move(*trusted);
  }
  std::vector<registry::Reference> refs;
  for (const std::string& image : images) {
    auto ref = ParseImage(image);
    if (!ref.ok()) {
      return Fail(ref.status());
    }
    refs.push_back(*ref);
  }
  auto client = NewClient(parsed);
  std::vector<verify::ImageReport> reports = verify::VerifyImages(*client, refs, request);
  for (size_t i = 0; i < reports.size(); ++i) {
    reports[i].image = images[i];  // as the user wrote it
  }
  // Usage-level problems (threshold above the key count...) are the same for every image.
  if (!reports.empty() && IsInvalidArgument(reports[0].status)) {
    return Fail(reports[0].status);
  }
  if (output == "json") {
    std::cout << verify::ReportsToJson(reports, request.threshold);
  } else {
    std::cout << verify::ReportsToText(reports);
  }
  int rc = kExitOk;
  for (const verify::ImageReport& r : reports) {
    int code = ExitCodeFor(r.status);
    if (code == kExitUsage) {
      code = kExitOperational;
    }
    if (code == kExitOperational) {
      rc = kExitOperational;
    } else if (code == kExitRejected && rc == kExitOk) {
      rc = kExitRejected;
    }
    if (!r.status.ok()) {
      std::cerr << "vouch: " << r.image << ": " << r.status.message() << "\n";
    }
  }
  return rc;
}

}  // namespace vouch::cli
