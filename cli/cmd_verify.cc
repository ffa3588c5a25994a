// `vouch verify IMAGE... --key KEY [--key KEY2]... [--threshold N] [-a k=v]...
// [--platform P | --all-platforms] [--output text|json]`: option parsing only; the work is
// verify::VerifyImages (docs/image-signing.md).
#include <cxxopts.hpp>

#include <algorithm>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "commands.h"
#include "exit_code.h"
#include "key_flags.h"
#include "registry_flags.h"
#include "vouch/verify/image.h"

namespace vouch::cli {

int RunVerify(int argc, char** argv) {
  cxxopts::Options options("vouch verify",
                           "verify the key signatures of container images (Sigstore bundle "
                           "referrers and cosign .sig tags)");
  options.custom_help(
      "IMAGE... --key KEY [--key KEY2]... [--threshold N] [-a key=value]... "
      "[--platform P | --all-platforms] [--output text|json]");
  options.positional_help("");
  AddRegistryOptions(options);
  AddPlatformOption(options);
  AddPasswordOptions(options);
  options.add_options()("key", "trusted public key file, or env://VAR (repeatable)",
                        cxxopts::value<std::vector<std::string>>())(
      "threshold", "distinct trusted keys that must have signed",
      cxxopts::value<size_t>()->default_value("1"))(
      "a,annotation", "key=value every counted signature must carry (repeatable)",
      cxxopts::value<std::vector<std::string>>())(
      "all-platforms", "require signatures on the index and on every platform manifest")(
      "signature-format", "where to look: all, bundle or legacy",
      cxxopts::value<std::string>()->default_value("all"))(
      "output", "text or json", cxxopts::value<std::string>()->default_value("text"))(
      "jobs", "images verified in parallel", cxxopts::value<int>()->default_value("8"))(
      "image", "image references", cxxopts::value<std::vector<std::string>>());
  options.parse_positional({"image"});
  auto parsed = options.parse(argc, argv);
  if (parsed.count("help") > 0) {
    std::cout << options.help()
              << "\nexit codes: 0 every image verified, 1 some image has no valid signature, "
                 "2 usage or key error, 3 some image could not be checked (registry "
                 "unreachable, throttled, credentials refused)\n";
    return kExitOk;
  }
  std::vector<std::string> images;
  if (parsed.count("image") > 0) {
    images = parsed["image"].as<std::vector<std::string>>();
  }
  if (images.empty()) {
    return UsageError("verify needs at least one IMAGE");
  }
  if (parsed.count("key") == 0) {
    return UsageError("verify needs --key KEY");
  }
  const std::string output = parsed["output"].as<std::string>();
  if (output != "text" && output != "json") {
    return UsageError("--output must be text or json");
  }
  verify::VerifyImageRequest request;
  auto forms = verify::ParseSignatureForms(parsed["signature-format"].as<std::string>());
  if (!forms.ok()) {
    return UsageError(forms.status().message());
  }
  request.forms = *forms;
  request.threshold = parsed["threshold"].as<size_t>();
  request.all_platforms = parsed.count("all-platforms") > 0;
  request.parallelism = std::max(1, parsed["jobs"].as<int>());
  auto platform = ParsedPlatform(parsed);
  if (!platform.ok()) {
    return Fail(platform.status());
  }
  request.platform = *platform;
  if (request.platform && request.all_platforms) {
    return UsageError("--platform and --all-platforms exclude each other");
  }
  auto annotations = ParseAnnotationFlags(parsed);
  if (!annotations.ok()) {
    return UsageError(annotations.status().message());
  }
  request.annotations = std::move(*annotations);
  auto trusted = LoadVerifiers(parsed);
  if (!trusted.ok()) {
    return Fail(trusted.status());
  }
  request.keys = std::move(*trusted);
  std::vector<registry::Reference> refs;
  for (const std::string& image : images) {
    auto ref = ParseImage(image);
    if (!ref.ok()) {
      return Fail(ref.status());
    }
    refs.push_back(*ref);
  }
  auto client = NewClient(parsed);
  std::vector<verify::ImageReport> reports = verify::VerifyImages(*client, refs, request);
  for (size_t i = 0; i < reports.size(); ++i) {
    reports[i].image = images[i];  // as the user wrote it
  }
  // Usage-level problems (threshold above the key count...) are the same for every image.
  if (!reports.empty() && IsInvalidArgument(reports[0].status)) {
    return Fail(reports[0].status);
  }
  if (output == "json") {
    std::cout << verify::ReportsToJson(reports, request.threshold);
  } else {
    std::cout << verify::ReportsToText(reports);
  }
  int rc = kExitOk;
  for (const verify::ImageReport& r : reports) {
    int code = ExitCodeFor(r.status);
    if (code == kExitUsage) {
      code = kExitOperational;
    }
    if (code == kExitOperational) {
      rc = kExitOperational;
    } else if (code == kExitRejected && rc == kExitOk) {
      rc = kExitRejected;
    }
    if (!r.status.ok()) {
      std::cerr << "vouch: " << r.image << ": " << r.status.message() << "\n";
    }
  }
  return rc;
}

}  // namespace vouch::cli
