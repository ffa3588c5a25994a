// `vouch resolve IMAGE [--platform P]`: print the digest IMAGE names (one HEAD request once
// authenticated; with --platform and an index, one GET of the index).
#include <cxxopts.hpp>

#include <iostream>

#include "commands.h"
#include "exit_code.h"
#include "registry_flags.h"

namespace vouch::cli {

int RunResolve(int argc, char** argv) {
  cxxopts::Options options("vouch resolve", "print the digest an image reference names");
  options.positional_help("IMAGE");
  AddRegistryOptions(options);
  AddPlatformOption(options);
  options.add_options()("image", "image reference", cxxopts::value<std::string>());
  options.parse_positional({"image"});
  auto parsed = options.parse(argc, argv);
  if (parsed.count("help") > 0) {
    std::cout << options.help();
    return kExitOk;
  }
  if (parsed.count("image") == 0) {
    return UsageError("resolve: IMAGE is required");
  }
  auto ref = ParseImage(parsed["image"].as<std::string>());
  if (!ref.ok()) {
    return Fail(ref.status());
  }
  auto platform = ParsedPlatform(parsed);
  if (!platform.ok()) {
    return Fail(platform.status());
  }
  auto client = NewClient(parsed);
  auto repo = client->Open(*ref);
  if (!repo.ok()) {
    return Fail(repo.status());
  }
  auto desc = (*repo)->Resolve(ref->Identifier());
  if (!desc.ok()) {
    return Fail(desc.status());
  }
  Digest digest = desc->digest;
  if (*platform && registry::IsIndexMediaType(desc->media_type)) {
    auto index = (*repo)->FetchManifest(digest.ToString());
    if (!index.ok()) {
      return Fail(index.status());
    }
    auto child = registry::SelectPlatform(*index, **platform);
    if (!child.ok()) {
      return Fail(child.status());
    }
    digest = child->digest;
  }
  std::cout << digest.ToString() << "\n";
  return kExitOk;
}

}  // namespace vouch::cli
