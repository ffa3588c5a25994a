// `vouch tree IMAGE [--output text|json]`: list what is attached to an image.
#include <cxxopts.hpp>

#include <iostream>

#include "commands.h"
#include "exit_code.h"
#include "registry_flags.h"
#include "vouch/registry/operations.h"

namespace vouch::cli {

int RunTree(int argc, char** argv) {
  cxxopts::Options options("vouch tree",
                           "list referrers (by artifact type), legacy cosign tags and platforms");
  options.positional_help("IMAGE");
  AddRegistryOptions(options);
  options.add_options()("o,output", "text or json",
                        cxxopts::value<std::string>()->default_value("text"))(
      "image", "image reference", cxxopts::value<std::string>());
  options.parse_positional({"image"});
  auto parsed = options.parse(argc, argv);
  if (parsed.count("help") > 0) {
    std::cout << options.help();
    return kExitOk;
  }
  if (parsed.count("image") == 0) {
    return UsageError("tree: IMAGE is required");
  }
  std::string output = parsed["output"].as<std::string>();
  if (output != "text" && output != "json") {
    return UsageError("tree: --output must be text or json");
  }
  auto repo = OpenImage(parsed, parsed["image"].as<std::string>());
  if (!repo.ok()) {
    return Fail(repo.status());
  }
  auto tree = registry::ListTree(**repo);
  if (!tree.ok()) {
    return Fail(tree.status());
  }
  std::cout << (output == "json" ? registry::TreeToJson(*tree) + "\n" : registry::TreeToText(*tree));
  return kExitOk;
}

}  // namespace vouch::cli
