// `vouch verify-attestation IMAGE (--key KEY [--key KEY2]... | keyless flags) --type TYPE
// [--builder-id ID] [--source-uri URI] [--source-ref REF] [--max-age AGE] [-a k=v]...
// [--output text|json]`, and for `--type vsa` the VSA checks [--vsa-policy NAME]
// [--vsa-verifier-id ID] [--vsa-level LEVEL] [--vsa-resource-uri URI] [--max-age AGE]
// (docs/provenance.md, docs/promote.md). Flags in, verify::CompileAttestationCheck,
// verify::Evaluate, one rendering.
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
#include "slsa_flags.h"
#include "vouch/attest/statement.h"
#include "vouch/attest/vsa.h"
#include "vouch/verify/engine.h"

namespace vouch::cli {

namespace {

std::string Flag(const cxxopts::ParseResult& parsed, const char* name) {
  return parsed.count(name) > 0 ? parsed[name].as<std::string>() : std::string();
}

// CheckFromFlags reads what must hold: the type, the SLSA and VSA checks, the annotations and
// who is trusted.
Result<verify::AttestationCheck> CheckFromFlags(const cxxopts::ParseResult& parsed) {
  verify::AttestationCheck check;
  VOUCH_ASSIGN_OR_RETURN(check.trust, TrustFlagsFromFlags(parsed, "verify-attestation"));
  if (parsed.count("type") == 0) {
    return InvalidArgumentError("verify-attestation needs --type TYPE");
  }
  auto type = attest::PredicateTypeFromName(parsed["type"].as<std::string>());
  if (!type.ok()) {
    return type.status().WithContext("--type");
  }
  check.predicate_type = *type;
  VOUCH_ASSIGN_OR_RETURN(check.slsa, SlsaExpectationsFromFlags(parsed));
  check.vsa.policy = Flag(parsed, "vsa-policy");
  check.vsa.verifier_id = Flag(parsed, "vsa-verifier-id");
  check.vsa.min_level = Flag(parsed, "vsa-level");
  check.vsa.resource_uri = Flag(parsed, "vsa-resource-uri");
  if (!check.vsa.min_level.empty()) {
    if (Status level = attest::ValidateVsaLevel(check.vsa.min_level); !level.ok()) {
      return InvalidArgumentError("--vsa-level: " + level.message());
    }
  }
  VOUCH_ASSIGN_OR_RETURN(check.annotations, ParseAnnotationFlags(parsed));
  return check;
}

void AddAttestationOptions(cxxopts::Options& options) {
  options.add_options()("key", "trusted public key file, or env://VAR (repeatable)",
                        cxxopts::value<std::vector<std::string>>())(
      "type", "required predicate type: a URI or a short name (slsaprovenance = SLSA v1)",
      cxxopts::value<std::string>())("builder-id", "SLSA: trusted builder id",
                                     cxxopts::value<std::string>())(
      "source-uri", "SLSA: source repository", cxxopts::value<std::string>())(
      "source-ref", "SLSA: git ref", cxxopts::value<std::string>())(
      "max-age",
      "SLSA: reject builds older than this (90s, 1h30m, 12h, 7d); VSA: reject summaries verified "
      "longer ago",
      cxxopts::value<std::string>())(
      "vsa-policy", "VSA: the policy name it must record having passed (policy.uri #NAME)",
      cxxopts::value<std::string>())("vsa-verifier-id", "VSA: the required verifier.id",
                                     cxxopts::value<std::string>())(
      "vsa-level", "VSA: a level verifiedLevels must establish (SLSA_BUILD_LEVEL_2)",
      cxxopts::value<std::string>())("vsa-resource-uri", "VSA: the required resourceUri",
                                     cxxopts::value<std::string>())(
      "a,annotation", "key=value the statement's subject must carry (repeatable)",
      cxxopts::value<std::vector<std::string>>())(
      "output", "text or json", cxxopts::value<std::string>()->default_value("text"))(
      "image", "image reference", cxxopts::value<std::vector<std::string>>());
}

}  // namespace

int RunVerifyAttestation(int argc, char** argv) {
  cxxopts::Options options("vouch verify-attestation",
                           "verify the in-toto attestations of a container image with keys "
                           "or keyless (bundle referrers and cosign's .att tag)");
  options.custom_help(
      "IMAGE (--key KEY [--key KEY2]... | --certificate-identity[-regexp] I "
      "--certificate-oidc-issuer[-regexp] U [--trusted-root T]) --type TYPE [SLSA checks] "
      "[-a k=v]...");
  options.positional_help("");
  AddRegistryOptions(options);
  AddPasswordOptions(options);
  AddIdentityOptions(options);
  AddAttestationOptions(options);
  options.parse_positional({"image"});
  auto parsed = options.parse(argc, argv);
  if (parsed.count("help") > 0) {
    std::cout << options.help()
              << "\nexit codes: 0 verified, 1 rejected (the message names each failed check), "
                 "2 usage or key error, 3 could not check (registry error)\n";
    return kExitOk;
  }
  std::vector<std::string> images;
  if (parsed.count("image") > 0) {
    images = parsed["image"].as<std::vector<std::string>>();
  }
  if (images.size() != 1) {
    return UsageError("verify-attestation needs exactly one IMAGE");
  }
  const std::string output = parsed["output"].as<std::string>();
  if (output != "text" && output != "json") {
    return UsageError("--output must be text or json");
  }
  auto check = CheckFromFlags(parsed);
  if (!check.ok()) {
    return Fail(check.status());
  }
  auto trust = verify::CompileAttestationCheck(*check);
  if (!trust.ok()) {
    return Fail(trust.status());
  }
  auto repo = OpenImage(parsed, images[0]);
  if (!repo.ok()) {
    return Fail(repo.status());
  }
  return ReportDecisions({verify::Evaluate(**repo, **trust, {})}, images, **trust,
                         verify::Shape::kAttestations, output);
}

}  // namespace vouch::cli
