// SLSA build provenance: build a v1 predicate, read v1 and v0.2 predicates into one normalized
// view, and derive provenance fields from a CI environment (GitHub Actions, GitLab CI).
//
// Specs: https://slsa.dev/spec/v1.0/provenance (v1) and https://slsa.dev/provenance/v0.2 (read
// only); docs/formats.md section 6.3 and 6.6; docs/provenance.md for the choices vouch makes
// where the specs are silent. Predicates travel as JSON text: no JSON library type appears here.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vouch/attest/statement.h"
#include "vouch/core/clock.h"
#include "vouch/core/status.h"

namespace vouch::attest {

// kGitHubActionsBuildType is the buildType vouch writes in GitHub Actions: the one
// actions/attest-build-provenance writes (formats.md section 6.6).
inline constexpr std::string_view kGitHubActionsBuildType =
    "https://actions.github.io/buildtypes/workflow/v1";
// kGitLabCiBuildType is vouch's own buildType for GitLab CI (no official v1 build type defines
// one); its external parameters are documented in docs/provenance.md.
inline constexpr std::string_view kGitLabCiBuildType =
    "https://vouch.example/buildtypes/gitlab-ci/v1";

// ProvenanceV1 is the part of a SLSA Provenance v1 predicate vouch writes. Empty strings and
// unset optionals are omitted when serializing (the spec treats unset, null and empty alike).
struct ProvenanceV1 {
  // build_type is buildDefinition.buildType (required).
  std::string build_type;
  // external_parameters_json is buildDefinition.externalParameters as JSON object text
  // (required; "{}" when there are none).
  std::string external_parameters_json = "{}";
  // internal_parameters_json is buildDefinition.internalParameters as JSON object text, or ""
  // when unset.
  std::string internal_parameters_json;
  // resolved_dependencies is buildDefinition.resolvedDependencies, in order.
  std::vector<ResourceDescriptor> resolved_dependencies;
  // builder_id is runDetails.builder.id (required).
  std::string builder_id;
  // invocation_id is runDetails.metadata.invocationId.
  std::string invocation_id;
  // started_on and finished_on are runDetails.metadata.startedOn / finishedOn (RFC 3339, UTC).
  std::optional<TimePoint> started_on;
  std::optional<TimePoint> finished_on;
};

// SerializeProvenanceV1 returns |p| as compact JSON with a fixed key order: buildDefinition
// {buildType, externalParameters, internalParameters, resolvedDependencies}, runDetails
// {builder {id}, metadata {invocationId, startedOn, finishedOn}}; descriptors as name, uri,
// digest (keys sorted), annotations. The same input always gives the same bytes. The result
// passes ValidateSlsaProvenanceV1. A missing build type or builder id, or parameters that are
// not JSON objects, is kInvalidArgument naming the field.
Result<std::string> SerializeProvenanceV1(const ProvenanceV1& p);

// NormalizedProvenance is what vouch's SLSA checks read from a provenance predicate, whichever
// version it is. Fields are empty when the provenance does not record them.
struct NormalizedProvenance {
  // predicate_type is kSlsaProvenanceV1 or kSlsaProvenanceV02.
  std::string predicate_type;
  std::string builder_id;
  std::string build_type;
  // source_uri is the source repository as recorded, without an "@ref" suffix, e.g.
  // "git+https://github.com/org/repo".
  std::string source_uri;
  // source_ref is the git ref the build ran on as recorded, e.g. "refs/heads/main".
  std::string source_ref;
  // source_digest is the commit the source was built at (hex), from the digest keys gitCommit,
  // sha1 (or, leniently, any other key of the source descriptor, as old GitLab output used
  // "sha256" for a 40-hex commit).
  std::string source_digest;
  // dependencies are resolvedDependencies (v1) or materials (v0.2), including the source.
  // Digest values are kept as recorded, without length checks.
  std::vector<ResourceDescriptor> dependencies;
  std::string invocation_id;
  std::optional<TimePoint> started_on;
  std::optional<TimePoint> finished_on;
};

// NormalizeProvenance reads a v1 or v0.2 predicate (|predicate_type| says which) into the
// normalized view. Where each field comes from:
//
//   field          v1                                              v0.2
//   builder_id     runDetails.builder.id                           builder.id
//   build_type     buildDefinition.buildType                       buildType
//   source_uri     first resolvedDependency whose uri starts with  invocation.configSource.uri,
//                  "git+", else externalParameters.workflow.       else the first "git+" material
//                  repository, else externalParameters.source
//   source_ref     externalParameters.workflow.ref, else the       invocation.environment.
//                  "@ref" suffix of the source uri                 github_ref, else the "@ref"
//                                                                  suffix of the source uri
//   invocation_id  runDetails.metadata.invocationId                metadata.buildInvocationId
//                                                                  (or buildInvocationID)
//   started_on     runDetails.metadata.startedOn                   metadata.buildStartedOn
//   finished_on    runDetails.metadata.finishedOn                  metadata.buildFinishedOn
//
// A v1 predicate must pass ValidateSlsaProvenanceV1; a v0.2 predicate must have a non-empty
// builder.id. Other predicate types, invalid JSON, wrongly typed fields and unparsable times
// are kInvalidArgument naming the field.
Result<NormalizedProvenance> NormalizeProvenance(std::string_view predicate_type,
                                                 std::string_view predicate_json);

// IsProvenanceType reports whether |predicate_type| is a SLSA provenance type vouch normalizes
// (v1 or v0.2).
bool IsProvenanceType(std::string_view predicate_type);

// SplitSourceUri splits "git+https://host/org/repo@refs/heads/main" into the repository
// ("git+https://host/org/repo") and the ref ("refs/heads/main"). Only an "@" after the host part
// starts a ref, so user info such as "ssh://git@host/repo" is kept. The ref is "" when absent.
std::pair<std::string, std::string> SplitSourceUri(std::string_view uri);

// CiSystem names the CI service a provenance was generated in.
enum class CiSystem { kNone, kGitHubActions, kGitLabCi };

// DetectCi returns kGitHubActions when GITHUB_ACTIONS is "true" in |env|, else kGitLabCi when
// GITLAB_CI is "true", else kNone.
CiSystem DetectCi(const std::map<std::string, std::string>& env);

// ProvenanceFromCi fills build type, builder id, external and internal parameters, the source
// dependency, invocation id and start time from the CI variables in |env| (mapping in
// docs/provenance.md, after formats.md section 6.6). For kNone it returns an empty ProvenanceV1.
// A variable the mapping needs (GITHUB_REPOSITORY, GITHUB_SHA, GITHUB_REF; CI_PROJECT_URL,
// CI_COMMIT_SHA, CI_COMMIT_REF_NAME or CI_COMMIT_TAG) that is unset or empty is
// kInvalidArgument naming it.
Result<ProvenanceV1> ProvenanceFromCi(CiSystem ci, const std::map<std::string, std::string>& env);

// SourceDependency builds the resolved dependency vouch records for the source repository:
// uri "git+<repo>[@<ref>]" ("git+" is not doubled) and digest {"gitCommit": <hex>}. |commit| is
// "sha1:<40 hex>" or "gitCommit:<40 or 64 hex>" (lowercase); anything else is kInvalidArgument.
Result<ResourceDescriptor> SourceDependency(std::string_view repo, std::string_view ref,
                                            std::string_view commit);

}  // namespace vouch::attest
