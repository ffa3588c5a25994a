// `vouch resolve IMAGE [--platform P]`: print the digest IMAGE names (one HEAD request once
// authenticated; with --platform and an index, one GET of the index).
#include <iostream>
#include <memory>
#include <optional>

#include "command.h"
#include "commands.h"
#include "exit_code.h"
#include "output.h"
#include "registry_flags.h"

namespace vouch::cli {
namespace {

Status Resolve(const Args& args) {
  VOUCH_ASSIGN_OR_RETURN(std::optional<registry::Platform> platform, ParsedPlatform(args.parsed()));
  VOUCH_ASSIGN_OR_RETURN(std::unique_ptr<registry::Repository> repo,
                         OpenImage(args.parsed(), args.positional(0)));
  VOUCH_ASSIGN_OR_RETURN(registry::Descriptor desc, repo->Resolve(repo->reference().Identifier()));
  if (platform && registry::IsIndexMediaType(desc.media_type)) {
    VOUCH_ASSIGN_OR_RETURN(registry::Manifest index, repo->FetchManifest(desc.digest.ToString()));
    VOUCH_ASSIGN_OR_RETURN(desc, registry::SelectPlatform(index, *platform));
  }
  if (!args.json()) {
    std::cout << desc.digest.ToString() << "\n";
    return OkStatus();
  }
  OutputJson doc = NewDocument();
  doc["image"] = args.positional(0);
  doc["digest"] = desc.digest.ToString();
  doc["mediaType"] = desc.media_type;
  doc["size"] = desc.size;
  PrintDocument(doc);
  return OkStatus();
}

}  // namespace

int RunResolve(int argc, char** argv) {
  return Command("resolve", "print the digest an image reference names")
      .Positional({"IMAGE"})
      .With({AddRegistryFlags, AddPlatformOption})
      .OutputFlag("text (the digest) or json (digest, media type and size)")
      .Run(argc, argv, Resolve);
}

}  // namespace vouch::cli
