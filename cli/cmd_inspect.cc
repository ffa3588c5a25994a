// `vouch inspect IMAGE [--key KEY]... [keyless flags] [--output text|json]`: every signature and
// attestation of an image and of its platform manifests, for an auditor. Flags in,
// verify::CompileInspection, verify::Evaluate with an inventory, one rendering.
#include <cxxopts.hpp>
#include <iostream>
#include <string>
#include <vector>

#include "commands.h"
#include "decisions.h"
#include "exit_code.h"
#include "identity_flags.h"
#include "key_flags.h"
#include "registry_flags.h"
#include "vouch/verify/engine.h"

namespace vouch::cli {

int RunInspect(int argc, char** argv) {
  cxxopts::Options options("vouch inspect",
                           "list every signature and attestation of a container image");
  options.custom_help(
      "IMAGE [--key KEY]... [--certificate-identity[-regexp] I --certificate-oidc-issuer[-regexp] "
      "U [--trusted-root T]] [--output text|json]");
  options.positional_help("");
  AddRegistryOptions(options);
  AddPasswordOptions(options);
  AddIdentityOptions(options);
  options.add_options()("key", "trusted public key to verify with (repeatable)",
                        cxxopts::value<std::vector<std::string>>())(
      "output", "text or json", cxxopts::value<std::string>()->default_value("text"))(
      "image", "image reference", cxxopts::value<std::vector<std::string>>());
  options.parse_positional({"image"});
  auto parsed = options.parse(argc, argv);
  if (parsed.count("help") > 0) {
    std::cout << options.help()
              << "\nexit codes: 0 listed, 2 usage or key error, 3 registry error\n";
    return kExitOk;
  }
  std::vector<std::string> images;
  if (parsed.count("image") > 0) {
    images = parsed["image"].as<std::vector<std::string>>();
  }
  if (images.size() != 1) {
    return UsageError("inspect needs exactly one IMAGE");
  }
  const std::string output = parsed["output"].as<std::string>();
  if (output != "text" && output != "json") {
    return UsageError("--output must be text or json");
  }
  auto flags = TrustFlagsFromFlags(parsed, "inspect", "", /*required=*/false);
  if (!flags.ok()) {
    return Fail(flags.status());
  }
  auto trust = verify::CompileInspection(*flags);
  if (!trust.ok()) {
    return Fail(trust.status());
  }
  auto repo = OpenImage(parsed, images[0]);
  if (!repo.ok()) {
    return Fail(repo.status());
  }
  verify::EvaluateOptions eval;
  eval.inventory = true;
  return ReportDecisions({verify::Evaluate(**repo, **trust, eval)}, images, **trust,
                         verify::Shape::kInventory, output);
}

}  // namespace vouch::cli
