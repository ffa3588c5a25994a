// SLSA Verification Summary Attestations (VSA) v1: the signed record `vouch promote` writes when
// a policy accepted an image, and that a later gate (a `type: vsa` policy requirement, or
// `vouch verify-attestation --type vsa`) accepts instead of repeating every check.
//
// Spec: https://slsa.dev/spec/v1.0/verification_summary (formats.md section 6.5). Choices vouch
// makes where the spec is silent (docs/promote.md):
//  * resourceUri is "oci://<registry>/<repository>" of the image the VSA is about, without tag
//    or digest (the digest is the statement's subject);
//  * policy.uri is "<policy file URI>#<scope policy name>", so a gate can require that the image
//    passed one named policy of a file ("#production"); policy.digest is the SHA-256 of the
//    policy file's exact bytes.
// Predicates travel as JSON text: no JSON library type appears here.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vouch/attest/statement.h"
#include "vouch/core/clock.h"
#include "vouch/core/digest.h"
#include "vouch/core/status.h"

namespace vouch::attest {

// kVsaPredicateType is the predicateType of a VSA v1.
inline constexpr std::string_view kVsaPredicateType = "https://slsa.dev/verification_summary/v1";
// kVsaPassed and kVsaFailed are the two values of verificationResult.
inline constexpr std::string_view kVsaPassed = "PASSED";
inline constexpr std::string_view kVsaFailed = "FAILED";
// kVsaVerifierComponent is the key vouch writes in verifier.version.
inline constexpr std::string_view kVsaVerifierComponent = "vouch";
// kDefaultVerifierId is the verifier.id `vouch promote` writes without --verifier-id.
inline constexpr std::string_view kDefaultVerifierId = "https://vouch.example/verifier";

// VsaInput is one entry of inputAttestations: an attestation (or signature bundle) the verifier
// relied on, named by a URI and its digest.
struct VsaInput {
  std::string uri;
  // digest maps an algorithm name ("sha256") to lowercase hex; at least one entry.
  std::map<std::string, std::string> digest;

  friend bool operator==(const VsaInput&, const VsaInput&) = default;
};

// Vsa is a VSA v1 predicate. BuildVsaPredicate writes it; ParseVsaPredicate reads it back.
struct Vsa {
  // verifier_id is verifier.id (required), a URI naming the verifier.
  std::string verifier_id;
  // verifier_version is verifier.version: component name -> version (omitted when empty).
  std::map<std::string, std::string> verifier_version;
  // time_verified is timeVerified (RFC 3339 UTC); written always, optional when read.
  std::optional<TimePoint> time_verified;
  // resource_uri is resourceUri (required).
  std::string resource_uri;
  // policy_uri is policy.uri (required); policy_digest is policy.digest (alg -> hex, may be
  // empty: the spec says SHOULD).
  std::string policy_uri;
  std::map<std::string, std::string> policy_digest;
  std::vector<VsaInput> input_attestations;
  // verification_result is kVsaPassed or kVsaFailed (required).
  std::string verification_result;
  // verified_levels is verifiedLevels (required, may be empty only on FAILED).
  std::vector<std::string> verified_levels;
  // dependency_levels is dependencyLevels: level -> count. nullopt = no claim (omitted); an
  // empty map = "no dependencies".
  std::optional<std::map<std::string, int64_t>> dependency_levels;
  // slsa_version is slsaVersion ("1.0" when written; optional when read).
  std::string slsa_version;

  friend bool operator==(const Vsa&, const Vsa&) = default;
};

// PolicyUri returns "<source>#<policy_name>" (just |source| when |policy_name| is empty).
std::string PolicyUri(std::string_view source, std::string_view policy_name);

// PolicyNameOfUri returns the fragment of a policy.uri (the part after the last '#'), "" when
// there is none.
std::string PolicyNameOfUri(std::string_view policy_uri);

// OciResourceUri returns "oci://<repository name>" for a repository name such as
// "registry.example.com/prod/app".
std::string OciResourceUri(std::string_view repository_name);

// ValidateVsaLevel checks one level string (formats.md 6.5): SLSA_BUILD_LEVEL_0..3,
// SLSA_BUILD_LEVEL_UNEVALUATED, SLSA_SOURCE_LEVEL_<n>, FAILED, or a custom value that does not
// start with "SLSA_". Anything else (including "") is kInvalidArgument.
Status ValidateVsaLevel(std::string_view level);

// LevelSatisfies reports whether |levels| establishes |wanted|: |wanted| itself is listed, or,
// for SLSA_BUILD_LEVEL_<n> / SLSA_SOURCE_LEVEL_<n>, a higher level of the same track is (a level
// implies the lower ones). UNEVALUATED and FAILED never satisfy a numeric level.
bool LevelSatisfies(const std::vector<std::string>& levels, std::string_view wanted);

// SerializeVsaPredicate returns |vsa| as compact JSON with the fixed key order verifier {id,
// version}, timeVerified, resourceUri, policy {uri, digest}, inputAttestations,
// verificationResult, verifiedLevels, dependencyLevels, slsaVersion; empty optional parts are
// omitted. The result parses back with ParseVsaPredicate to an equal value. A Vsa that
// ParseVsaPredicate would reject is kInvalidArgument naming the field.
Result<std::string> SerializeVsaPredicate(const Vsa& vsa);

// ParseVsaPredicate reads a VSA v1 predicate strictly: verifier.id, resourceUri, policy.uri,
// verificationResult (PASSED | FAILED) and verifiedLevels are required and typed; every level
// passes ValidateVsaLevel, and at most one level per SLSA track is listed; digests are
// {alg: hex} objects of strings (sha256 / sha512 values are lowercase hex of the right length);
// each inputAttestations entry has a uri or a digest; timeVerified, when present, is RFC 3339;
// dependencyLevels values are non-negative integers. Unknown fields are ignored. Failures are
// kInvalidArgument naming the field ("vsa: ...").
Result<Vsa> ParseVsaPredicate(std::string_view predicate_json);

// VsaStatement builds the in-toto v1 statement of |vsa| about the image |subject| named
// |subject_name| (e.g. "registry.example.com/prod/app"): one subject {name, digest}, predicateType
// kVsaPredicateType. Errors as SerializeVsaPredicate and Statement::Create.
Result<Statement> VsaStatement(const Vsa& vsa, std::string_view subject_name,
                               const Digest& subject);

}  // namespace vouch::attest
