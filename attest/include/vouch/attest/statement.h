// in-toto Statements: the payload of an attestation, binding subjects (by digest) to a predicate.
//
// Spec: https://github.com/in-toto/attestation spec/v1/statement.md, resource_descriptor.md and
// digest_set.md. vouch writes `_type` https://in-toto.io/Statement/v1 and also reads
// https://in-toto.io/Statement/v0.1 (older cosign and SLSA generators); every other `_type` is
// rejected. The predicate is carried as JSON text: no JSON library type appears in this API.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "vouch/core/bytes.h"
#include "vouch/core/digest.h"
#include "vouch/core/status.h"

namespace vouch::attest {

// kStatementTypeV1 is the `_type` vouch writes.
inline constexpr std::string_view kStatementTypeV1 = "https://in-toto.io/Statement/v1";
// kStatementTypeV01 is the older `_type` vouch still reads (and preserves when re-serializing).
inline constexpr std::string_view kStatementTypeV01 = "https://in-toto.io/Statement/v0.1";

// Predicate type URIs vouch names in code (see PredicateTypeFromName for the CLI short names).
inline constexpr std::string_view kCosignSignPredicateType = "https://sigstore.dev/cosign/sign/v1";
inline constexpr std::string_view kSlsaProvenanceV1 = "https://slsa.dev/provenance/v1";
inline constexpr std::string_view kSlsaProvenanceV02 = "https://slsa.dev/provenance/v0.2";

// kMaxStatementSize caps the JSON text Statement::Parse accepts (32 MiB; SBOM predicates are big).
inline constexpr size_t kMaxStatementSize = size_t{32} << 20;
// kMaxSubjects caps the subject list of a parsed statement.
inline constexpr size_t kMaxSubjects = 4096;

// ResourceDescriptor describes one artifact (resource_descriptor.md). Empty fields are unset: the
// spec treats unset and empty alike, and vouch omits them when serializing.
struct ResourceDescriptor {
  std::string name;
  std::string uri;
  // digest maps an algorithm name ("sha256", "gitCommit", or a custom name) to its encoded value.
  std::map<std::string, std::string> digest;
  // content is the artifact itself (base64 on the wire).
  Bytes content;
  std::string download_location;
  std::string media_type;
  // annotations_json is the compact JSON text of the annotations object, or "" when unset. Values
  // may be any JSON; StringAnnotations() reads the common string-to-string form.
  std::string annotations_json;

  friend bool operator==(const ResourceDescriptor&, const ResourceDescriptor&) = default;
};

// ParseResourceDescriptor parses and validates one ResourceDescriptor JSON object (the rules are
// those of Statement::Parse for a subject, minus the digest requirement). Failures are
// kInvalidArgument naming the rule.
Result<ResourceDescriptor> ParseResourceDescriptor(std::string_view json);

// StringAnnotations returns |rd|'s annotations as a string map (empty when unset). An annotation
// whose value is not a string is kInvalidArgument.
Result<std::map<std::string, std::string>> StringAnnotations(const ResourceDescriptor& rd);

// AnnotationsJson returns the compact JSON object text for string annotations ("" when empty),
// suitable for ResourceDescriptor::annotations_json.
std::string AnnotationsJson(const std::map<std::string, std::string>& annotations);

// Statement is a validated in-toto Statement. Instances come only from Parse or Create, so every
// Statement satisfies the rules below. Cheap to copy (the parsed predicate is shared).
//
// Validation rules, in the order they are checked (each failure is kInvalidArgument whose message
// names the rule and, where relevant, the subject index; the upstream Go error it mirrors is in
// brackets):
//  1. `_type` is kStatementTypeV1 or kStatementTypeV01                  [ErrInvalidStatementType]
//  2. `subject` is a non-empty array                                    [ErrSubjectRequired]
//  3. each subject, in order, is a valid ResourceDescriptor:
//     a. at least one of name, uri, digest is set                       [ErrRDRequiredField]
//     b. for the digest_set.md algorithms with a fixed size (sha256, sha512, sha1, gitCommit, …)
//        the value is lowercase hex                                     [ErrInvalidDigestEncoding]
//        of the algorithm's length (git*: SHA-1 or SHA-256 length)      [ErrIncorrectDigestLength]
//        Other algorithm names are accepted unchecked (custom digests).
//  4. ... and has a non-empty digest                                    [ErrDigestRequired]
//  5. `predicateType` is a non-empty string                             [ErrPredicateTypeRequired]
//  6. `predicate` is present and a JSON object (`{}` counts)            [ErrPredicateRequired]
// Unknown fields are ignored. Upstream accepts uppercase hex for the named algorithms; vouch
// rejects it because digest_set.md specifies lowercase and SubjectMatches compares exactly.
class Statement {
 public:
  // Parse parses and validates statement JSON (typically verified DSSE payload bytes).
  // Text longer than kMaxStatementSize, or more than kMaxSubjects subjects, is
  // kResourceExhausted; invalid JSON or a broken rule is kInvalidArgument.
  static Result<Statement> Parse(std::string_view json);

