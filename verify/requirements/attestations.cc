// The attestation requirement: a verified attestation of an accepted predicate type about the
// manifest, signed by one of the listed authorities (not with a denied key), then the typed
// checks of its predicate type. docs/policy.md ("attestations").
#include <algorithm>
#include <utility>

#include "requirements/requirements.h"
#include "vouch/attest/statement.h"
#include "vouch/attest/vsa.h"
#include "vouch/verify/attestation.h"
#include "vouch/verify/vsa.h"

namespace vouch::verify::internal {
namespace {

bool IsCandidate(const Evidence& e, const policy::AttestationRequirement& req) {
  if (e.state == EvidenceState::kListed || e.state == EvidenceState::kFailed) {
    return false;
  }
  if (!e.is_signed()) {
    return false;  // a BuildKit attestation: unsigned, so never evidence (inspect lists it)
  }
  if (e.kind != EvidenceKind::kAttestation && e.kind != EvidenceKind::kUnknown) {
    return false;
  }
  // Another kind of attestation (fetched for another requirement) is not a candidate.
  return e.claimed_type.empty() || std::find(req.predicate_types.begin(), req.predicate_types.end(),
                                             e.claimed_type) != req.predicate_types.end();
}

bool IsVsa(const policy::AttestationRequirement& req) {
  return req.vsa.has_value() ||
         (req.predicate_types.size() == 1 && req.predicate_types[0] == attest::kVsaPredicateType);
}

// ValidAttestation is an attestation whose signature and content rules held.
struct ValidAttestation {
  const Evidence* evidence = nullptr;
  Signer signer;
  attest::Statement statement;
  Bytes payload;  // the statement as signed
  size_t finding = 0;  // index into the result's findings
};

// Typed checks one valid attestation by its predicate type (SLSA provenance, VSA, or only age).
Check Typed(Context& c, const Unit& unit, const policy::AttestationRequirement& req,
            const ValidAttestation& a) {
  const std::string& type = a.statement.predicate_type();
  if (attest::IsProvenanceType(type)) {
    std::optional<attest::NormalizedProvenance> p;
    Check check = CheckProvenanceRule(a.statement, req, c.now(), p);
    if (check.ok()) {
      c.provenance[unit.platform].push_back(std::move(*p));
    }
    return check;
  }
  if (IsVsa(req)) {
    const policy::VsaRequirement want = req.vsa ? *req.vsa : policy::VsaRequirement{};
    VerifiedAttestation verified{a.statement, a.payload, a.signer.Who()};
    Status st = CheckVsa(verified, a.evidence->subject, want, req.max_age, c.now(),
                         want.resource_uri);
    return st.ok() ? Check{} : Check{Reason::kVsaMismatch, st.message()};
  }
  if (req.max_age) {
    return {Reason::kAgeUnknown, "attestation age cannot be checked for predicate type " + type};
  }
  return {};
}

// Gathered is what the authorities made of the requirement's candidates.
struct Gathered {
  std::vector<ValidAttestation> valid;
  std::vector<std::string> reasons;  // "<location>: <why>" of the candidates that do not count
  Status unavailable = OkStatus();   // some authority could not check
};

// Gather judges every candidate of the unit; each gets a finding in |r|.
Gathered Gather(Context& c, const Unit& unit, const policy::AttestationRequirement& req,
                RequirementResult& r) {
  Gathered g;
  for (size_t s : unit.subjects) {
    for (const Evidence& e : c.subjects()[s].found.objects) {
      if (!IsCandidate(e, req)) {
        continue;
      }
      std::optional<attest::Statement> statement;
      Judgement j = Judge(c, e, s, req.authorities, /*all=*/false, [&](const Verified& v) {
        return CheckAttestationContent(e, v, req.predicate_types, req.annotations, statement);
      });
      if (j.finding.reason == Reason::kWrongKind) {
        continue;  // another predicate type: not a candidate for this requirement
      }
      if (!j.unavailable.ok()) {
        g.unavailable = j.unavailable;
      }
      if (!j.finding.valid) {
        g.reasons.push_back(e.location + ": " + j.finding.detail);
        r.findings.push_back(std::move(j.finding));
        continue;
      }
      j.finding.predicate_type = statement->predicate_type();
      j.finding.statement_json = std::string(AsChars(j.verified->payload));
      g.valid.push_back(
          {&e, j.finding.signer, std::move(*statement), j.verified->payload, r.findings.size()});
      r.findings.push_back(std::move(j.finding));
    }
  }
  return g;
}

// NotMet records a requirement that is not met: "could not check" when some authority or lookup
// failed (nothing else met it), else a failure with |code|.
bool NotMet(Context& c, const Unit& unit, const Gathered& g, RequirementResult r, Reason code,
            std::string reason) {
  if (!g.unavailable.ok()) {
    r.outcome = Outcome::kError;
    r.code = Reason::kTrustUnavailable;
    r.reason = g.unavailable.message();
    c.Add(std::move(r), g.unavailable);
  } else if (Status ls = c.LookupStatus(unit.subjects); !ls.ok()) {
    r.outcome = Outcome::kError;
    r.code = Reason::kLookupFailed;
    r.reason = "could not check the attestations: " + ls.message();
    c.Add(std::move(r), ls);
  } else {
    r.outcome = Outcome::kFail;
    r.code = code;
    r.reason = std::move(reason);
    c.Add(std::move(r));
  }
  return false;
}

void Passed(Context& c, RequirementResult& r, const ValidAttestation& a) {
  r.outcome = Outcome::kPass;
  r.reason = a.signer.Describe() + ", " + a.evidence->location;
  c.AddInput("attestation", a.statement.predicate_type(), a.signer.authority, *a.evidence);
}

// Vulnerabilities decides on vulnerability reports: the newest verified one.
bool Vulnerabilities(Context& c, const Unit& unit, const policy::AttestationRequirement& req,
                     const Gathered& g, RequirementResult r) {
  std::vector<const attest::Statement*> statements;
  std::vector<std::string> locations;
  for (const ValidAttestation& a : g.valid) {
    statements.push_back(&a.statement);
    locations.push_back(a.evidence->location);
  }
  VulnerabilityVerdict v = DecideVulnerabilities(statements, locations, req, c.now());
  for (const auto& [i, why] : v.skipped) {
    EvidenceFinding& f = r.findings[g.valid[i].finding];
    f.valid = false;
    f.reason = why.reason;
    f.detail = why.detail;
    f.statement_json.clear();
  }
  if (!v.check.ok()) {
    return NotMet(c, unit, g, std::move(r), v.check.reason, v.check.detail);
  }
  Passed(c, r, g.valid[v.newest]);
  c.Add(std::move(r));
  if (v.severity) {
    v.severity->platform = unit.platform;
    v.severity->subject = unit.subject;
    c.Add(std::move(*v.severity));
  }
  return true;
}

// AnyPasses decides on other types: any candidate that passes every typed check meets the
// requirement; every passing provenance counts for baseImages, so all are examined.
bool AnyPasses(Context& c, const Unit& unit, const policy::AttestationRequirement& req,
               const Gathered& g, RequirementResult r) {
  std::vector<std::string> failures;
  Reason first_failure = Reason::kNone;
  bool passed = false;
  for (const ValidAttestation& a : g.valid) {
    Check check = Typed(c, unit, req, a);
    if (!check.ok()) {
      EvidenceFinding& f = r.findings[a.finding];
      f.valid = false;
      f.reason = check.reason;
      f.detail = check.detail;
      f.statement_json.clear();
      failures.push_back(a.evidence->location + ": " + check.detail);
      first_failure = first_failure == Reason::kNone ? check.reason : first_failure;
      continue;
    }
    if (!passed) {
      Passed(c, r, a);
      passed = true;
    }
    if (!attest::IsProvenanceType(a.statement.predicate_type())) {
      break;
    }
  }
  if (!passed) {
    return NotMet(c, unit, g, std::move(r), first_failure, Join(failures, "; "));
  }
  c.Add(std::move(r));
  return true;
}

}  // namespace

bool CheckAttestation(Context& c, const Unit& unit, const policy::AttestationRequirement& req) {
  RequirementResult r;
  r.requirement = "attestation " + req.type;
  r.platform = unit.platform;
  r.subject = unit.subject;
  Gathered g = Gather(c, unit, req, r);
  if (g.valid.empty()) {
    std::string why =
        "no verified " + req.type + " attestation signed by " + Join(req.authorities, ", ");
    for (const std::string& reason : g.reasons) {
      why += "; " + reason;
    }
    const Reason code = r.findings.empty() ? Reason::kNoEvidence : Reason::kNoneValid;
    return NotMet(c, unit, g, std::move(r), code, why);
  }
  const bool vulnerabilities =
      req.vulnerabilities.has_value() ||
      std::all_of(req.predicate_types.begin(), req.predicate_types.end(),
                  [](const std::string& t) { return IsVulnerabilityType(t); });
  return vulnerabilities ? Vulnerabilities(c, unit, req, g, std::move(r))
                         : AnyPasses(c, unit, req, g, std::move(r));
}

}  // namespace vouch::verify::internal
