// `vouch verify IMAGE... --key KEY [--key KEY2]... [--threshold N] [-a k=v]...
// [--platform P | --all-platforms] [--output text|json]`, or keyless with
// --certificate-identity[-regexp], --certificate-oidc-issuer[-regexp], the GitHub workflow
// claims and --trusted-root (docs/image-signing.md, docs/sigstore.md); or
// `vouch verify --policy FILE IMAGE...` (docs/policy.md); or, for a list of images,
// `vouch verify --batch FILE|- [--shard i/n] [--resume FILE]` with either trust (docs/batch.md).
// Flags in, a TrustPolicy from verify::CompileSignatureCheck or the policy file,
// verify::EvaluateImages (or verify::RunBatch), one rendering.
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
#include "progress.h"
#include "registry_flags.h"
#include "vouch/core/file.h"
#include "vouch/core/log.h"
#include "vouch/verify/batch.h"
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
        "notation", "notation-dir",
        "certificate-identity", "certificate-identity-regexp", "certificate-oidc-issuer",
        "certificate-oidc-issuer-regexp", "trusted-root"}) {
    if (args.Has(flag)) {
      return InvalidArgumentError(std::string("--policy excludes --") + flag +
                                  ": the policy names the trusted keys and what they must sign");
    }
  }
  return LoadPolicyFile(args.Get("policy"));
}

