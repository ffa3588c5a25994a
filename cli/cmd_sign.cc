// `vouch sign IMAGE --key KEY [-a k=v]... [--recursive] [--format bundle|legacy]`: option parsing
// only; the work is sign::SignImage (docs/image-signing.md).
#include <cxxopts.hpp>

#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "commands.h"
#include "exit_code.h"
#include "key_flags.h"
#include "registry_flags.h"
#include "vouch/sign/image.h"

namespace vouch::cli {

int RunSign(int argc, char** argv) {
  cxxopts::Options options("vouch sign",
                           "sign a container image with a key (Sigstore bundle referrer, or "
                           "cosign's legacy .sig tag)");
  options.custom_help("IMAGE --key KEY [-a key=value]... [--recursive] [--format bundle|legacy]");
  options.positional_help("");
  AddRegistryOptions(options);
  AddPasswordOptions(options);
  options.add_options()("key", "private key file, or env://VAR", cxxopts::value<std::string>())(
      "a,annotation", "key=value annotation to sign (repeatable)",
      cxxopts::value<std::vector<std::string>>())(
      "recursive", "also sign every platform manifest of an index")(
      "format", "bundle (Sigstore bundle referrer, cosign v3) or legacy (.sig tag, cosign v2)",
      cxxopts::value<std::string>()->default_value("bundle"))(
      "image", "image reference", cxxopts::value<std::vector<std::string>>());
  options.parse_positional({"image"});
  auto parsed = options.parse(argc, argv);
  if (parsed.count("help") > 0) {
    std::cout << options.help()
              << "\nexit codes: 0 signed, 2 usage or key error, 3 registry or I/O error\n";
    return kExitOk;
  }
  std::vector<std::string> images;
  if (parsed.count("image") > 0) {
    images = parsed["image"].as<std::vector<std::string>>();
  }
  if (images.size() != 1) {
    return UsageError("sign needs exactly one IMAGE");
  }
  if (parsed.count("key") == 0) {
    return UsageError("sign needs --key KEY");
  }
  sign::SignImageRequest request;
  auto format = sign::ParseImageSignatureFormat(parsed["format"].as<std::string>());
  if (!format.ok()) {
    return UsageError(format.status().message());
  }
  request.format = *format;
  request.recursive = parsed.count("recursive") > 0;
  auto annotations = ParseAnnotationFlags(parsed);
  if (!annotations.ok()) {
    return UsageError(annotations.status().message());
  }
  request.annotations = std::move(*annotations);
  auto ref = ParseImage(images[0]);
  if (!ref.ok()) {
    return Fail(ref.status());
  }
  auto signer = LoadSigner(parsed, parsed["key"].as<std::string>());
  if (!signer.ok()) {
    return Fail(signer.status());
  }
  request.signer = signer->get();
  auto client = NewClient(parsed);
  auto repo = client->Open(*ref, registry::Access::kPullPush);
  if (!repo.ok()) {
    return Fail(repo.status());
  }
  auto result = sign::SignImage(**repo, request);
  if (!result.ok()) {
    return Fail(result.status());
  }
  if (!ref->digest) {
    std::cerr << "vouch: warning: signing by tag is racy: " << images[0] << " resolved to "
              << result->manifests[0].digest.ToString() << " and that digest was signed; sign "
              << ref->RepositoryName() << "@" << result->manifests[0].digest.ToString()
              << " to be sure of what you sign\n";
  }
  for (const sign::SignedManifest& m : result->manifests) {
    std::cout << (m.already_signed ? "Already signed " : "Signed ") << ref->RepositoryName()
              << "@" << m.digest.ToString() << (m.platform.empty() ? "" : " (" + m.platform + ")")
              << " -> " << m.location << "\n";
  }
  return kExitOk;
}

}  // namespace vouch::cli
