// `vouch verify-blob-attestation (FILE | --digest ALG:HEX) --bundle B (--key KEY | --keyring KEYS
// | keyless flags) [--trusted-root T] --type T [--builder-id ID] [--source-uri URI]
// [--source-ref REF] [--max-age AGE] [--output text|json]`: option parsing only; the work is
// verify::VerifyBlobAttestation.
#include <iostream>
#include <string>
#include <vector>

#include "bundle_flags.h"
#include "command.h"
#include "commands.h"
#include "exit_code.h"
#include "identity_flags.h"
#include "key_flags.h"
#include "slsa_flags.h"
#include "vouch/attest/statement.h"
#include "vouch/verify/attestation.h"

namespace vouch::cli {
namespace {

Result<verify::VerifyBlobAttestationRequest> RequestFromFlags(const Args& args) {
  verify::VerifyBlobAttestationRequest request;
  if (args.Has("digest")) {
    if (!args.positionals().empty()) {
      return InvalidArgumentError("verify-blob-attestation takes FILE or --digest, not both");
    }
    request.digest = args.Get("digest");
  } else if (args.positionals().empty()) {
    return InvalidArgumentError(
        "verify-blob-attestation needs exactly one FILE (or --digest ALG:HEX)");
  } else {
    request.artifact_path = args.positional(0);
  }
  request.bundle_path = args.Get("bundle");
  Result<std::string> type = attest::PredicateTypeFromName(args.Get("type"));
  if (!type.ok()) {
    return type.status().WithContext("--type");
  }
  request.predicate_type = *type;
  VOUCH_ASSIGN_OR_RETURN(request.slsa, SlsaExpectationsFromFlags(args.parsed()));
  if (!request.slsa.empty() && !attest::IsProvenanceType(request.predicate_type)) {
    return InvalidArgumentError(
        "--builder-id, --source-uri, --source-ref and --max-age need a SLSA "
        "provenance --type (slsaprovenance or slsaprovenance02)");
  }
  return request;
}

Status VerifyBlobAttestation(const Args& args, verify::VerifyBlobAttestationRequest request) {
  VOUCH_ASSIGN_OR_RETURN(BundleTrust trust,
                         BundleTrustFromFlags(args.parsed(), "verify-blob-attestation"));
  request.trust = trust.options;
  request.roots = trust.roots;
  Result<verify::VerifiedAttestation> verified = verify::VerifyBlobAttestation(request);
  VOUCH_RETURN_IF_ERROR(WithVerificationContext(verified.status()));
  if (args.json()) {
    std::cout << AsChars(verified->payload) << "\n";
    return OkStatus();
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
  return OkStatus();
}

}  // namespace

int RunVerifyBlobAttestation(int argc, char** argv) {
  return Command("verify-blob-attestation",
                 "verify a Sigstore bundle holding a DSSE-signed in-toto attestation about a "
                 "file, with a public key, a keyring or keyless")
      .Usage(
          "(FILE | --digest ALG:HEX) --bundle BUNDLE (--key KEY | --keyring KEYS | "
          "--certificate-identity I --certificate-oidc-issuer U) [--trusted-root T] --type TYPE "
          "[SLSA checks]")
      .Positional({"FILE"}, 0, 1)
      .Value("bundle", "the Sigstore bundle to check, or a JSONL file of bundles")
      .Value("type", "required predicate type: a URI or a short name (slsaprovenance = SLSA v1)")
      .Value("digest", "the artifact's digest (sha256:HEX, sha384, sha512 or sha1) instead of FILE")
      .Require({"bundle", "type"})
      .With({AddVerifyingKeyOptions, AddIdentityOptions, AddBundleTrustOptions, AddSlsaOptions})
      .OutputFlag("text or json (the verified statement)")
      .ExitCodes(
          "0 verified, 1 rejected (the message names the failed check), 2 usage or key error, 3 "
          "file unreadable")
      .Run(argc, argv, RequestFromFlags, VerifyBlobAttestation);
}

}  // namespace vouch::cli
