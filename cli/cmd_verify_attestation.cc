// `vouch verify-attestation IMAGE --key KEY [--key KEY2]... --type TYPE [--builder-id ID]
// [--source-uri URI] [--source-ref REF] [--max-age AGE] [-a k=v]... [--output text|json]`, and
// for `--type vsa` the VSA checks [--vsa-policy NAME] [--vsa-verifier-id ID] [--vsa-level LEVEL]
// [--vsa-resource-uri URI] [--max-age AGE]: option parsing only; the work is
// verify::VerifyImageAttestations (verify::VerifyImageVsa for VSAs). Keyless instead of --key
// (not for --type vsa): --certificate-identity[-regexp], --certificate-oidc-issuer[-regexp], the
// GitHub workflow claims and --trusted-root (or $VOUCH_TRUSTED_ROOT) (docs/sigstore.md).
#include <cxxopts.hpp>
#include <iostream>
#include <string>
#include <vector>

#include "commands.h"
#include "exit_code.h"
#include "identity_flags.h"
#include "key_flags.h"
#include "registry_flags.h"
#include "slsa_flags.h"
#include "vouch/attest/statement.h"
#include "vouch/attest/vsa.h"
#include "vouch/verify/image_attestation.h"
#include "vouch/verify/vsa.h"

namespace vouch::cli {

namespace {

// Report prints the report and maps its status to the exit code.
int Report(const verify::ImageAttestationReport& report, const std::string& output,
           const std::string& image) {
  if (output == "json") {
    std::cout << verify::ImageAttestationReportToJson(report);
  } else {
    for (const verify::AttestationFinding& f : report.attestations) {
      if (f.valid) {
        // key_id is a key's hex id, or a keyless signer "<SAN> (<issuer>)".
        const bool is_key = f.key_id.find(' ') == std::string::npos && f.key_id.size() == 64;
        std::cout << "Verified " << f.format << " " << f.location << " ("
                  << (is_key ? "key " + f.key_id.substr(0, 16) : "signer " + f.key_id) << ")\n"
                  << f.statement_json << "\n";
      } else {
        std::cout << "Rejected " << f.format << " " << f.location << ": " << f.reason << "\n";
      }
    }
  }
  if (!report.status.ok()) {
    return Fail(report.status.WithContext(image));
  }
  return kExitOk;
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
  auto keyless = ParseKeylessFlags(parsed, "verify-attestation");
  if (!keyless.ok()) {
    return Fail(keyless.status());
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
  auto slsa = SlsaExpectationsFromFlags(parsed);
  if (!slsa.ok()) {
    return Fail(slsa.status());
  }
  request.slsa = *slsa;
  const bool is_vsa = request.predicate_type == attest::kVsaPredicateType;
  const bool vsa_flags = parsed.count("vsa-policy") > 0 || parsed.count("vsa-verifier-id") > 0 ||
                         parsed.count("vsa-level") > 0 || parsed.count("vsa-resource-uri") > 0;
  if (vsa_flags && !is_vsa) {
    return UsageError(
        "--vsa-policy, --vsa-verifier-id, --vsa-level and --vsa-resource-uri need "
        "--type vsa");
  }
  if (is_vsa) {
    if (!request.slsa.builder_id.empty() || !request.slsa.source_uri.empty() ||
        !request.slsa.source_ref.empty()) {
      return UsageError(
          "--builder-id, --source-uri and --source-ref need a SLSA provenance --type");
    }
    verify::VerifyImageVsaRequest vsa;
    if (parsed.count("vsa-policy") > 0) {
      vsa.want.policy = parsed["vsa-policy"].as<std::string>();
    }
    if (parsed.count("vsa-verifier-id") > 0) {
      vsa.want.verifier_id = parsed["vsa-verifier-id"].as<std::string>();
    }
    if (parsed.count("vsa-level") > 0) {
      vsa.want.min_level = parsed["vsa-level"].as<std::string>();
      Status level = attest::ValidateVsaLevel(vsa.want.min_level);
      if (!level.ok()) {
        return UsageError("--vsa-level: " + level.message());
      }
    }
    if (parsed.count("vsa-resource-uri") > 0) {
      vsa.resource_uri = parsed["vsa-resource-uri"].as<std::string>();
    }
    vsa.max_age = request.slsa.max_age;
    vsa.now = request.slsa.now;
    request.slsa.max_age.reset();
    if (parsed.count("annotation") > 0) {
      return UsageError("-a is not supported with --type vsa");
    }
    if (*keyless) {
      return UsageError("--type vsa is verified with --key (keyless VSAs are not supported)");
    }
    auto trusted = LoadVerifiers(parsed);
    if (!trusted.ok()) {
      return Fail(trusted.status());
    }
    vsa.keys = std::move(*trusted);
    auto repo = OpenImage(parsed, images[0]);
    if (!repo.ok()) {
      return Fail(repo.status());
    }
    return Report(verify::VerifyImageVsa(**repo, vsa), output, images[0]);
  }
  if (!request.slsa.empty() && !attest::IsProvenanceType(request.predicate_type)) {
    return UsageError(
        "--builder-id, --source-uri, --source-ref and --max-age need a SLSA provenance --type");
  }
  auto annotations = ParseAnnotationFlags(parsed);
  if (!annotations.ok()) {
    return UsageError(annotations.status().message());
  }
  request.annotations = std::move(*annotations);
  if (*keyless) {
    request.trusted_root = (*keyless)->trusted_root;
    request.identities.push_back((*keyless)->identity);
  } else {
    auto trusted = LoadVerifiers(parsed);
    if (!trusted.ok()) {
      return Fail(trusted.status());
    }
    request.keys = std::move(*trusted);
  }
  auto repo = OpenImage(parsed, images[0]);
  if (!repo.ok()) {
    return Fail(repo.status());
  }
  return Report(verify::VerifyImageAttestations(**repo, request), output, images[0]);
}

}  // namespace vouch::cli
