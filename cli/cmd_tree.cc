// `vouch tree IMAGE [--output text|json]`: list what is attached to an image.
#include <iostream>
#include <memory>

#include "command.h"
#include "commands.h"
#include "exit_code.h"
#include "registry_flags.h"
#include "vouch/registry/operations.h"

namespace vouch::cli {
namespace {

Status Tree(const Args& args) {
  VOUCH_ASSIGN_OR_RETURN(std::unique_ptr<registry::Repository> repo,
                         OpenImage(args.parsed(), args.positional(0)));
  VOUCH_ASSIGN_OR_RETURN(registry::Tree tree, registry::ListTree(*repo));
  std::cout << (args.json() ? registry::TreeToJson(tree) + "\n" : registry::TreeToText(tree));
  return OkStatus();
}

}  // namespace

int RunTree(int argc, char** argv) {
  return Command("tree", "list referrers (by artifact type), legacy cosign tags and platforms")
      .Positional({"IMAGE"})
      .With({AddRegistryFlags})
      .OutputFlag()
      .Run(argc, argv, Tree);
}

}  // namespace vouch::cli
