// The signature requirement: at least `threshold` distinct authorities of the list have a valid
// image signature on the manifest (either storage form), carrying every required annotation, and
// each counts with a signer of its own: two authorities that hold the same key (or trust the same
// identity) are one signer. A signature by a key in deny.keyIds never counts. docs/policy.md
// ("signatures").
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

// Matching pairs authorities with the signers they verified, each signer credited to at most
// one authority, so that a threshold counts distinct signers and not authorities that share a
// key. A signer is its key id or certificate identity (Signer::Who), and a certificate that
// carries its key id joins the two: one x509 key is one signer under whichever of its names an
// authority matched, and one name is one signer whichever key it rotated to.
class Matching {
 public:
  // Add records that |authority| verified a signature by |who| (repeats are ignored).
  void Add(const std::string& authority, const Signer& who) {
    if (!who.identity.empty() && !who.key_id.empty()) {
      Join(who.identity, who.key_id);
    }
    auto& list = edges_[authority];
    if (std::none_of(list.begin(), list.end(),
                     [&](const Signer& s) { return s.Who() == who.Who(); })) {
      list.push_back(who);
    }
  }

  // Solve computes a maximum matching over |order| (Kuhn's augmenting paths: a handful of
  // authorities and signers), trying authorities in that order so the result is stable. Call
  // it after every Add.
  void Solve(const std::vector<std::string>& order) {
    for (const std::string& a : order) {
      std::set<std::string> seen;
      Augment(a, seen);
    }
  }

  // Counted returns the signer credited to |authority|, or null when it counts for nobody.
  const Signer* Counted(const std::string& authority) const {
    auto it = matched_.find(authority);
    return it == matched_.end() ? nullptr : &it->second;
  }

  // Holder returns the authority a signature by |who| was credited to ("" when none).
  std::string Holder(const Signer& who) const {
    auto it = owner_.find(Root(who.Who()));
    return it == owner_.end() ? "" : it->second;
  }

  // Signed returns the distinct signers |authority| verified, or null when it verified none.
  const std::vector<Signer>* Signed(const std::string& authority) const {
    auto it = edges_.find(authority);
    return it == edges_.end() ? nullptr : &it->second;
  }

  size_t size() const { return matched_.size(); }

 private:
  // Root and Join keep the union of names (identities, key ids) that denote one signer.
  std::string Root(std::string name) const {
    for (auto it = same_.find(name); it != same_.end(); it = same_.find(name)) {
      name = it->second;
    }
    return name;
  }
  void Join(const std::string& a, const std::string& b) {
    std::string ra = Root(a), rb = Root(b);
    if (ra != rb) {
      same_[ra] = rb;
    }
  }

  bool Augment(const std::string& authority, std::set<std::string>& seen) {
    auto it = edges_.find(authority);
    if (it == edges_.end()) {
      return false;
    }
    for (const Signer& who : it->second) {
      const std::string node = Root(who.Who());
      if (!seen.insert(node).second) {
        continue;
      }
      auto owner = owner_.find(node);
      if (owner == owner_.end() || Augment(std::string(owner->second), seen)) {
        owner_[node] = authority;
        matched_.insert_or_assign(authority, who);
        return true;
      }
    }
    return false;
  }

  std::map<std::string, std::vector<Signer>> edges_;  // authority -> distinct signers
  std::map<std::string, std::string> same_;           // name -> a name of the same signer
  std::map<std::string, std::string> owner_;          // signer (Root) -> authority credited
  std::map<std::string, Signer> matched_;             // authority -> signer credited
};

}  // namespace

void CheckSignatures(Context& c, size_t subject, const policy::SignatureRequirement& req) {
  const Subject& s = c.subjects()[subject];
  RequirementResult r;
  r.requirement = "signatures";
  r.platform = s.label;
  r.subject = subject;
  r.threshold = req.threshold;
  const Digest& digest = s.descriptor.digest;
  std::vector<std::string> signed_first;  // authorities with a valid signature, first seen first
  Matching matching;
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
      if (matching.Signed(who.authority) == nullptr) {
        signed_first.push_back(who.authority);
      }
      matching.Add(who.authority, who);
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
  matching.Solve(req.authorities);
  r.signers = matching.size();
  std::vector<std::string> signed_by;  // how each counted: "name (key …)", first seen first
  for (const std::string& name : signed_first) {
    if (const Signer* who = matching.Counted(name)) {
      signed_by.push_back(who->Describe());
    }
  }
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
    if (matching.Counted(name) != nullptr) {
      continue;
    }
    if (const std::vector<Signer>* as = matching.Signed(name)) {
      // It signed, but only as a signer already credited to another authority (under that
      // authority's name for it: a certificate's other SAN, say).
      const Signer* credited = matching.Counted(matching.Holder(as->front()));
      missing.push_back(name + ": the same signer as " +
                        (credited != nullptr ? credited->Describe() : as->front().Describe()) +
                        ", which counts once");
      continue;
    }
    auto it = why.find(name);
    bool none = it == why.end() || it->second.empty();
    missing.push_back(name + ": " + (none ? "no signature" : Join(it->second, "; ")));
  }
  r.reason = std::to_string(r.signers) + " of " + std::to_string(req.threshold) +
             " required authorities signed " + Short(digest) + ": " + Join(missing, "; ");
  c.Add(std::move(r));
}

}  // namespace vouch::verify::internal
