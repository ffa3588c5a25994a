// `vouch verify-attestation IMAGE --key KEY [--key KEY2]... --type TYPE [--builder-id ID]
// [--source-uri URI] [--source-ref REF] [--max-age AGE] [-a k=v]... [--output text|json]`:
// option parsing only; the work is verify::VerifyImageAttestations.
#include <cxxopts.hpp>

#include <iostream>
#include <string>
#include <vector>

#include "commands.h"
#include "exit_code.h"
#include "key_flags.h"
#include "registry_flags.h"
#include "vouch/attest/statement.h"
#include "vouch/core/clock.h"
#include "vouch/verify/image_attestation.h"

namespace vouch::cli {

int RunVerifyAttestation(int argc, char** argv) {
  cxxopts::Options options("vouch verify-attestation",
                           "verify the in-toto attestations of a container image with keys "
                           "(bundle referrers and cosign's .att tag)");
  options.custom_help("IMAGE --key KEY [--key KEY2]... --type TYPE [SLSA checks] [-a k=v]...");
  options.positional_help("");
  AddRegistryOptions(options);
  AddPasswordOptions(options);
  options.add_options()("key", "trusted public key file, or env://VAR (repeatable)",
                        cxxopts::value<std::vector<std::string>>())(
      "type", "required predicate type: a URI or a short name (slsaprovenance = SLSA v1)",
      cxxopts::value<std::string>())("builder-id", "SLSA: trusted builder id",
                                     cxxopts::value<std::string>())(
      "source-uri", "SLSA: source repository", cxxopts::value<std::string>())(
      "source-ref", "SLSA: git ref", cxxopts::value<std::string>())(
      "max-age", "SLSA: reject builds older than this (90s, 30m, 12h, 7d)",
      cxxopts::value<std::string>())("a,annotation",
                                     "key=value the statement's subject must carry (repeatable)",
                                     cxxopts::value<std::vector<std::string>>())(
      "output", "text or json", cxxopts::value<std::string>()->default_value("text"))(
      "image", "image reference", cxxopts::value<std::vector<std::string>>());
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
  if (parsed.count("key") == 0) {
    return UsageError("verify-attestation needs --key KEY");
  }
  if (parsed.count("type") == 0) {
    return UsageError("verify-attestation needs --type TYPE");
  }
  const std::string output = parsed["output"].as<std::string>();
  if (output != "text" && output != "json") {
    return UsageError("--output must be text or json");
  }
  verify::VerifyImageAttestationRequest request;
  auto type = attest::PredicateTypeFromName(parsed["type"].as<std::string>());
  if (!type.ok()) {
    return Fail(type.status().WithContext("--type"));
  }
  request.predicate_type = *type;
  if (parsed.count("builder-id") > 0) {
    request.slsa.builder_id = parsed["builder-id"].as<std::string>();
  }
  if (parsed.count("source-uri") > 0) {
    request.slsa.source_uri = parsed["source-uri"].as<std::string>();
  }
  if (parsed.count("source-ref") > 0) {
    request.slsa.source_ref = parsed["source-ref"].as<std::string>();
  }
  if (parsed.count("max-age") > 0) {
    auto age = verify::ParseMaxAge(parsed["max-age"].as<std::string>());
    if (!age.ok()) {
      return Fail(age.status());
    }
    request.slsa.max_age = *age;
  }
  request.slsa.now = SystemClock().Now();
  if (!request.slsa.empty() && !attest::IsProvenanceType(request.predicate_type)) {
    return UsageError(
        "--builder-id, --source-uri, --source-ref and --max-age need a SLSA provenance --type");
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
  auto repo = OpenImage(parsed, images[0]);
  if (!repo.ok()) {
    return Fail(repo.status());
  }
  verify::ImageAttestationReport report = verify::VerifyImageAttestations(**repo, request);
  if (output == "json") {
    std::cout << verify::ImageAttestationReportToJson(report);
  } else {
    for (const verify::AttestationFinding& f : report.attestations) {
      if (f.valid) {
        std::cout << "Verified " << f.format << " " << f.location << " (key "
                  << f.key_id.substr(0, 16) << ")\n"
                  << f.statement_json << "\n";
      } else {
        std::cout << "Rejected " << f.format << " " << f.location << ": " << f.reason << "\n";
      }
    }
  }
  if (!report.status.ok()) {
    return Fail(report.status.WithContext(images[0]));
  }
  return kExitOk;
}

}  // namespace vouch::cli
