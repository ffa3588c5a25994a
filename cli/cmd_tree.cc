// `vouch tree IMAGE [--output text|json]`: list what is attached to an image and to each of its
// platform images, every form, and which the verification engine reads.
#include <iostream>
#include <memory>

#include "command.h"
#include "commands.h"
#include "exit_code.h"
#include "registry_flags.h"
#include "vouch/registry/operations.h"
#include "vouch/verify/tree.h"

namespace vouch::cli {
namespace {

Status Tree(const Args& args) {
  VOUCH_ASSIGN_OR_RETURN(std::unique_ptr<registry::Repository> repo,
                         OpenImage(args.parsed(), args.positional(0)));
  VOUCH_ASSIGN_OR_RETURN(registry::Tree tree, registry::ListTree(*repo));
  std::cout << (args.json() ? verify::TreeToJson(tree) + "\n" : verify::TreeToText(tree));
  return OkStatus();
}

}  // namespace

int RunTree(int argc, char** argv) {
  return Command("tree",
                 "list the platforms, and per manifest every signature and attestation form "
                 "(referrers, cosign tags, BuildKit) with whether verification reads it")
      .Positional({"IMAGE"})
      .With({AddRegistryFlags, AddAttachmentRepositoryFlag})
      .OutputFlag()
      .Run(argc, argv, Tree);
}

}  // namespace vouch::cli