  // Create builds a statement from parts and validates it with the same rules as Parse.
  // |predicate_json| must be a JSON object; |type| defaults to v1 (v0.1 is allowed for tests and
  // interop, other values are kInvalidArgument).
  static Result<Statement> Create(std::vector<ResourceDescriptor> subjects,
                                  std::string predicate_type, std::string_view predicate_json,
                                  std::string_view type = kStatementTypeV1);

  // type returns the `_type` URI as read (or as created).
  const std::string& type() const { return type_; }
  const std::vector<ResourceDescriptor>& subjects() const { return subjects_; }
  const std::string& predicate_type() const { return predicate_type_; }
  // predicate_json returns the predicate as compact JSON text, keys in their original order.
  const std::string& predicate_json() const { return predicate_json_; }

  // Serialize returns compact JSON: `_type`, `subject`, `predicateType`, `predicate`, in that
  // order (protobuf field order, as cosign's protojson writes it); subject fields in the order
  // name, uri, digest (keys sorted), content, downloadLocation, mediaType, annotations, with unset
  // fields omitted. Statement::Parse(Serialize()) yields an equal statement.
  std::string Serialize() const;

 private:
  struct Predicate;
  Statement() = default;

  std::string type_;
  std::vector<ResourceDescriptor> subjects_;
  std::string predicate_type_;
  std::string predicate_json_;
  std::shared_ptr<const Predicate> predicate_;  // parsed form of predicate_json_
};

// CosignSignStatement builds the statement cosign v3 signs for `cosign sign` (DSSE payloadType
// kInTotoPayloadType): one subject with no name, digest {"<alg>": "<hex>"} of |image| and the
// given annotations (omitted when empty), predicateType kCosignSignPredicateType, predicate {}.
Result<Statement> CosignSignStatement(const Digest& image,
                                      const std::map<std::string, std::string>& annotations = {});

// SubjectMatches reports whether some subject's digest set has |digest|'s algorithm
// ("sha256", "sha384", "sha512") with exactly |digest|.Hex(). Matching is by digest only, never
// by name (statement.md), and hex is compared case-sensitively: digest_set.md specifies lowercase
// and Parse rejects anything else.
bool SubjectMatches(const Statement& statement, const Digest& digest);

// SubjectMatches with the algorithm name and lowercase hex as written ("sha1", "gitCommit"...),
// for digests vouch compares but does not compute.
bool SubjectMatches(const Statement& statement, std::string_view algorithm, std::string_view hex);

// ValidateSlsaProvenanceV1 checks the required fields of a SLSA Provenance v1 predicate
// (https://slsa.dev/spec/v1.0/provenance; mirrors in-toto's Go Provenance.Validate):
//  buildDefinition present and not empty    [ErrBuildDefinitionRequired]
//  buildDefinition.buildType non-empty       [ErrBuildTypeRequired]
//  buildDefinition.externalParameters object [ErrExternalParamsRequired]
//  resolvedDependencies are valid descriptors
//  runDetails present and not empty         [ErrRunDetailsRequired]
//  runDetails.builder present and not empty [ErrBuilderRequired]
//  runDetails.builder.id non-empty           [ErrBuilderIdRequired]
//  builderDependencies and byproducts are valid descriptors
// Failures are kInvalidArgument naming the field.
Status ValidateSlsaProvenanceV1(std::string_view predicate_json);

// ValidatePredicate applies the predicate-specific checks vouch knows for the statement's
// predicateType: a SLSA provenance predicate (v1 or v0.2) must be readable by NormalizeProvenance
// (provenance.h), the reader verification's SLSA checks use; its kInvalidArgument is returned
// as is. Other predicate types are OK. `vouch attest` and `attest-blob` call it before signing.
Status ValidatePredicate(const Statement& statement);

// ValidatePredicate is the same check on a predicate not yet in a statement: |predicate_json|
// is the predicate of type |predicate_type|.
Status ValidatePredicate(std::string_view predicate_type, std::string_view predicate_json);

// PredicateTypeFromName maps a cosign-style `--type` value to a predicateType URI. Any value that
// contains "://" is returned unchanged. Short names (as cosign defines them):
//   custom           https://cosign.sigstore.dev/attestation/v1
//   slsaprovenance   https://slsa.dev/provenance/v1     (vouch writes v1; cosign means v0.2)
//   slsaprovenance02 https://slsa.dev/provenance/v0.2
//   slsaprovenance1  https://slsa.dev/provenance/v1
//   spdx, spdxjson   https://spdx.dev/Document
//   cyclonedx, cyclonedxxml  https://cyclonedx.org/bom
//   link             https://in-toto.io/Link/v1
//   vuln             https://cosign.sigstore.dev/attestation/vuln/v1
//   openvex          https://openvex.dev/ns
//   vsa              https://slsa.dev/verification_summary/v1
// Anything else is kInvalidArgument.
Result<std::string> PredicateTypeFromName(std::string_view name);

}  // namespace vouch::attest
