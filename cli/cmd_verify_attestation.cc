// `vouch verify-attestation IMAGE (--key KEY [--key KEY2]... | keyless flags) --type TYPE
// [--builder-id ID] [--source-uri URI] [--source-ref REF] [--max-age AGE] [-a k=v]...
// [--output text|json]`, and for `--type vsa` the VSA checks [--vsa-policy NAME]
// [--vsa-verifier-id ID] [--vsa-level LEVEL] [--vsa-resource-uri URI] [--max-age AGE]
// (docs/provenance.md, docs/promote.md). Flags in, verify::CompileAttestationCheck,
// verify::Evaluate, one rendering.
#include <string>
#include <vector>

#include "command.h"
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

// CheckFromFlags reads what must hold: the type, the SLSA and VSA checks, the annotations and
// who is trusted.
Result<verify::AttestationCheck> CheckFromFlags(const Args& args) {
  verify::AttestationCheck check;
  VOUCH_ASSIGN_OR_RETURN(check.trust, TrustFlagsFromFlags(args.parsed(), "verify-attestation"));
  auto type = attest::PredicateTypeFromName(args.Get("type"));
  if (!type.ok()) {
    return type.status().WithContext("--type");
  }
  check.predicate_type = *type;
  VOUCH_ASSIGN_OR_RETURN(check.slsa, SlsaExpectationsFromFlags(args.parsed()));
  check.vsa.policy = args.Get("vsa-policy");
  check.vsa.verifier_id = args.Get("vsa-verifier-id");
  check.vsa.min_level = args.Get("vsa-level");
  check.vsa.resource_uri = args.Get("vsa-resource-uri");
  if (!check.vsa.min_level.empty()) {
    if (Status level = attest::ValidateVsaLevel(check.vsa.min_level); !level.ok()) {
      return InvalidArgumentError("--vsa-level: " + level.message());
    }
  }
  VOUCH_ASSIGN_OR_RETURN(check.annotations, ParseAnnotationFlags(args.parsed()));
  return check;
}

int VerifyAttestation(const Args& args) {
  auto check = CheckFromFlags(args);
  if (!check.ok()) {
    return Fail(check.status());
  }
  auto trust = verify::CompileAttestationCheck(*check);
  if (!trust.ok()) {
    return Fail(trust.status());
  }
  auto repo = OpenImage(args.parsed(), args.positional(0));
  if (!repo.ok()) {
    return Fail(repo.status());
  }
  return ReportDecisions({verify::Evaluate(**repo, **trust, {})}, args.positionals(), **trust,
                         verify::Shape::kAttestations, args.json());
}

}  // namespace

int RunVerifyAttestation(int argc, char** argv) {
  return Command("verify-attestation",
                 "verify the in-toto attestations of a container image with keys or keyless "
                 "(bundle referrers and cosign's .att tag)")
      .Usage(
          "IMAGE (--key KEY [--key KEY2]... | --certificate-identity[-regexp] I "
          "--certificate-oidc-issuer[-regexp] U [--trusted-root T]) --type TYPE [SLSA checks] "
          "[-a k=v]...")
      .Positional({"IMAGE"})
      .With({AddRegistryFlags, AddAttachmentRepositoryFlag, AddPasswordOptions, AddIdentityOptions,
             AddSlsaOptions})
      .Values("key", "trusted public key file, or env://VAR (repeatable)")
      .Value("type", "required predicate type: a URI or a short name (slsaprovenance = SLSA v1)")
      .Require({"type"})
      .Value("vsa-policy", "VSA: the policy name it must record having passed (policy.uri #NAME)")
      .Value("vsa-verifier-id", "VSA: the required verifier.id")
      .Value("vsa-level", "VSA: a level verifiedLevels must establish (SLSA_BUILD_LEVEL_2)")
      .Value("vsa-resource-uri", "VSA: the required resourceUri")
      .Values("a,annotation", "key=value the statement's subject must carry (repeatable)")
      .OutputFlag()
      .Note("--max-age also bounds a VSA's age (--type vsa)")
      .ExitCodes(
          "0 verified, 1 rejected (the message names each failed check), 2 usage or key error, "
          "3 could not check (registry error)")
      .Run(argc, argv, VerifyAttestation);
}

}  // namespace vouch::cli
