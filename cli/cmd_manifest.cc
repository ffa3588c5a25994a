// `vouch manifest IMAGE [--platform P]`: print the manifest bytes exactly as served (after the
// digest check), with no added newline.
#include <iostream>
#include <memory>
#include <optional>

#include "command.h"
#include "commands.h"
#include "exit_code.h"
#include "registry_flags.h"

namespace vouch::cli {
namespace {

Status PrintManifest(const Args& args) {
  VOUCH_ASSIGN_OR_RETURN(std::optional<registry::Platform> platform, ParsedPlatform(args.parsed()));
  VOUCH_ASSIGN_OR_RETURN(std::unique_ptr<registry::Repository> repo,
                         OpenImage(args.parsed(), args.positional(0)));
  VOUCH_ASSIGN_OR_RETURN(registry::Manifest m, repo->FetchManifest(repo->reference().Identifier()));
  if (platform && registry::IsIndexMediaType(m.media_type)) {
    VOUCH_ASSIGN_OR_RETURN(registry::Descriptor child, registry::SelectPlatform(m, *platform));
    VOUCH_ASSIGN_OR_RETURN(m, repo->FetchManifest(child.digest.ToString()));
  }
  std::cout.write(reinterpret_cast<const char*>(m.bytes.data()),
                  static_cast<std::streamsize>(m.bytes.size()));
  std::cout.flush();
  return OkStatus();
}

}  // namespace

int RunManifest(int argc, char** argv) {
  return Command("manifest", "print an image's manifest bytes exactly as served")
      .Positional({"IMAGE"})
      .With({AddRegistryFlags, AddPlatformOption})
      .Run(argc, argv, PrintManifest);
}

}  // namespace vouch::cli
