// `vouch manifest IMAGE [--platform P]`: print the manifest bytes exactly as served (after the
// digest check), with no added newline.
#include <cxxopts.hpp>

#include <iostream>

#include "commands.h"
#include "exit_code.h"
#include "registry_flags.h"

namespace vouch::cli {

int RunManifest(int argc, char** argv) {
  cxxopts::Options options("vouch manifest", "print an image's manifest bytes exactly as served");
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
    return UsageError("manifest: IMAGE is required");
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
  auto m = (*repo)->FetchManifest(ref->Identifier());
  if (!m.ok()) {
    return Fail(m.status());
  }
  if (*platform && registry::IsIndexMediaType(m->media_type)) {
    auto child = registry::SelectPlatform(*m, **platform);
    if (!child.ok()) {
      return Fail(child.status());
    }
    m = (*repo)->FetchManifest(child->digest.ToString());
    if (!m.ok()) {
      return Fail(m.status());
    }
  }
  std::cout.write(reinterpret_cast<const char*>(m->bytes.data()),
                  static_cast<std::streamsize>(m->bytes.size()));
  std::cout.flush();
  return kExitOk;
}

}  // namespace vouch::cli
