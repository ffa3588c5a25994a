// `vouch attest IMAGE --key KEY (--predicate FILE --type TYPE | --statement FILE)
// [--format bundle|legacy]`: option parsing only; the work is sign::AttestImage.
#include <cxxopts.hpp>

#include <iostream>
#include <string>
#include <vector>

#include "commands.h"
#include "exit_code.h"
#include "key_flags.h"
#include "registry_flags.h"
#include "vouch/attest/statement.h"
#include "vouch/sign/attest.h"

namespace vouch::cli {

int RunAttest(int argc, char** argv) {
  cxxopts::Options options("vouch attest",
                           "sign an in-toto attestation about a container image (Sigstore bundle "
                           "referrer, or cosign's legacy .att tag)");
  options.custom_help(
      "IMAGE --key KEY (--predicate FILE --type TYPE | --statement FILE) [--format bundle|legacy]");
  options.positional_help("");
  AddRegistryOptions(options);
  AddPasswordOptions(options);
  options.add_options()("key", "private key file, or env://VAR", cxxopts::value<std::string>())(
      "predicate", "predicate file (a JSON object)", cxxopts::value<std::string>())(
      "type", "predicate type: a URI or a short name (slsaprovenance = SLSA v1)",
      cxxopts::value<std::string>())("statement", "a complete in-toto statement to sign as is",
                                     cxxopts::value<std::string>())(
      "format", "bundle (Sigstore bundle referrer) or legacy (.att tag)",
      cxxopts::value<std::string>()->default_value("bundle"))(
      "image", "image reference", cxxopts::value<std::vector<std::string>>());
  options.parse_positional({"image"});
  auto parsed = options.parse(argc, argv);
  if (parsed.count("help") > 0) {
    std::cout << options.help()
              << "\nexit codes: 0 attested, 2 usage or key error, 3 registry or I/O error\n";
    return kExitOk;
  }
  std::vector<std::string> images;
  if (parsed.count("image") > 0) {
    images = parsed["image"].as<std::vector<std::string>>();
  }
  if (images.size() != 1) {
    return UsageError("attest needs exactly one IMAGE");
  }
  if (parsed.count("key") == 0) {
    return UsageError("attest needs --key KEY");
  }
  sign::AttestImageRequest request;
  auto format = sign::ParseImageSignatureFormat(parsed["format"].as<std::string>());
  if (!format.ok()) {
    return UsageError(format.status().message());
  }
  request.format = *format;
  if (parsed.count("statement") > 0) {
    if (parsed.count("predicate") > 0 || parsed.count("type") > 0) {
      return UsageError("attest takes --statement or --predicate with --type, not both");
    }
    request.statement_path = parsed["statement"].as<std::string>();
  } else {
    if (parsed.count("predicate") == 0 || parsed.count("type") == 0) {
      return UsageError("attest needs --predicate FILE and --type TYPE (or --statement FILE)");
    }
    request.predicate_path = parsed["predicate"].as<std::string>();
    auto type = attest::PredicateTypeFromName(parsed["type"].as<std::string>());
    if (!type.ok()) {
      return Fail(type.status().WithContext("--type"));
    }
    request.predicate_type = *type;
  }
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
  auto result = sign::AttestImage(**repo, request);
  if (!result.ok()) {
    return Fail(result.status());
  }
  std::cout << "Attested " << ref->RepositoryName() << "@" << result->digest.ToString() << " -> "
            << result->location << "\n";
  return kExitOk;
}

}  // namespace vouch::cli
