// `vouch promote SRC DST --policy FILE [--key KEY] [--verifier-id ID] [--policy-uri URI]
// [--output text|json]`: option parsing only; the work is promote::Promote (docs/promote.md).
#include <iostream>
#include <memory>
#include <string>

#include "command.h"
#include "commands.h"
#include "exit_code.h"
#include "key_flags.h"
#include "progress.h"
#include "registry_flags.h"
#include "vouch/promote/promote.h"
#include "vouch/verify/engine.h"

namespace vouch::cli {
namespace {

Status Promote(const Args& args) {
  VOUCH_ASSIGN_OR_RETURN(registry::Reference src, ParseImage(args.positional(0)));
  VOUCH_ASSIGN_OR_RETURN(registry::Reference dst, ParseImage(args.positional(1)));
  VOUCH_ASSIGN_OR_RETURN(std::shared_ptr<const verify::TrustPolicy> trust,
                         verify::TrustPolicy::Load(args.Get("policy")));
  // The signer (a key and its password, or keyless: the token and Fulcio certificate) is loaded
  // before anything is evaluated or written, so a wrong password fails fast with nothing
  // written.
  BundleSigning signing;
  if (args.Has("key") || UsesSigstoreSigningFlags(args.parsed())) {
    VOUCH_ASSIGN_OR_RETURN(signing, LoadBundleSigning(args.parsed()));
  }
  promote::PromoteRequest request;
  request.trust = trust.get();
  request.bundle_signer = signing.signer.get();
  request.verifier_id = args.Get("verifier-id");
  request.policy_uri = args.Get("policy-uri");
  VOUCH_ASSIGN_OR_RETURN(std::unique_ptr<registry::Client> client, NewClient(args.parsed()));
  std::unique_ptr<ProgressLine> bar = NewProgress("promote", ProgressUnit::kBytes);
  request.copy_progress = CopyProgressOn(bar.get());
  promote::PromoteResult result = promote::Promote(*client, src, dst, request);
  bar.reset();  // ends the line before the report
  std::cout << (args.json() ? promote::PromoteResultToJson(result, *trust)
                            : promote::PromoteResultToText(result, *trust));
  return result.status;
}

}  // namespace

int RunPromote(int argc, char** argv) {
  return Command("promote",
                 "evaluate SRC against the trust policy's scope for DST; only when it is accepted, "
                 "copy it (every platform, signatures and attestations) to DST, sign a SLSA "
                 "verification summary (VSA) with --key or keyless, and move DST's tag last")
      .Usage(
          "SRC DST --policy FILE [--key KEY | --keyless [--identity-token T]] [--signing-config F "
          "| --fulcio-url U --rekor-url U --timestamp-server-url U] [--verifier-id ID] "
          "[--policy-uri URI] [--output json]")
      .Positional({"SRC", "DST"})
      .With({AddRegistryFlags, AddPasswordOptions, AddSigstoreSigningOptions})
      .Value("policy", "trust policy file (JSON or YAML)")
      .Require({"policy"})
      .Value("key",
             "private key that signs the VSA (file, or env://VAR); without it no VSA is written")
      .Value("verifier-id", "the VSA's verifier.id (a URI naming this gate)",
             std::string(attest::kDefaultVerifierId))
      .Value("policy-uri",
             "the VSA's policy.uri before '#<policy name>' (default: file:// and the policy's "
             "path)")
      .OutputFlag()
      .ExitCodes(
          "0 promoted, 1 rejected by the policy (nothing written to DST), 2 usage, policy or key "
          "error, 3 could not check or could not write (DST's tag not moved)")
      .Run(argc, argv, Promote);
}

}  // namespace vouch::cli
