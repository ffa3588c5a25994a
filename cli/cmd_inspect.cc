// `vouch inspect IMAGE [--key KEY]... [--output text|json]`: every signature and attestation of
// an image, for an auditor; the work is verify::InspectImage.
#include <cxxopts.hpp>

#include <iostream>
#include <string>
#include <vector>

#include "commands.h"
#include "exit_code.h"
#include "key_flags.h"
#include "registry_flags.h"
#include "vouch/verify/inspect.h"

namespace vouch::cli {

int RunInspect(int argc, char** argv) {
  cxxopts::Options options("vouch inspect",
                           "list every signature and attestation of a container image");
  options.custom_help("IMAGE [--key KEY]... [--output text|json]");
  options.positional_help("");
  AddRegistryOptions(options);
  AddPasswordOptions(options);
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
  verify::InspectRequest request;
  auto trusted = LoadVerifiers(parsed);
  if (!trusted.ok()) {
    return Fail(trusted.status());
  }
  request.keys = std::move(*trusted);
  auto repo = OpenImage(parsed, images[0]);
  if (!repo.ok()) {
    return Fail(repo.status());
  }
  verify::InspectReport report = verify::InspectImage(**repo, request);
  std::cout << (output == "json" ? verify::InspectReportToJson(report)
                                 : verify::InspectReportToText(report));
  if (!report.status.ok()) {
    return Fail(report.status.WithContext(images[0]));
  }
  return kExitOk;
}

}  // namespace vouch::cli
