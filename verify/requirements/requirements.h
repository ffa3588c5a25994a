// Requirements: "what must hold" (private to verify). The engine (engine.cc) expands an image,
// collects its evidence, and hands a Context to each requirement of the scope policy; each
// requirement is one file here:
//
//   signatures.cc       signature threshold over distinct authorities with distinct signers,
//                       annotations, deny.keyIds
//   attestations.cc     attestation type, signer and freshness, then the typed checks:
//   provenance.cc         SLSA builder, source, ref and age (the one SLSA matcher, slsa.h)
//   vulnerabilities.cc    the newest scan's findings against a severity limit
//   (vsa.cc, public)      VSA result, verifier, policy, level and age (CheckVsa)
//   base_images.cc      base images recorded in verified provenance against an allow list
//   inventory.cc        not a requirement: every object with its fate (`vouch inspect`)
//
// Every piece of evidence is verified by an authority (authority/) at most once per decision
// (Context::Verify remembers), and content rules (content.h) run on verified payloads only.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "authority/authority.h"
#include "evidence/evidence.h"
#include "requirements/content.h"
#include "vouch/attest/provenance.h"
#include "vouch/policy/policy.h"
#include "vouch/registry/manifest.h"
#include "vouch/registry/reference.h"
#include "vouch/verify/decision.h"
#include "vouch/verify/engine.h"

namespace vouch::verify::internal {

// Subject is one manifest looked at, with everything attached to it.
struct Subject {
  registry::Descriptor descriptor;
  // label names it in results: "" for the root, else its platform ("os/arch[/variant]"), or its
  // digest when the index entry has no platform.
  std::string label;
  // attestation_manifests are the BuildKit attestation manifests of the index that describe it
  // (registry::AttestationManifestSubject); only the inventory reads them.
  std::vector<registry::Descriptor> attestation_manifests;
  SubjectEvidence found;
};

// Unit is what one attestation requirement is evaluated over: the manifests whose attestations
// count. For an index checked per platform, the index and one platform manifest; else the one
// manifest.
struct Unit {
  std::string platform;           // the platform's label ("" for the image)
  size_t subject = 0;             // the manifest the result is about
  std::vector<size_t> subjects;   // the manifests whose evidence counts
};

// Context is one decision in the making: the trust policy, the scope policy, the subjects with
// their evidence, and the decision being filled. Not thread-safe: requirements run one by one.
class Context {
 public:
  Context(const TrustPolicy& trust, const policy::ScopePolicy& scope, TimePoint now,
          ImageDecision& decision);

  const TrustPolicy& trust() const { return trust_; }
  const policy::ScopePolicy& scope() const { return scope_; }
  TimePoint now() const { return now_; }
  std::vector<Subject>& subjects() { return subjects_; }
  ImageDecision& decision() { return decision_; }

  // Verify asks |authority| about |evidence| once; later questions are answered from memory.
  const Result<Verified>& Verify(const Evidence& evidence, const Authority& authority);

  // Add records a result: in audit mode a failure becomes a warning; the status of the first
  // error is kept (|error|, or the reason as an internal error) for the decision.
  void Add(RequirementResult result, const Status& error = OkStatus());

  // AddInput records evidence that counted toward acceptance (the VSA's inputAttestations),
  // once per object.
  void AddInput(std::string kind, std::string predicate_type, const std::string& authority,
                const Evidence& evidence);

  const Status& first_error() const { return first_error_; }

  // LookupStatus returns the first failed lookup among |subjects| (OK when all worked).
  Status LookupStatus(const std::vector<size_t>& subjects) const;

  // provenance holds, per unit platform, the provenance that passed its requirement (read by
  // baseImages); provenance_required says whether some requirement asks for provenance.
  std::map<std::string, std::vector<attest::NormalizedProvenance>> provenance;
  bool provenance_required = false;

