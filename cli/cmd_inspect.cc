// `vouch inspect IMAGE [--key KEY]... [keyless flags] [--output text|json]`: every signature and
// attestation of an image and of its platform manifests, for an auditor. Flags in,
// verify::CompileInspection, verify::Evaluate with an inventory, one rendering.
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

int Inspect(const Args& args) {
  auto flags = TrustFlagsFromFlags(args.parsed(), "inspect", "", /*required=*/false);
  if (!flags.ok()) {
    return Fail(flags.status());
  }
  auto notation = NotationFromFlags(args.parsed());
  if (!notation.ok()) {
    return Fail(notation.status());
  }
  flags->notation = std::move(*notation);
  auto trust = verify::CompileInspection(*flags);
  if (!trust.ok()) {
    return Fail(trust.status());
  }
  auto repo = OpenImage(args.parsed(), args.positional(0));
  if (!repo.ok()) {
    return Fail(repo.status());
  }
  verify::EvaluateOptions eval;
  eval.inventory = true;
  return ReportDecisions({verify::Evaluate(**repo, **trust, eval)}, args.positionals(), **trust,
                         verify::Shape::kInventory, args.json());
}

}  // namespace

int RunInspect(int argc, char** argv) {
  return Command("inspect", "list every signature and attestation of a container image")
      .Usage(
          "IMAGE [--key KEY]... [--certificate-identity[-regexp] I "
          "--certificate-oidc-issuer[-regexp] U [--trusted-root T]] [--output text|json]")
      .Positional({"IMAGE"})
      .With({AddRegistryFlags, AddAttachmentRepositoryFlag, AddPasswordOptions, AddIdentityOptions,
             AddNotationOptions})
      .Values("key", "trusted public key to verify with (repeatable)")
      .OutputFlag()
      .ExitCodes("0 listed, 2 usage or key error, 3 registry error")
      .Run(argc, argv, Inspect);
}

}  // namespace vouch::cli
