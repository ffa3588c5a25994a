// The decision in the making, and the one loop that asks a requirement's authorities about a
// piece of evidence.
#include <utility>

#include "requirements/requirements.h"

namespace vouch::verify::internal {

Context::Context(const TrustPolicy& trust, const policy::ScopePolicy& scope, TimePoint now,
                 ImageDecision& decision)
    : trust_(trust), scope_(scope), now_(now), decision_(decision) {}

const Result<Verified>& Context::Verify(const Evidence& evidence, const Authority& authority) {
  auto key = std::make_pair(&evidence, &authority);
  auto it = verified_.find(key);
  if (it == verified_.end()) {
    // An unsigned form never reaches an authority: nothing in it can be verified.
    it = verified_
             .emplace(key, evidence.is_signed() ? authority.Verify(evidence, now_)
                                                : Result<Verified>(UnsignedError(evidence)))
             .first;
  }
  return it->second;
}

void Context::Add(RequirementResult result, const Status& error) {
  if (result.outcome == Outcome::kFail && scope_.mode == policy::Mode::kAudit) {
    result.outcome = Outcome::kWarn;
  }
  if (result.outcome == Outcome::kError && first_error_.ok()) {
    first_error_ = error.ok() ? Status(ErrorCode::kInternal, result.reason) : error;
  }
  decision_.results.push_back(std::move(result));
}

void Context::AddInput(std::string kind, std::string predicate_type, const std::string& authority,
                       const Evidence& evidence) {
  if (!input_keys_.insert(kind + " " + evidence.location + " " + evidence.digest.ToString())
           .second) {
    return;
  }
  decision_.inputs.push_back({std::move(kind), std::move(predicate_type), authority,
                              evidence.location, evidence.digest});
}

Status Context::LookupStatus(const std::vector<size_t>& subjects) const {
  for (size_t s : subjects) {
    if (!subjects_[s].found.status.ok()) {
      return subjects_[s].found.status;
    }
  }
  return OkStatus();
}

EvidenceFinding NewFinding(const Evidence& e, size_t subject) {
  EvidenceFinding f;
  f.subject = subject;
  f.format = std::string(e.FormatName());
  f.location = e.location;
  f.digest = e.digest;
  f.kind = std::string(e.KindName());
  f.predicate_type = e.claimed_type;
  if (e.state == EvidenceState::kUnreadable) {
    f.reason = Reason::kUnreadable;
    f.detail = e.problem;
  }
  return f;
}

namespace {

// Telling orders failures: one found on a verified signature (revoked, wrong subject, missing
// annotation...) says more than "not signed by anyone trusted".
bool MoreTelling(Reason a, Reason b) {
  return b == Reason::kNone || (b == Reason::kUntrusted && a != Reason::kUntrusted);
}

}  // namespace

Judgement Judge(Context& c, const Evidence& e, size_t subject,
                const std::vector<std::string>& authorities, bool all, const ContentRule& rule) {
  Judgement j;
  j.finding = NewFinding(e, subject);
  if (!e.fetched()) {
    return j;  // unreadable: NewFinding says why
  }
  auto fail = [&](const std::string& authority, Reason reason, const std::string& detail) {
    j.failures.emplace(authority, detail);
    if (!j.finding.valid && MoreTelling(reason, j.finding.reason)) {
      j.finding.reason = reason;
      j.finding.detail = detail;
    }
  };
  for (const std::string& name : authorities) {
    const Authority* a = c.trust().Find(name);
    if (a == nullptr) {
      continue;  // lint refuses unknown names; an in-memory policy has none
    }
    const Result<Verified>& v = c.Verify(e, *a);
    if (!v.ok()) {
      if (!IsVerificationFailed(v.status())) {
        j.unavailable = v.status();
        j.failures.emplace(name, v.status().message());
        continue;
      }
      fail(name, Reason::kUntrusted, v.status().message());
      continue;
    }
    if (!v->signer.key_id.empty() && c.trust().Denied(v->signer.key_id)) {
      fail(name, Reason::kRevoked,
           "signed by " + name + " with key " + v->signer.key_id.substr(0, 16) +
               "…, which is revoked (deny.keyIds)");
      continue;
    }
    Check content = rule(*v);
    if (!content.error.ok()) {
      j.unavailable = content.error;
      j.failures.emplace(name, content.error.message());
      continue;
    }
    if (content.reason == Reason::kWrongKind) {
      j.finding.reason = Reason::kWrongKind;  // not what this requirement is about, for anyone
      j.finding.detail = content.detail;
      j.finding.valid = false;
      j.signers.clear();
      j.verified = nullptr;
      return j;
    }
    if (!content.ok()) {
      fail(name, content.reason, content.detail);
      continue;
    }
    if (!j.finding.valid) {
      j.finding.valid = true;
      j.finding.reason = Reason::kNone;
      j.finding.detail.clear();
      j.finding.signer = v->signer;
      j.finding.signer_verified = true;
      j.verified = &*v;
    }
    j.signers.push_back(v->signer);
    if (!all) {
      break;
    }
  }
  return j;
}

std::string WhereLooked(const SubjectEvidence& found, const Digest& subject,
                        registry::CosignAttachment tag) {
  std::vector<std::string> where;
  if (found.referrers) {
    where.push_back("referrers (" + found.referrers_scheme + ")");
  }
  if ((tag == registry::CosignAttachment::kSignature && found.sig_tag) ||
      (tag == registry::CosignAttachment::kAttestation && found.att_tag)) {
    where.push_back(registry::CosignTag(subject, tag));
  }
  return Join(where, " and ");
}

std::string Short(const Digest& d) { return d.ToString().substr(0, 19) + "…"; }

std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (const std::string& p : parts) {
    if (!out.empty()) {
      out += sep;
    }
    out += p;
  }
  return out;
}

}  // namespace vouch::verify::internal