 private:
  const TrustPolicy& trust_;
  const policy::ScopePolicy& scope_;
  TimePoint now_;
  ImageDecision& decision_;
  std::vector<Subject> subjects_;
  std::map<std::pair<const Evidence*, const Authority*>, Result<Verified>> verified_;
  std::set<std::string> input_keys_;
  Status first_error_ = OkStatus();
};

// Judgement is what the authorities of a requirement made of one piece of evidence.
struct Judgement {
  EvidenceFinding finding;  // valid, with the first signer; or the most telling failure
  // verified is the first authority's verification that passed the content rule.
  const Verified* verified = nullptr;
  // signers are every authority (by name) for which the evidence is valid.
  std::vector<Signer> signers;
  // failures are, per authority name, why the evidence does not count for it.
  std::map<std::string, std::string> failures;
  // unavailable is set when some authority could not check (trust material unusable).
  Status unavailable = OkStatus();
};

// ContentRule checks a verified payload; kWrongKind means "not what this requirement is about".
using ContentRule = std::function<Check(const Verified&)>;

// Judge asks the authorities named |authorities| about |evidence| (attached to subject
// |subject|) in order, applying deny.keyIds and |rule| to each verification. With |all| every
// authority is asked (threshold counting); otherwise the first valid one ends the search.
Judgement Judge(Context& c, const Evidence& evidence, size_t subject,
                const std::vector<std::string>& authorities, bool all, const ContentRule& rule);

// NewFinding fills the listing part of a finding (format, location, digest, kind, claimed type).
EvidenceFinding NewFinding(const Evidence& evidence, size_t subject);

// Short renders a digest for reasons: "sha256:0123456789ab…".
std::string Short(const Digest& digest);

// WhereLooked renders where evidence of the |tag| kind was looked for:
// "referrers (api) and sha256-<hex>.sig".
std::string WhereLooked(const SubjectEvidence& found, const Digest& subject,
                        registry::CosignAttachment tag);

// Join joins |parts| with |sep|.
std::string Join(const std::vector<std::string>& parts, std::string_view sep);

// The requirements.
void CheckSignatures(Context& c, size_t subject, const policy::SignatureRequirement& req);
// CheckAttestation returns true when the requirement passed for |unit|.
bool CheckAttestation(Context& c, const Unit& unit, const policy::AttestationRequirement& req);
void CheckBaseImages(Context& c, const Unit& unit, const policy::BaseImageRequirement& req);
void TakeInventory(Context& c);

// Typed attestation checks (provenance.cc, vulnerabilities.cc).

// CheckProvenanceRule normalizes a verified SLSA provenance statement and applies |req|'s
// `slsa` patterns and max age. On success |out| holds the normalized provenance.
Check CheckProvenanceRule(const attest::Statement& statement,
                          const policy::AttestationRequirement& req, TimePoint now,
                          std::optional<attest::NormalizedProvenance>& out);

// IsVulnerabilityType reports whether |type| is a vulnerability report predicate type.
bool IsVulnerabilityType(std::string_view type);

// VulnerabilityVerdict decides an attestation requirement on vulnerability reports.
struct VulnerabilityVerdict {
  // check fails when no report can decide (all malformed) or the newest is too old.
  Check check;
  // newest is the deciding report: an index into the candidates (when check passed).
  size_t newest = 0;
  // skipped are the reports that could not decide, by index, with why (future-dated).
  std::vector<std::pair<size_t, Check>> skipped;
  // severity is the second result, "vulnerabilities", when the requirement sets limits.
  std::optional<RequirementResult> severity;
};

// DecideVulnerabilities picks the newest of the verified reports |statements| (by scan finish
// time; reports without one count as oldest; reports finished after |now| + kClaimedTimeSkew are
// skipped as future-dated, never newest), checks its age against req.max_age and, with
// req.vulnerabilities, counts its findings against the severity limit.
VulnerabilityVerdict DecideVulnerabilities(const std::vector<const attest::Statement*>& statements,
                                           const std::vector<std::string>& locations,
                                           const policy::AttestationRequirement& req,
                                           TimePoint now);

}  // namespace vouch::verify::internal
