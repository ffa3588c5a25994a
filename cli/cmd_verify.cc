// `vouch verify IMAGE... --key KEY [--key KEY2]... [--threshold N] [-a k=v]...
// [--platform P | --all-platforms] [--output text|json]`, or keyless with
// --certificate-identity[-regexp], --certificate-oidc-issuer[-regexp], the GitHub workflow
// claims and --trusted-root (docs/image-signing.md, docs/sigstore.md); or
// `vouch verify --policy FILE IMAGE...` (docs/policy.md). Flags in, a TrustPolicy from
// verify::CompileSignatureCheck or the policy file, verify::EvaluateImages, one rendering.
#include <algorithm>
#include <cxxopts.hpp>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "commands.h"
#include "decisions.h"
#include "exit_code.h"
#include "identity_flags.h"
#include "key_flags.h"
#include "registry_flags.h"
#include "vouch/verify/engine.h"

namespace vouch::cli {

namespace {

Result<std::vector<registry::Reference>> ParseImages(const std::vector<std::string>& images) {
  std::vector<registry::Reference> refs;
  for (const std::string& image : images) {
    VOUCH_ASSIGN_OR_RETURN(registry::Reference ref, ParseImage(image));
    refs.push_back(std::move(ref));
  }
  return refs;
}

// LoadPolicyFile loads --policy; an invalid file prints every lint finding (exit 2).
Result<std::shared_ptr<const verify::TrustPolicy>> LoadPolicyFile(const std::string& path) {
  std::vector<policy::LintFinding> findings;
  auto trust = verify::TrustPolicy::Load(path, &findings);
  if (!trust.ok() && IsInvalidArgument(trust.status()) && !findings.empty()) {
    for (const policy::LintFinding& f : findings) {
      std::cerr << "vouch: " << path << ": " << policy::FormatFinding(f) << "\n";
    }
    const auto errors = std::count_if(findings.begin(), findings.end(), [](const auto& f) {
      return f.severity == policy::Severity::kError;
    });
    return InvalidArgumentError(path + ": invalid policy (" + std::to_string(errors) +
                                " problem" + (errors == 1 ? "" : "s") +
                                "); see vouch policy lint");
  }
  return trust;
}

// PolicyTrust builds the trust of `verify --policy`, which excludes the flags the policy
// replaces.
Result<std::shared_ptr<const verify::TrustPolicy>> PolicyTrust(const cxxopts::ParseResult& parsed) {
  for (const char* flag :
       {"key", "threshold", "annotation", "platform", "all-platforms", "signature-format",
        "certificate-identity", "certificate-identity-regexp", "certificate-oidc-issuer",
        "certificate-oidc-issuer-regexp", "trusted-root"}) {
    if (parsed.count(flag) > 0) {
      return InvalidArgumentError(std::string("--policy excludes --") + flag +
                                  ": the policy names the trusted keys and what they must sign");
    }
  }
  return LoadPolicyFile(parsed["policy"].as<std::string>());
}

// FlagTrust builds the trust of `verify --key|identity` from the flags.
Result<std::shared_ptr<const verify::TrustPolicy>> FlagTrust(const cxxopts::ParseResult& parsed) {
  verify::SignatureCheck check;
  VOUCH_ASSIGN_OR_RETURN(check.trust, TrustFlagsFromFlags(parsed, "verify", " (or --policy FILE)"));
  check.threshold = parsed["threshold"].as<size_t>();
  check.all_platforms = parsed.count("all-platforms") > 0;
  VOUCH_ASSIGN_OR_RETURN(check.annotations, ParseAnnotationFlags(parsed));
  return verify::CompileSignatureCheck(check);
}

Result<verify::EvaluateOptions> EvaluateOptionsFromFlags(const cxxopts::ParseResult& parsed) {
  verify::EvaluateOptions eval;
  eval.parallelism = std::max(1, parsed["jobs"].as<int>());
  if (parsed.count("policy") > 0) {
    return eval;
  }
  VOUCH_ASSIGN_OR_RETURN(eval.forms,
                         verify::ParseSignatureForms(parsed["signature-format"].as<std::string>()));
  VOUCH_ASSIGN_OR_RETURN(eval.platform, ParsedPlatform(parsed));
  if (eval.platform && parsed.count("all-platforms") > 0) {
    return InvalidArgumentError("--platform and --all-platforms exclude each other");
  }
  return eval;
}

void AddVerifyOptions(cxxopts::Options& options) {
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
}

constexpr const char* kExitCodes =
    "\nexit codes: 0 every image verified, 1 some image has no valid signature, "
    "2 usage or key error, 3 some image could not be checked (registry "
    "unreachable, throttled, credentials refused)\n"
    "with --policy: 0 every image accepted, 1 some image rejected, 2 invalid "
    "policy, 3 some image could not be checked\n";

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
  AddVerifyOptions(options);
  options.parse_positional({"image"});
  auto parsed = options.parse(argc, argv);
  if (parsed.count("help") > 0) {
    std::cout << options.help() << kExitCodes;
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
  const bool with_policy = parsed.count("policy") > 0;
  auto trust = with_policy ? PolicyTrust(parsed) : FlagTrust(parsed);
  if (!trust.ok()) {
    return Fail(trust.status());
  }
  auto eval = EvaluateOptionsFromFlags(parsed);
  if (!eval.ok()) {
    return Fail(eval.status());
  }
  auto refs = ParseImages(images);
  if (!refs.ok()) {
    return Fail(refs.status());
  }
  auto client = NewClient(parsed);
  return ReportDecisions(verify::EvaluateImages(*client, *refs, **trust, *eval), images, **trust,
                         with_policy ? verify::Shape::kPolicy : verify::Shape::kSignatures, output);
}

}  // namespace vouch::cli
