// `vouch promote SRC DST --policy FILE [--key KEY] [--verifier-id ID] [--policy-uri URI]
// [--output text|json]`: option parsing only; the work is promote::Promote (docs/promote.md).
#include <cxxopts.hpp>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "exit_code.h"
#include "key_flags.h"
#include "registry_flags.h"
#include "vouch/promote/promote.h"

namespace vouch::cli {

int RunPromote(int argc, char** argv) {
  cxxopts::Options options(
      "vouch promote",
      "evaluate SRC against the trust policy's scope for DST; only when it is accepted, copy it "
      "(every platform, signatures and attestations) to DST, sign a SLSA verification summary "
      "(VSA) with --key, and move DST's tag last");
  options.custom_help(
      "SRC DST --policy FILE [--key KEY] [--verifier-id ID] [--policy-uri URI] [--output json]");
  options.positional_help("");
  AddRegistryOptions(options);
  AddPasswordOptions(options);
  options.add_options()("policy", "trust policy file (JSON or YAML)",
                        cxxopts::value<std::string>())(
      "key", "private key that signs the VSA (file, or env://VAR); without it no VSA is written",
      cxxopts::value<std::string>())(
      "verifier-id", "the VSA's verifier.id (a URI naming this gate)",
      cxxopts::value<std::string>()->default_value(std::string(attest::kDefaultVerifierId)))(
      "policy-uri",
      "the VSA's policy.uri before '#<policy name>' (default: file:// and the policy's path)",
      cxxopts::value<std::string>())("output", "text or json",
                                     cxxopts::value<std::string>()->default_value("text"))(
      "images", "SRC DST", cxxopts::value<std::vector<std::string>>());
  options.parse_positional({"images"});
  auto parsed = options.parse(argc, argv);
  if (parsed.count("help") > 0) {
    std::cout << options.help()
              << "\nexit codes: 0 promoted, 1 rejected by the policy (nothing written to DST), "
                 "2 usage, policy or key error, 3 could not check or could not write (DST's tag "
                 "not moved)\n";
    return kExitOk;
  }
  std::vector<std::string> images;
  if (parsed.count("images") > 0) {
    images = parsed["images"].as<std::vector<std::string>>();
  }
  if (images.size() != 2) {
    return UsageError("promote needs SRC and DST");
  }
  if (parsed.count("policy") == 0) {
    return UsageError("promote needs --policy FILE");
  }
  const std::string output = parsed["output"].as<std::string>();
  if (output != "text" && output != "json") {
    return UsageError("--output must be text or json");
  }
  auto src = ParseImage(images[0]);
  if (!src.ok()) {
    return Fail(src.status());
  }
  auto dst = ParseImage(images[1]);
  if (!dst.ok()) {
    return Fail(dst.status());
  }
  auto trust = verify::TrustPolicy::Load(parsed["policy"].as<std::string>());
  if (!trust.ok()) {
    return Fail(trust.status());
  }
  // The key (and its password) is loaded before anything is evaluated or written, so a wrong
  // password fails fast with nothing written.
  std::unique_ptr<keys::Signer> signer;
  if (parsed.count("key") > 0) {
    auto loaded = LoadSigner(parsed, parsed["key"].as<std::string>());
    if (!loaded.ok()) {
      return Fail(loaded.status());
    }
    signer = std::move(*loaded);
  }
  promote::PromoteRequest request;
  request.trust = trust->get();
  request.signer = signer.get();
  request.verifier_id = parsed["verifier-id"].as<std::string>();
  if (parsed.count("policy-uri") > 0) {
    request.policy_uri = parsed["policy-uri"].as<std::string>();
  }
  auto client = NewClient(parsed);
  promote::PromoteResult result = promote::Promote(*client, *src, *dst, request);
  if (output == "json") {
    std::cout << promote::PromoteResultToJson(result, **trust);
  } else {
    std::cout << promote::PromoteResultToText(result, **trust);
  }
  if (!result.status.ok()) {
    return Fail(result.status);
  }
  return kExitOk;
}

}  // namespace vouch::cli
