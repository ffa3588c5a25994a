// `vouch verify IMAGE... --key KEY [--key KEY2]... [--threshold N] [-a k=v]...
// [--platform P | --all-platforms] [--output text|json]`, or keyless with
// --certificate-identity[-regexp], --certificate-oidc-issuer[-regexp], the GitHub workflow
// claims and --trusted-root (docs/image-signing.md, docs/sigstore.md); or
// `vouch verify --policy FILE IMAGE...` (docs/policy.md). Flags in, a TrustPolicy from
// verify::CompileSignatureCheck or the policy file, verify::EvaluateImages, one rendering.
#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include "command.h"
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
Result<std::shared_ptr<const verify::TrustPolicy>> PolicyTrust(const Args& args) {
  for (const char* flag :
       {"key", "threshold", "annotation", "platform", "all-platforms", "signature-format",
        "certificate-identity", "certificate-identity-regexp", "certificate-oidc-issuer",
        "certificate-oidc-issuer-regexp", "trusted-root"}) {
    if (args.Has(flag)) {
      return InvalidArgumentError(std::string("--policy excludes --") + flag +
                                  ": the policy names the trusted keys and what they must sign");
    }
  }
  return LoadPolicyFile(args.Get("policy"));
}

// FlagTrust builds the trust of `verify --key|identity` from the flags.
Result<std::shared_ptr<const verify::TrustPolicy>> FlagTrust(const Args& args) {
  verify::SignatureCheck check;
  VOUCH_ASSIGN_OR_RETURN(check.trust,
                         TrustFlagsFromFlags(args.parsed(), "verify", " (or --policy FILE)"));
  check.threshold = args.As<size_t>("threshold");
  check.all_platforms = args.Has("all-platforms");
  VOUCH_ASSIGN_OR_RETURN(check.annotations, ParseAnnotationFlags(args.parsed()));
  return verify::CompileSignatureCheck(check);
}

Result<verify::EvaluateOptions> EvaluateOptionsFromFlags(const Args& args) {
  verify::EvaluateOptions eval;
  eval.parallelism = args.As<int>("jobs");
  if (args.Has("policy")) {
    return eval;
  }
  VOUCH_ASSIGN_OR_RETURN(eval.forms, verify::ParseSignatureForms(args.Get("signature-format")));
  VOUCH_ASSIGN_OR_RETURN(eval.platform, ParsedPlatform(args.parsed()));
  if (eval.platform && args.Has("all-platforms")) {
    return InvalidArgumentError("--platform and --all-platforms exclude each other");
  }
  return eval;
}

int Verify(const Args& args) {
  const bool with_policy = args.Has("policy");
  auto trust = with_policy ? PolicyTrust(args) : FlagTrust(args);
  if (!trust.ok()) {
    return Fail(trust.status());
  }
  auto eval = EvaluateOptionsFromFlags(args);
  if (!eval.ok()) {
    return Fail(eval.status());
  }
  auto refs = ParseImages(args.positionals());
  if (!refs.ok()) {
    return Fail(refs.status());
  }
  auto client = NewClient(args.parsed());
  if (!client.ok()) {
    return Fail(client.status());
  }
  return ReportDecisions(verify::EvaluateImages(**client, *refs, **trust, *eval),
                         args.positionals(), **trust,
                         with_policy ? verify::Shape::kPolicy : verify::Shape::kSignatures,
                         args.json());
}

}  // namespace

int RunVerify(int argc, char** argv) {
  Command cmd("verify",
              "verify the signatures of container images (Sigstore bundle referrers and cosign "
              ".sig tags), by key or keyless");
  cmd.Usage(
         "IMAGE... --key KEY [--key KEY2]... [--threshold N] [-a key=value]... "
         "[--platform P | --all-platforms] [--output text|json]\n"
         "  vouch verify IMAGE... --certificate-identity[-regexp] I "
         "--certificate-oidc-issuer[-regexp] U [--trusted-root T] [...]\n"
         "  vouch verify --policy FILE IMAGE... [--output text|json]")
      .Positional({"IMAGE"}, 1, kUnbounded)
      .With({AddRegistryFlags, AddPlatformOption, AddPasswordOptions, AddIdentityOptions})
      .Value("policy", "trust policy file (JSON or YAML, docs/policy.md) instead of --key")
      .Values("key", "trusted public key file, or env://VAR (repeatable)")
      .Values("a,annotation", "key=value every counted signature must carry (repeatable)")
      .Flag("all-platforms", "require signatures on the index and on every platform manifest")
      .Value("signature-format", "where to look: all, bundle or legacy", "all")
      .OutputFlag()
      .Int("jobs", "images verified in parallel", 8, 1, 256)
      .ExitCodes(
          "0 every image verified, 1 some image has no valid signature, 2 usage or key error, "
          "3 some image could not be checked (registry unreachable, throttled, credentials "
          "refused)\nwith --policy: 0 every image accepted, 1 some image rejected, 2 invalid "
          "policy, 3 some image could not be checked");
  cmd.options().add_options()("threshold", "distinct trusted keys that must have signed",
                              cxxopts::value<size_t>()->default_value("1"));
  return cmd.Run(argc, argv, Verify);
}

}  // namespace vouch::cli
