// The one pipeline: select the scope policy, expand the image into subjects, collect their
// evidence once, run the requirements, decide. docs/policy.md ("Evaluation report") has the
// rules; requirements/ holds them.
#include "vouch/verify/engine.h"

#include <algorithm>
#include <set>
#include <utility>

#include "requirements/requirements.h"
#include "vouch/attest/statement.h"

namespace vouch::verify {
namespace {

using internal::Context;
using internal::Evidence;
using internal::EvidenceKind;
using internal::Subject;
using internal::Unit;

// CouldNotCheck keeps an operational code for a decision in error: never a rejection's or a
// usage error's (the exit code must say "could not check").
Status CouldNotCheck(const Status& s, const std::string& message) {
  ErrorCode code = s.ok() ? ErrorCode::kInternal : s.code();
  if (code == ErrorCode::kVerificationFailed || code == ErrorCode::kInvalidArgument ||
      code == ErrorCode::kFailedPrecondition || code == ErrorCode::kAlreadyExists) {
    code = ErrorCode::kInternal;
  }
  return Status(code, message);
}

std::string Where(const RequirementResult& r) {
  return r.requirement + (r.platform.empty() ? "" : " [" + r.platform + "]") + ": " + r.reason;
}

void Decide(ImageDecision& d, const Status& first_error) {
  const RequirementResult* fail = nullptr;
  const RequirementResult* error = nullptr;
  for (const RequirementResult& r : d.results) {
    if (r.outcome == Outcome::kFail && fail == nullptr) {
      fail = &r;
    }
    if (r.outcome == Outcome::kError && error == nullptr) {
      error = &r;
    }
  }
  if (fail != nullptr) {
    d.decision = Decision::kRejected;
    d.status = VerificationFailedError(Where(*fail));
  } else if (error != nullptr) {
    d.decision = Decision::kError;
    d.status = CouldNotCheck(first_error, Where(*error));
  } else {
    d.decision = Decision::kAccepted;
    d.status = OkStatus();
  }
}

RequirementResult Result1(std::string requirement, Outcome outcome, Reason code,
                          std::string reason) {
  RequirementResult r;
  r.requirement = std::move(requirement);
  r.outcome = outcome;
  r.code = code;
  r.reason = std::move(reason);
  return r;
}

// Plan is what one evaluation needs to look at.
struct Plan {
  bool signatures = false;
  bool attestations = false;
  bool inventory = false;
  bool per_platform = false;
  // notation: a notation authority can count a signature, so Notation referrers are read.
  bool notation = false;
  std::set<std::string> types;  // predicate types some attestation requirement accepts
};

Plan MakePlan(const policy::ScopePolicy& scope, const TrustPolicy& trust,
              const EvaluateOptions& options, bool deny_only) {
  Plan p;
  if (deny_only) {
    return p;
  }
  p.signatures = scope.signatures.has_value();
  if (p.signatures) {
    for (const std::string& name : scope.signatures->authorities) {
      const internal::Authority* a = trust.Find(name);
      p.notation = p.notation || (a != nullptr && a->VerifiesNotation());
    }
  }
  p.attestations = !scope.attestations.empty();
  p.inventory = options.inventory;
  p.per_platform = scope.platforms == policy::Platforms::kAll || options.inventory;
  for (const policy::AttestationRequirement& a : scope.attestations) {
    p.types.insert(a.predicate_types.begin(), a.predicate_types.end());
  }
  return p;
}

internal::CollectOptions CollectFor(const Plan& p, const EvaluateOptions& options) {
  internal::CollectOptions co;
  co.parallelism = options.parallelism;
  const bool bundles = options.forms != SignatureForms::kLegacy;
  const bool legacy = options.forms != SignatureForms::kBundle;
  co.referrers = p.inventory || p.attestations || (p.signatures && bundles) || p.notation;
  co.sig_tag = p.inventory || (p.signatures && legacy);
  co.att_tag = p.inventory || p.attestations;
  co.buildkit = p.inventory;  // listed, never evidence: nothing else reads them
  if (p.inventory) {
    return co;  // read everything
  }
  co.wanted = [p, bundles](const Evidence& e) {
    const bool maybe_sig = e.kind == EvidenceKind::kSignature || e.kind == EvidenceKind::kUnknown;
    const bool maybe_att =
        e.kind == EvidenceKind::kAttestation || e.kind == EvidenceKind::kUnknown;
    if (e.form == internal::EvidenceForm::kNotationSignature) {
      return p.notation;
    }
    if (p.signatures && maybe_sig && (bundles || e.form != internal::EvidenceForm::kBundle)) {
      return true;
    }
    return p.attestations && maybe_att && (e.claimed_type.empty() || p.types.count(e.claimed_type));
  };
  return co;
}

// AttachAttestationManifests gives each subject the BuildKit attestation manifests among the
// index |entries| that describe it.
void AttachAttestationManifests(std::vector<Subject>& subjects,
                                const std::vector<registry::Descriptor>& entries) {
  for (const registry::Descriptor& d : entries) {
    std::optional<Digest> described = registry::AttestationManifestSubject(d);
    for (Subject& s : subjects) {
      if (described && *described == s.descriptor.digest) {
        s.attestation_manifests.push_back(d);
      }
    }
  }
}

// Expand turns the reference into subjects (the root, and the platform manifests when the plan
// checks per platform); |entries| receives every index entry (deny.digests looks at all).
bool Expand(Context& c, registry::Repository& repo, const EvaluateOptions& options,
            const Plan& plan, std::vector<Digest>& entries) {
  registry::ExpandOptions eo;
  eo.platform = options.platform;
  eo.children = plan.per_platform || !c.trust().policy().deny.digests.empty();
  eo.resolved = options.resolved;
  auto expanded = registry::ExpandImage(repo, eo);
  if (!expanded.ok()) {
    c.Add(Result1("resolve", Outcome::kError, Reason::kLookupFailed, expanded.status().message()),
          expanded.status());
    return false;
  }
  c.decision().digest = expanded->root.digest;
  c.subjects().push_back({expanded->root, "", {}, {}});
  for (const registry::Descriptor& d : expanded->entries) {
    entries.push_back(d.digest);
  }
  if (plan.per_platform) {
    for (const registry::Descriptor& d : expanded->children) {
      c.subjects().push_back(
          {d, d.platform ? d.platform->ToString() : d.digest.ToString(), {}, {}});
    }
  }
  if (plan.inventory) {
    AttachAttestationManifests(c.subjects(), expanded->entries);
  }
  return true;
}

// Denied checks deny.digests on the image and every index entry; true when it rejected.
bool Denied(Context& c, const std::vector<Digest>& entries) {
  const std::vector<Digest>& deny = c.trust().policy().deny.digests;
  if (deny.empty()) {
    return false;
  }
  std::vector<Digest> all = entries;
  all.insert(all.begin(), c.subjects()[0].descriptor.digest);
  for (const Digest& dg : all) {
    if (std::find(deny.begin(), deny.end(), dg) != deny.end()) {
      // Denied everywhere, whatever the mode: not through Add, which would soften it in audit.
      c.decision().results.push_back(Result1("deny", Outcome::kFail, Reason::kDeniedDigest,
                                             "digest " + dg.ToString() +
                                                 " is denied (deny.digests)"));
      return true;
    }
  }
  c.Add(Result1("deny", Outcome::kPass, Reason::kNone, "no digest of the image is denied"));
  return false;
}

void Collect(Context& c, registry::Repository& repo, const Plan& plan,
             const EvaluateOptions& options) {
  if (plan.signatures || plan.attestations || plan.inventory) {
    internal::CollectOptions co = CollectFor(plan, options);
    std::vector<Subject>& subjects = c.subjects();
    internal::RunParallel(subjects.size(), options.parallelism, [&](size_t i) {
      subjects[i].found = internal::CollectEvidence(repo, subjects[i].descriptor.digest, co,
                                                    subjects[i].attestation_manifests);
      for (internal::Evidence& e : subjects[i].found.objects) {
        e.subject_media_type = subjects[i].descriptor.media_type;
        e.subject_size = subjects[i].descriptor.size;
      }
    });
  }
  for (const Subject& s : c.subjects()) {
    SubjectReport r;
    r.digest = s.descriptor.digest;
    r.media_type = s.descriptor.media_type;
    r.platform = s.descriptor.platform ? s.descriptor.platform->ToString() : "";
    r.referrers_scheme = s.found.referrers_scheme;
    r.lookup_errors = s.found.lookup_errors;
    c.decision().subjects.push_back(std::move(r));
  }
}

std::vector<Unit> Units(Context& c) {
  std::vector<Unit> units;
  const std::vector<Subject>& subjects = c.subjects();
  if (subjects.size() == 1 || c.scope().platforms != policy::Platforms::kAll) {
    units.push_back({"", 0, {0}});
    return units;
  }
  for (size_t i = 1; i < subjects.size(); ++i) {
    units.push_back({subjects[i].label, i, {0, i}});
  }
  return units;
}

// CheckAttestations runs every attestation requirement per unit and records the SLSA build
// level the passing provenance requirements establish.
void CheckAttestations(Context& c, const std::vector<Unit>& units) {
  int level = 0;
  for (const policy::AttestationRequirement& a : c.scope().attestations) {
    bool all = true;
    for (const Unit& u : units) {
      all = internal::CheckAttestation(c, u, a) && all;
    }
    bool provenance = std::any_of(a.predicate_types.begin(), a.predicate_types.end(),
                                  [](const std::string& t) { return attest::IsProvenanceType(t); });
    if (all && provenance) {
      int l = 1;
      if (a.slsa) {
        l = a.slsa->build_level > 0 ? a.slsa->build_level : (a.slsa->builder_ids.empty() ? 1 : 2);
      }
      level = std::max(level, l);
    }
  }
  if (level > 0) {
    c.decision().verified_levels.push_back("SLSA_BUILD_LEVEL_" + std::to_string(level));
  }
}

void Run(Context& c, registry::Repository& repo, const EvaluateOptions& options, bool deny_only) {
  const policy::ScopePolicy& scope = c.scope();
  const Plan plan = MakePlan(scope, c.trust(), options, deny_only);
  std::vector<Digest> entries;
  if (!Expand(c, repo, options, plan, entries) || Denied(c, entries) || deny_only) {
    return;
  }
  for (const policy::AttestationRequirement& a : scope.attestations) {
    c.provenance_required = c.provenance_required ||
                            std::any_of(a.predicate_types.begin(), a.predicate_types.end(),
                                        [](const std::string& t) {
                                          return attest::IsProvenanceType(t);
                                        });
  }
  Collect(c, repo, plan, options);
  if (plan.signatures) {
    for (size_t i = 0; i < c.subjects().size(); ++i) {
      internal::CheckSignatures(c, i, *scope.signatures);
    }
  }
  const std::vector<Unit> units = Units(c);
  CheckAttestations(c, units);
  if (scope.base_images) {
    for (const Unit& u : units) {
      internal::CheckBaseImages(c, u, *scope.base_images);
    }
  }
  if (plan.inventory) {
    internal::TakeInventory(c);
    for (size_t i = 0; i < c.subjects().size(); ++i) {
      if (Status ls = c.subjects()[i].found.status; !ls.ok()) {
        RequirementResult r = Result1("inventory", Outcome::kError, Reason::kLookupFailed,
                                      "could not list what is attached: " + ls.message());
        r.subject = i;
        r.platform = c.subjects()[i].label;
        c.Add(std::move(r), ls);
      }
    }
  }
}

}  // namespace

namespace {

// Outright is the part of Evaluate that needs no registry. It selects the scope into |scope|
// and returns true when |d| is decided.
bool Outright(const registry::Reference& image, const TrustPolicy& trust,
              const EvaluateOptions& options, ImageDecision& d, const policy::ScopePolicy*& scope) {
  d.image = image.ToString();
  const std::string scope_image = options.scope_image.empty() ? d.image : options.scope_image;
  scope = policy::SelectPolicy(trust.policy(), scope_image);
  if (scope == nullptr) {
    d.results.push_back(Result1("scope", Outcome::kFail, Reason::kNoScope,
                                "no policy scope matches " + scope_image));
    d.decision = Decision::kRejected;
    d.status = VerificationFailedError("no policy scope matches " + scope_image);
    return true;
  }
  d.policy_name = scope->name;
  d.scope = scope->scope;
  d.mode = std::string(policy::ModeName(scope->mode));
  if (scope->mode == policy::Mode::kReject) {
    d.results.push_back(Result1("mode", Outcome::kFail, Reason::kModeReject, "mode reject"));
    d.decision = Decision::kRejected;
    d.status = VerificationFailedError("policy " + scope->name + ": mode reject");
    return true;
  }
  const std::vector<Digest>& deny = trust.policy().deny.digests;
  if (scope->mode == policy::Mode::kAccept) {
    d.results.push_back(Result1("mode", Outcome::kPass, Reason::kNone, "mode accept: no checks"));
  }
  if (image.digest && std::find(deny.begin(), deny.end(), *image.digest) != deny.end()) {
    d.results.push_back(Result1("deny", Outcome::kFail, Reason::kDeniedDigest,
                                "digest " + image.digest->ToString() +
                                    " is denied (deny.digests)"));
    Decide(d, OkStatus());
    return true;
  }
  if (scope->mode == policy::Mode::kAccept && deny.empty()) {
    d.decision = Decision::kAccepted;  // nothing to look up
    return true;
  }
  return false;
}

}  // namespace

std::optional<ImageDecision> DecideOutright(const registry::Reference& image,
                                            const TrustPolicy& trust,
                                            const EvaluateOptions& options) {
  ImageDecision d;
  const policy::ScopePolicy* scope = nullptr;
  if (!Outright(image, trust, options, d, scope)) {
    return std::nullopt;
  }
  return d;
}

ImageDecision Evaluate(registry::Repository& repo, const TrustPolicy& trust,
                       const EvaluateOptions& options) {
  ImageDecision d;
  const policy::ScopePolicy* scope = nullptr;
  if (Outright(repo.reference(), trust, options, d, scope)) {
    return d;
  }
  const TimePoint now = (options.clock != nullptr ? *options.clock : SystemClock()).Now();
  Context c(trust, *scope, now, d);
  // In accept mode the deny list still applies: resolve and check the digests only.
  Run(c, repo, options, /*deny_only=*/scope->mode == policy::Mode::kAccept);
  Decide(d, c.first_error());
  if (d.decision != Decision::kAccepted) {
    d.verified_levels.clear();  // levels are only established by an accepted image
  }
  return d;
}

std::vector<ImageDecision> EvaluateImages(registry::Client& client,
                                          const std::vector<registry::Reference>& images,
                                          const TrustPolicy& trust,
                                          const EvaluateOptions& options) {
  std::vector<ImageDecision> out(images.size());
  internal::RunParallel(images.size(), options.parallelism, [&](size_t i) {
    auto repo = client.Open(images[i]);
    if (!repo.ok()) {
      out[i].image = images[i].ToString();
      out[i].decision = Decision::kError;
      out[i].status = CouldNotCheck(repo.status(), repo.status().message());
      out[i].results.push_back(
          Result1("resolve", Outcome::kError, Reason::kLookupFailed, repo.status().message()));
      return;
    }
    out[i] = Evaluate(**repo, trust, options);
  });
  return out;
}

Status OverallStatus(const std::vector<ImageDecision>& decisions) {
  Status rejected = OkStatus();
  for (const ImageDecision& d : decisions) {
    if (d.decision == Decision::kError) {
      return d.status;
    }
    if (d.decision == Decision::kRejected && rejected.ok()) {
      rejected = d.status;
    }
  }
  return rejected;
}

}  // namespace vouch::verify
