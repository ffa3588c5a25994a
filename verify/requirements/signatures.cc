// The signature requirement: at least `threshold` distinct authorities of the list have a valid
// image signature on the manifest (either storage form), carrying every required annotation. A
// signature by a key in deny.keyIds never counts. docs/policy.md ("signatures").
#include <algorithm>
#include <set>
#include <utility>

#include "requirements/requirements.h"
#include "vouch/registry/reference.h"

namespace vouch::verify::internal {
namespace {

bool IsSignatureCandidate(const Evidence& e) {
  if (e.state == EvidenceState::kListed || e.state == EvidenceState::kFailed) {
    return false;
  }
  if (!e.is_signed()) {
    return false;  // a BuildKit attestation: never evidence, whatever it claims
  }
  return e.kind == EvidenceKind::kSignature || e.kind == EvidenceKind::kUnknown;
}

}  // namespace

void CheckSignatures(Context& c, size_t subject, const policy::SignatureRequirement& req) {
  const Subject& s = c.subjects()[subject];
  RequirementResult r;
  r.requirement = "signatures";
  r.platform = s.label;
  r.subject = subject;
  r.threshold = req.threshold;
  const Digest& digest = s.descriptor.digest;
  std::set<std::string> signers;       // authorities with a valid signature
  std::vector<std::string> signed_by;  // how each signed: "name (key …)", first seen first
  std::map<std::string, std::vector<std::string>> why;  // per authority
  Status unavailable = OkStatus();
  for (const Evidence& e : s.found.objects) {
    if (!IsSignatureCandidate(e)) {
      continue;
    }
    Judgement j = Judge(c, e, subject, req.authorities, /*all=*/true, [&](const Verified& v) {
      return CheckSignatureContent(e, v, req.annotations);
    });
    if (j.finding.reason == Reason::kWrongKind) {
      continue;  // an attestation: not a signature, not a failure
    }
    if (!j.unavailable.ok()) {
      unavailable = j.unavailable;
    }
    for (const Signer& who : j.signers) {
      c.AddInput("signature", "", who.authority, e);
      if (signers.insert(who.authority).second) {
        signed_by.push_back(who.Describe());
      }
    }
    for (const auto& [name, detail] : j.failures) {
      auto& list = why[name];
      if (std::find(list.begin(), list.end(), detail) == list.end()) {
        list.push_back(detail);
      }
    }
    if (e.state == EvidenceState::kUnreadable) {
      for (const std::string& name : req.authorities) {
        auto& list = why[name];
        if (std::find(list.begin(), list.end(), e.problem) == list.end()) {
          list.push_back(e.problem);
        }
      }
    }
    r.findings.push_back(std::move(j.finding));
  }
  r.signers = signers.size();
  if (r.signers >= req.threshold) {
    r.outcome = Outcome::kPass;
    r.reason = "signed by " + Join(signed_by, ", ");
    c.Add(std::move(r));
    return;
  }
  if (!unavailable.ok()) {
    r.outcome = Outcome::kError;
    r.code = Reason::kTrustUnavailable;
    r.reason = unavailable.message();
    c.Add(std::move(r), unavailable);
    return;
  }
  if (Status ls = s.found.status; !ls.ok()) {
    r.outcome = Outcome::kError;
    r.code = Reason::kLookupFailed;
    r.reason = "could not check the signatures of " + digest.ToString() + ": " + ls.message();
    c.Add(std::move(r), ls);
    return;
  }
  r.outcome = Outcome::kFail;
  if (r.findings.empty()) {
    r.code = Reason::kNoEvidence;
    r.reason =
        "no signatures found for " + digest.ToString() + " (looked in " +
               WhereLooked(s.found, digest, registry::CosignAttachment::kSignature) + ")";
    c.Add(std::move(r));
    return;
  }
  r.code = r.signers == 0 ? Reason::kNoneValid : Reason::kThresholdNotMet;
  std::vector<std::string> missing;
  for (const std::string& name : req.authorities) {
    if (signers.count(name) == 0) {
      auto it = why.find(name);
      bool none = it == why.end() || it->second.empty();
      missing.push_back(name + ": " + (none ? "no signature" : Join(it->second, "; ")));
    }
  }
  r.reason = std::to_string(r.signers) + " of " + std::to_string(req.threshold) +
             " required authorities signed " + Short(digest) + ": " + Join(missing, "; ");
  c.Add(std::move(r));
}

}  // namespace vouch::verify::internal
