// The trust policy: one file (JSON or YAML, same schema) that says which signers and which
// attestations an image needs before it is promoted or deployed. Schema: docs/policy.md and
// policy/schema/policy.schema.json.
//
// This module parses, checks (lint) and explains policies, and picks the policy that applies to
// an image reference (scope matching). It never talks to a registry: evaluating a policy against
// an image is vouch/verify/policy_eval.h.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vouch/core/digest.h"
#include "vouch/core/status.h"
#include "vouch/keys/keys.h"

namespace vouch::policy {

// ---------------------------------------------------------------------------------------------
// Authorities: who is trusted. Policies name them; requirements list authority names.

enum class AuthorityKind {
  kKey,      // {"key": {"path": F} | {"paths": [F...]} | {"data": PEM}}
  kKeyless,  // {"keyless": {...}}: Fulcio certificate identities (Sigstore verification issue)
  kX509,     // {"x509": {...}}: certificates chaining to CA roots (Sigstore verification issue)
  kNotation,  // {"notation": {...}}: Notary Project signatures, Notation trust policy semantics
};

// GithubWorkflowClaim is one GitHub Actions claim a keyless identity may pin exactly: the
// --certificate-github-workflow-<name> flag (cosign's set), the key <name> of a policy keyless
// authority's `github` object, and the Fulcio extension 1.3.6.1.4.1.57264.<oid> it is read from.
struct GithubWorkflowClaim {
  const char* name;
  const char* oid;
  const char* help;
};
inline constexpr GithubWorkflowClaim kGithubWorkflowClaims[] = {
    {"repository", "1.5", "GitHub workflow repository, owner/name (extension .1.5)"},
    {"ref", "1.6", "GitHub workflow ref (extension .1.6)"},
    {"sha", "1.3", "GitHub workflow commit (extension .1.3)"},
    {"trigger", "1.2", "GitHub workflow trigger (extension .1.2)"},
    {"name", "1.4", "GitHub workflow name (extension .1.4)"},
};

// KeylessAuthority: a Sigstore keyless signer. Exactly one of identity / identity_regexp and one
// of issuer / issuer_regexp. Regexps are RE2 (Go syntax) and match anywhere in the value, as
// cosign's do (vouch/core/regexp.h). trusted_root is a path to a trusted_root.json (relative
// paths are resolved against the policy file's folder), empty = the process default
// (VOUCH_TRUSTED_ROOT).
struct KeylessAuthority {
  std::string identity;
  std::string identity_regexp;
  std::string issuer;
  std::string issuer_regexp;
  std::string trusted_root;
  // github holds optional GitHub workflow claims, keyed by GithubWorkflowClaim::name.
  std::map<std::string, std::string> github;
};

// X509Authority: signatures whose certificate chains to one of |roots| (PEM files, resolved like
// key paths), optionally with subject / SAN constraints (exact, or a regexp matched as
// KeylessAuthority's are).
struct X509Authority {
  std::vector<std::string> roots;
  std::vector<std::string> intermediates;
  std::string subject;
  std::string subject_regexp;
  std::string san;
  std::string san_regexp;
};

// NotationAuthority: Notary Project signatures (JWS or COSE referrers) verified as `notation
// verify` does (docs/notation.md). Either |trust_policy|, a Notation trustpolicy.oci.json whose
// statement is selected by each image's repository, or one inline statement: |trust_stores|
// ("ca:NAME", "signingAuthority:NAME", "tsa:NAME"), |trusted_identities| ("*" or
// "x509.subject:<DN>") and |signature_verification| (the statement's signatureVerification
// object as compact JSON; "" = {"level":"strict"}). |trust_store_dir| is the folder holding
// x509/ (resolved; "" = the user's notation folder's truststore/). The statement's rules
// (levels, identities, store names) are checked when the trust policy is compiled.
struct NotationAuthority {
  std::string trust_policy;
  std::vector<std::string> trust_stores;
  std::vector<std::string> trusted_identities;
  std::string signature_verification;
  std::string trust_store_dir;
};

struct Authority {
  std::string name;
  AuthorityKind kind = AuthorityKind::kKey;
  // kKey: the key files as written in the policy (resolved paths), and the loaded public keys.
  std::vector<std::string> key_paths;
  std::vector<keys::Verifier> keys;
  KeylessAuthority keyless;  // kKeyless only
  X509Authority x509;        // kX509 only
  NotationAuthority notation;  // kNotation only
};

// ---------------------------------------------------------------------------------------------
// Requirements.

enum class Mode {
  kEnforce,  // any failed requirement rejects
  kAudit,    // evaluate everything, report failures as warnings, accept
  kAccept,   // no checks: accept
  kReject,   // reject
};

// SignatureRequirement: at least |threshold| distinct authorities of |authorities| have a valid
// signature on the image.
struct SignatureRequirement {
  std::vector<std::string> authorities;
  size_t threshold = 1;
  // annotations every counted signature must carry (like `vouch verify -a k=v`).
  std::map<std::string, std::string> annotations;
};

// SlsaRequirement: glob patterns ('*' any run of characters) on the verified provenance. An empty
// list skips that check; otherwise the recorded value must match one pattern.
struct SlsaRequirement {
  std::vector<std::string> builder_ids;
  std::vector<std::string> source_uris;
  std::vector<std::string> source_refs;
  // build_level ("buildLevel": 1..3) is the SLSA build level the policy author vouches the listed
  // builders meet; a passing requirement then reports SLSA_BUILD_LEVEL_<n> in the VSA. 0 (unset):
  // level 2 when builderIds are listed (signed provenance from a named builder), else level 1.
  int build_level = 0;
};

// VulnerabilityRequirement: checked on the newest verified vulnerability attestation.
struct VulnerabilityRequirement {
  // max_severity is the highest severity allowed: "none", "low", "medium", "high", "critical".
  std::string max_severity = "critical";
  // ignore lists vulnerability ids (CVE-…, GHSA-…) that never count.
  std::vector<std::string> ignore;
};

// VsaRequirement: accept a Verification Summary Attestation from a promotion gate.
struct VsaRequirement {
  // policy is the name of the policy the VSA must record having passed ("" = any).
  std::string policy;
  // verifier_id, when set, must equal the VSA's verifier.id.
  std::string verifier_id;
  // min_level, when set, must be among the VSA's verifiedLevels (or implied by a higher one).
  std::string min_level;
  // resource_uri, when set, must equal the VSA's resourceUri (`verify-attestation
  // --vsa-resource-uri`; not in the policy file).
  std::string resource_uri;
};

// AttestationRequirement: a verified attestation of |predicate_type| signed by one of
// |authorities|, no older than |max_age|, passing the typed checks that apply.
struct AttestationRequirement {
  // type is the short name as written ("slsaprovenance", "vuln", "vsa", "spdx", ...) or a URI.
  std::string type;
  // predicate_types are the URIs |type| accepts: a URI maps to itself; a short name maps as
  // attest::PredicateTypeFromName does, except that "slsaprovenance" accepts SLSA provenance v1
  // and v0.2, and "vuln" accepts cosign's vuln/v1 and the in-toto vulns v0.1 and v0.2.
  std::vector<std::string> predicate_types;
  std::vector<std::string> authorities;
  // max_age is "maxAge": a duration in vouch/core/duration.h's grammar, positive and a whole
  // number of seconds (ParsePositiveSeconds).
  std::optional<std::chrono::seconds> max_age;
  std::optional<SlsaRequirement> slsa;
  std::optional<VulnerabilityRequirement> vulnerabilities;
  std::optional<VsaRequirement> vsa;
  // annotations must all be in the annotations of the statement's subject for the image
  // (`verify-attestation -a k=v`; not in the policy file).
  std::map<std::string, std::string> annotations;
};

// BaseImageRequirement: base images recorded in verified provenance (resolvedDependencies) must
// match one of |allowed|: "repo@*" (any digest), "repo@sha256:<hex>" (one digest), with '*'
// matching one path segment and '**' any depth in repo.
struct BaseImageRequirement {
  std::vector<std::string> allowed;
};

enum class Platforms {
  kAll,    // every platform manifest of an index must pass (and the index itself)
  kIndex,  // only the index (or the single manifest) is checked
};

// FailurePolicy: what a gate that cannot finish a verification answers (vouch serve).
enum class FailurePolicy { kDeny, kAllow };

// FetchFailure: what a gate answers when the registry could not be read (throttled: 429, an
// open circuit, the rate limit; or unavailable: no answer, 5xx). Narrower than FailurePolicy,
// which covers every "could not check" (deadline, trust material, ...): kWarn admits with a
// warning only when the registry was the cause. Never applies to a check that ran and rejected.
enum class FetchFailure { kDeny, kWarn };

struct ScopePolicy {
  std::string name;
  std::string scope;  // image-reference pattern ('*' one segment, '**' any depth)
  Mode mode = Mode::kEnforce;
  std::optional<SignatureRequirement> signatures;
  std::vector<AttestationRequirement> attestations;
  std::optional<BaseImageRequirement> base_images;
  Platforms platforms = Platforms::kAll;
  FailurePolicy failure_policy = FailurePolicy::kDeny;
  FetchFailure fetch_failure = FetchFailure::kDeny;
  // json_path locates this policy in the file ("/policies/0"), for messages.
  std::string json_path;
};

struct Deny {
  std::vector<Digest> digests;
  // key_ids are keys::Verifier::KeyId() values (hex SHA-256 of the SPKI) or the std base64 hint
  // form; a signature by one of them never counts.
  std::vector<std::string> key_ids;
};

// UnknownKinds is what the admission webhook (`vouch serve`) answers for an object of a kind
// whose pod template it does not know (a custom resource routed to the webhook): it cannot see
// that object's images, so it cannot verify them.
enum class UnknownKinds {
  kDeny,   // fail closed (the default)
  kAllow,  // admit it unverified, with a warning
};

// AdmissionSettings are the policy's settings for `vouch serve` (top-level "admission").
struct AdmissionSettings {
  UnknownKinds unknown_kinds = UnknownKinds::kDeny;
};

struct Policy {
  int version = 1;
  std::map<std::string, Authority> authorities;
  std::vector<ScopePolicy> policies;
  Deny deny;
  AdmissionSettings admission;
  // digest is SHA-256 of the policy file's exact bytes (recorded in VSAs and decision logs).
  Digest digest = Digest::Of({});
  // source is the file path it was loaded from ("" when parsed from memory).
  std::string source;
};

// ---------------------------------------------------------------------------------------------
// Parsing and lint.

// Severity says what a lint finding does to the policy.
enum class Severity {
  kError,    // the policy is invalid: ParsePolicy and LoadPolicy fail
  kWarning,  // the policy loads, but probably does not say what its author meant
};

// LintFinding is one problem, located by JSON pointer ("/policies/0/attestations/1/maxAge").
struct LintFinding {
  std::string path;
  std::string message;
  Severity severity = Severity::kError;
};

// SeverityName returns "error" or "warning".
std::string_view SeverityName(Severity severity);

// FormatFinding renders |finding| as one line, "PATH: message" for an error and
// "PATH: warning: message" for a warning, with "/" as the path of the document itself.
std::string FormatFinding(const LintFinding& finding);

// ParseOptions: |base_dir| resolves relative key / root paths ("" = current directory).
struct ParseOptions {
  std::string base_dir;
  // load_keys reads and parses every key file (false: only the structure is checked).
  bool load_keys = true;
};

// ParsePolicy parses |text| (JSON, or YAML when it does not start with '{' after whitespace) and
// checks it completely: unknown or duplicate fields, wrong types, unknown authority names,
// unknown modes, bad scopes, bad durations, bad regular expressions, thresholds above the
// authority count, unreadable or malformed key files. On any error it returns kInvalidArgument
// whose message lists every error as a "PATH: message" line.
//
// Warnings do not make it fail. There are two: an identity, issuer, subject or SAN regexp that
// is not anchored (each top-level alternative must start with ^ or \A and end with $ or \z;
// otherwise it matches every value that merely contains a match), and a slsa.sourceUris entry
// with an "@ref" suffix (the ref is enforced as a ref check: sourceRefs says so plainly).
//
// |findings|, when given, receives every finding, errors and warnings, also when the policy is
// valid.
Result<Policy> ParsePolicy(std::string_view text, const ParseOptions& options,
                           std::vector<LintFinding>* findings = nullptr);

// LoadPolicy reads |path| (capped at 1 MiB), sets Policy::source and Policy::digest, and parses
// it with base_dir = the file's folder. An unreadable file keeps its I/O code (kNotFound,
// kPermissionDenied, kResourceExhausted...: exit 3) and leaves |findings| empty; an invalid one is
// kInvalidArgument prefixed with |path|. |findings| receives what ParsePolicy reports: the
// errors of an invalid policy and the warnings of a valid one as well.
Result<Policy> LoadPolicy(const std::string& path, std::vector<LintFinding>* findings = nullptr);

// ---------------------------------------------------------------------------------------------
// Scopes.

// ScopeMatches reports whether the fully normalized image reference |image| (host/path[:tag]
// [@digest], as registry::Reference::ToString prints it) matches |pattern|. '*' matches one path
// segment (no '/'), '**' any number of segments (one or more when it ends the pattern, so
// "ns/**" is what is inside ns); the host may be "*.example.com"; hosts compare
// case-insensitively; a pattern without tag or digest matches the repository at any tag or
// digest; the lone pattern "*" matches everything. An invalid pattern matches nothing.
bool ScopeMatches(std::string_view pattern, std::string_view image);

// ScopeSpecificity orders matching scopes: the most specific one wins (containers/image
// precedence: more literal segments first (host included; "*.example.com" counts half), then a
// digest over a tag over neither, then fewer '**', then fewer '*', then the longer pattern).
// Larger is more specific; "*" and invalid patterns are 0.
size_t ScopeSpecificity(std::string_view pattern);

// SelectPolicy returns the policy whose scope matches |image| most specifically, or nullptr when
// none matches (the image is then rejected). Ties go to the earlier policy in the file.
const ScopePolicy* SelectPolicy(const Policy& policy, std::string_view image);

// ScopeRegistry returns the registry part of scope |pattern| ("127.0.0.1:5000",
// "registry.example.com") when it names one host literally, lower case; "" for the lone "*", a
// wildcard host ("*", "*.example.com") and an invalid pattern. `vouch serve` connects to a
// loopback or link-local registry only when a scope names it this way (docs/gate.md).
std::string ScopeRegistry(std::string_view pattern);

// CheckScopePattern returns OK when |pattern| is a valid scope, else kInvalidArgument saying why.
// Valid: the lone "*", or HOST/SEGMENT[/SEGMENT...][:tag][@digest] where HOST is a registry host
// (with optional :port), "*" or "*.example.com", and each SEGMENT is a lowercase repository path
// component, "*" or "**". Wildcards stand alone between slashes.
Status CheckScopePattern(std::string_view pattern);

// CheckBaseImagePattern returns OK when |pattern| is a valid baseImages.allowed entry: a scope
// pattern without tag (not the lone "*"), then "@*", "@sha256:<hex>" or nothing (any digest);
// "*"/"**" alone allow every base image.
Status CheckBaseImagePattern(std::string_view pattern);

// Explain renders, for people, which scope applies to |image| and what it requires.
std::string Explain(const Policy& policy, std::string_view image);

// Summarize renders a short multi-line summary of a valid policy (authorities, each policy's
// name, scope, mode and requirements, deny counts), as `vouch policy lint` prints it.
std::string Summarize(const Policy& policy);

// LintReportJson renders the `vouch policy lint --output json` document: {"file", "valid",
// "digest", "authorities", "policies": [{name, scope, mode}], "findings": [{path, severity,
// message}]}, severity being "error" or "warning". |policy| is null when the file is invalid
// (then digest and the summary are absent); "valid" is true when no finding is an error.
std::string LintReportJson(std::string_view file, const Policy* policy,
                           const std::vector<LintFinding>& findings);

// ---------------------------------------------------------------------------------------------
// Names (shared with the evaluator's reports).

// ModeName, PlatformsName, FailurePolicyName, FetchFailureName and AuthorityKindName return the
// policy file's spelling ("enforce", "index", "deny", "warn", "keyless").
std::string_view ModeName(Mode mode);
std::string_view PlatformsName(Platforms platforms);
std::string_view FailurePolicyName(FailurePolicy failure_policy);
std::string_view FetchFailureName(FetchFailure fetch_failure);
std::string_view AuthorityKindName(AuthorityKind kind);

}  // namespace vouch::policy
