// `vouch verify-blob-attestation (FILE | --digest sha256:HEX) --bundle B --key KEY --type T
// [--builder-id ID] [--source-uri URI] [--source-ref REF] [--max-age AGE] [--output text|json]`:
// option parsing only; the work is verify::VerifyBlobAttestation.
#include <cxxopts.hpp>
#include <iostream>
#include <string>
#include <vector>

#include "commands.h"
#include "exit_code.h"
#include "key_flags.h"
#include "slsa_flags.h"
#include "vouch/attest/statement.h"
#include "vouch/verify/attestation.h"

namespace vouch::cli {

int RunVerifyBlobAttestation(int argc, char** argv) {
  cxxopts::Options options("vouch verify-blob-attestation",
                           "verify a Sigstore bundle holding a DSSE-signed in-toto attestation "
                           "about a file, with a public key");
  options.custom_help(
      "(FILE | --digest sha256:HEX) --bundle BUNDLE --key KEY --type TYPE [SLSA checks]");
  options.positional_help("");
  options.add_options()("key", "public key file (a private key is accepted too), or env://VAR",
                        cxxopts::value<std::string>())("bundle", "the Sigstore bundle to check",
                                                       cxxopts::value<std::string>())(
      "type", "required predicate type: a URI or a short name (slsaprovenance = SLSA v1)",
      cxxopts::value<std::string>())("digest", "the artifact's digest, sha256:HEX, instead of FILE",
                                     cxxopts::value<std::string>())(
      "builder-id", "SLSA: trusted builder id (without @version: any version)",
      cxxopts::value<std::string>())("source-uri",
                                     "SLSA: source repository, e.g. github.com/org/repo",
                                     cxxopts::value<std::string>())(
      "source-ref", "SLSA: git ref, refs/heads/main (exact) or main (branch or tag)",
      cxxopts::value<std::string>())(
      "max-age", "SLSA: reject builds older than this (e.g. 90s, 1h30m, 12h, 7d)",
      cxxopts::value<std::string>())("output", "text or json (the verified statement)",
                                     cxxopts::value<std::string>()->default_value("text"))(
      "h,help", "show this help")("file", "the file the attestation is about",
                                  cxxopts::value<std::vector<std::string>>());
  AddPasswordOptions(options);
  options.parse_positional({"file"});
  cxxopts::ParseResult parsed = options.parse(argc, argv);
  if (parsed.count("help") > 0) {
    std::cout << options.help()
              << "\nexit codes: 0 verified, 1 rejected (the message names the failed check), "
                 "2 usage or key error, 3 file unreadable\n";
    return kExitOk;
  }
  std::vector<std::string> files;
  if (parsed.count("file") > 0) {
    files = parsed["file"].as<std::vector<std::string>>();
  }
  verify::VerifyBlobAttestationRequest request;
  if (parsed.count("digest") > 0) {
    if (!files.empty()) {
      return UsageError("verify-blob-attestation takes FILE or --digest, not both");
    }
    request.digest = parsed["digest"].as<std::string>();
  } else if (files.size() != 1) {
    return UsageError("verify-blob-attestation needs exactly one FILE (or --digest sha256:HEX)");
  } else {
    request.artifact_path = files[0];
  }
  for (const char* flag : {"key", "bundle", "type"}) {
    if (parsed.count(flag) == 0) {
      return UsageError(std::string("verify-blob-attestation needs --") + flag);
    }
  }
  const std::string output = parsed["output"].as<std::string>();
  if (output != "text" && output != "json") {
    return UsageError("--output must be text or json");
  }
  Result<std::string> type = attest::PredicateTypeFromName(parsed["type"].as<std::string>());
  if (!type.ok()) {
    return Fail(type.status().WithContext("--type"));
  }
  request.predicate_type = *type;
  request.bundle_path = parsed["bundle"].as<std::string>();
  auto slsa = SlsaExpectationsFromFlags(parsed);
  if (!slsa.ok()) {
    return Fail(slsa.status());
  }
  request.slsa = *slsa;
  if (!request.slsa.empty() && !attest::IsProvenanceType(request.predicate_type)) {
    return UsageError(
        "--builder-id, --source-uri, --source-ref and --max-age need a SLSA "
        "provenance --type (slsaprovenance or slsaprovenance02)");
  }
  const std::string key_spec = parsed["key"].as<std::string>();
  Result<keys::Verifier> key = LoadVerifier(parsed, key_spec);
  if (!key.ok()) {
    return Fail(key.status());
  }
  request.key = &*key;
  Result<verify::VerifiedAttestation> verified = verify::VerifyBlobAttestation(request);
  if (!verified.ok()) {
    if (IsVerificationFailed(verified.status())) {
      return Fail(verified.status().WithContext("verification failed"));
    }
    return Fail(verified.status());
  }
  if (output == "json") {
    std::cout << AsChars(verified->payload) << "\n";
    return kExitOk;
  }
  const attest::Statement& st = verified->statement;
  std::cout << "Verified OK\npredicate type: " << st.predicate_type() << "\n";
  for (const attest::ResourceDescriptor& s : st.subjects()) {
    std::cout << "subject: " << (s.name.empty() ? "(no name)" : s.name);
    for (const auto& [alg, hex] : s.digest) {
      std::cout << " " << alg << ":" << hex;
    }
    std::cout << "\n";
  }
  if (attest::IsProvenanceType(st.predicate_type())) {
    Result<attest::NormalizedProvenance> p =
        attest::NormalizeProvenance(st.predicate_type(), st.predicate_json());
    if (p.ok()) {
      std::cout << "builder id: " << p->builder_id << "\nbuild type: " << p->build_type
                << "\nsource: " << p->source_uri << (p->source_ref.empty() ? "" : " @ ")
                << p->source_ref << "\n";
    }
  }
  return kExitOk;
}

}  // namespace vouch::cli