// FlagTrust builds the trust of `verify --key|identity|notation` from the flags.
Result<std::shared_ptr<const verify::TrustPolicy>> FlagTrust(const Args& args) {
  verify::SignatureCheck check;
  VOUCH_ASSIGN_OR_RETURN(std::optional<policy::NotationAuthority> notation,
                         NotationFromFlags(args.parsed()));
  VOUCH_ASSIGN_OR_RETURN(check.trust, TrustFlagsFromFlags(args.parsed(), "verify",
                                                          " (or --policy FILE, or --notation)",
                                                          /*required=*/!notation));
  check.trust.notation = std::move(notation);
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

// kMaxBatchInput bounds the reference list and the resume file read into memory.
constexpr size_t kMaxBatchInput = size_t{256} << 20;

// VerifyBatch is `verify --batch`: one JSON line per entry to stdout, flushed as written (a
// killed run resumes from what reached the file), a summary and the first problem to stderr.
int VerifyBatch(const Args& args, std::shared_ptr<const verify::TrustPolicy> trust,
                const verify::EvaluateOptions& eval) {
  verify::BatchOptions options;
  options.jobs = eval.parallelism;
  std::unique_ptr<ProgressLine> bar = NewProgress("verify", ProgressUnit::kItems);
  if (bar) {
    options.progress = [&bar](size_t done, size_t total) { bar->Update(done, total); };
  }
  if (args.Has("shard")) {
    auto shard = verify::ParseBatchShard(args.Get("shard"));
    if (!shard.ok()) {
      return Fail(shard.status());
    }
    options.shard = *shard;
  }
  verify::BatchResume resume;
  if (args.Has("resume")) {
    // A resume file that does not exist yet is the first run of a loop that appends to it.
    auto previous = ReadFile(args.Get("resume"), kMaxBatchInput);
    if (!previous.ok() && !IsNotFound(previous.status())) {
      return Fail(previous.status().WithContext("--resume"));
    }
    if (previous.ok()) {
      resume = verify::ParseBatchResume(AsChars(*previous));
    }
    options.resume = &resume;
  }
  auto input = ReadFile(args.Get("batch"), kMaxBatchInput);
  if (!input.ok()) {
    // A list that is not there is a usage error (exit 2), as a missing key file is.
    Status s = input.status().WithContext("--batch");
    return Fail(IsNotFound(s) ? InvalidArgumentError(s.message()) : s);
  }
  auto client = NewClient(args.parsed());
  if (!client.ok()) {
    return Fail(client.status());
  }
  verify::EngineBatchVerifier verifier(**client, std::move(trust), eval,
                                       /*allow_platform=*/!args.Has("policy"));
  const verify::BatchSummary summary = verify::RunBatch(
      verify::ParseBatchInput(AsChars(*input)), options,
      [&](const verify::BatchEntry& e) { return verifier.Verify(e); },
      [](const std::string& line) { std::cout << line << '\n' << std::flush; });
  bar.reset();  // ends the line before the summary
  log::Info("vouch: batch: " + std::to_string(summary.entries) + " images in shard " +
            std::to_string(options.shard.index) + "/" + std::to_string(options.shard.count) + ": " +
            std::to_string(summary.accepted) + " accepted, " + std::to_string(summary.rejected) +
            " rejected, " + std::to_string(summary.errors) + " could not be checked (" +
            std::to_string(summary.resumed) + " resumed); " +
            std::to_string(verifier.evaluations()) + " verifications, " +
            std::to_string(verifier.cache_hits()) + " shared");
  return summary.overall.ok() ? kExitOk : Fail(summary.overall);
}

int Verify(const Args& args) {
  const bool batch = args.Has("batch");
  if (batch && args.Has("output") && args.output() != "jsonl") {
    return UsageError("--batch writes --output jsonl");
  }
  if (!batch && args.output() == "jsonl") {
    return UsageError("--output jsonl needs --batch");
  }
  if (batch == !args.positionals().empty()) {
    return UsageError(batch ? "--batch FILE excludes IMAGE arguments"
                            : "verify needs at least one IMAGE (or --batch FILE)");
  }
  if (!batch && (args.Has("shard") || args.Has("resume"))) {
    return UsageError(std::string("--") + (args.Has("shard") ? "shard" : "resume") +
                      " needs --batch");
  }
  const bool with_policy = args.Has("policy");
  auto trust = with_policy ? PolicyTrust(args) : FlagTrust(args);
  if (!trust.ok()) {
    return Fail(trust.status());
  }
  auto eval = EvaluateOptionsFromFlags(args);
  if (!eval.ok()) {
    return Fail(eval.status());
  }
  if (batch) {
    return VerifyBatch(args, *trust, *eval);
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
         "  vouch verify IMAGE... --notation [--notation-dir DIR] [--key KEY]... [...]\n"
         "  vouch verify IMAGE... --certificate-identity[-regexp] I "
         "--certificate-oidc-issuer[-regexp] U [--trusted-root T] [...]\n"
         "  vouch verify --policy FILE IMAGE... [--output text|json]\n"
         "  vouch verify (--policy FILE | --key KEY... | ...) --batch FILE|- [--output jsonl] "
         "[--shard i/n] [--resume FILE] [--jobs N]")
      .Positional({"IMAGE"}, 0, kUnbounded)
      .With({AddRegistryFlags, AddAttachmentRepositoryFlag, AddPlatformOption, AddPasswordOptions,
             AddIdentityOptions, AddNotationOptions})
      .Value("policy", "trust policy file (JSON or YAML, docs/policy.md) instead of --key")
      .Values("key", "trusted public key file, or env://VAR (repeatable)")
      .Values("a,annotation", "key=value every counted signature must carry (repeatable)")
      .Flag("all-platforms", "require signatures on the index and on every platform manifest")

      .Value("signature-format", "where to look: all, bundle or legacy", "all")
      .OutputFlag("text or json; jsonl with --batch (the default there)", {"jsonl"})
      .Int("jobs", "images verified in parallel", 8, 1, 256)
      .Value("batch",
             "verify the images listed in FILE (- for stdin), one reference or JSON object per "
             "line; one JSON decision per line out (docs/batch.md)")
      .Value("shard", "with --batch: only entries whose 0-based index modulo n is i (i/n)")
      .Value("resume",
             "with --batch: skip the lines a previous run's output FILE accepted or rejected")
      .ExitCodes(
          "0 every image verified, 1 some image has no valid signature, 2 usage or key error, "
          "3 some image could not be checked (registry unreachable, throttled, credentials "
          "refused)\nwith --policy: 0 every image accepted, 1 some image rejected, 2 invalid "
          "policy, 3 some image could not be checked\nwith --batch: as for several images (3 wins "
          "over "
          "1); a malformed line is an image that could not be checked");
  cmd.options().add_options()("threshold", "distinct trusted keys that must have signed",
                              cxxopts::value<size_t>()->default_value("1"));
  return cmd.Run(argc, argv, Verify);
}

}  // namespace vouch::cli
