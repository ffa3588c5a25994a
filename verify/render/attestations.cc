// The `vouch verify-attestation` shape: every attestation of the type asked for, verified (with
// its statement) or rejected (with the failed check) (docs/provenance.md, "Images").
#include "core/internal/json.h"
#include "render/shapes.h"
#include "vouch/registry/reference.h"

namespace vouch::verify::internal {
namespace {

// Findings returns the attestation requirement's findings (every result of it, in order).
std::vector<const EvidenceFinding*> Findings(const ImageDecision& d) {
  std::vector<const EvidenceFinding*> out;
  for (const RequirementResult& r : d.results) {
    if (r.requirement.starts_with("attestation ")) {
      for (const EvidenceFinding& f : r.findings) {
        out.push_back(&f);
      }
    }
  }
  return out;
}

std::string AskedType(const TrustPolicy& trust) {
  for (const policy::ScopePolicy& sp : trust.policy().policies) {
    for (const policy::AttestationRequirement& a : sp.attestations) {
      return a.type;
    }
  }
  return "";
}

// WhereLooked renders "referrers (api) and sha256-<hex>.att" for the first manifest.
std::string WhereLooked(const ImageDecision& d) {
  if (d.subjects.empty()) {
    return "";
  }
  return "referrers (" + d.subjects[0].referrers_scheme + ") and " +
         registry::CosignTag(d.subjects[0].digest, registry::CosignAttachment::kAttestation);
}

OrderedJson FindingJson(const EvidenceFinding& f) {
  OrderedJson a = OrderedJson::object();
  a["format"] = f.format;
  a["location"] = f.location;
  a["keyId"] = f.signer.Who();
  a["valid"] = f.valid;
  a["reason"] = f.detail;
  a["code"] = ReasonName(f.reason);
  a["statement"] = nullptr;
  if (f.valid) {
    auto st = ParseOrderedJson(f.statement_json, "statement");
    if (st.ok()) {
      a["statement"] = *st;
    }
  }
  return a;
}

OrderedJson DecisionJson(const ImageDecision& d, const std::string& error) {
  OrderedJson j = OrderedJson::object();
  j["schemaVersion"] = 1;
  j["image"] = d.image;
  j["digest"] = d.digest ? OrderedJson(d.digest->ToString()) : OrderedJson(nullptr);
  j["verified"] = d.decision == Decision::kAccepted;
  j["error"] = error;
  j["errorCode"] = d.status.ok() ? "" : std::string(ErrorCodeName(d.status.code()));
  j["referrersScheme"] = d.subjects.empty() ? "" : d.subjects[0].referrers_scheme;
  j["lookupErrors"] = d.subjects.empty() ? std::vector<std::string>{} : d.subjects[0].lookup_errors;
  OrderedJson list = OrderedJson::array();
  for (const EvidenceFinding* f : Findings(d)) {
    list.push_back(FindingJson(*f));
  }
  j["attestations"] = std::move(list);
  return j;
}

}  // namespace

std::string AttestationsProblem(const ImageDecision& d, const TrustPolicy& trust) {
  const RequirementResult* r = FirstProblem(d);
  if (r == nullptr) {
    return d.status.message();
  }
  const std::string digest = d.digest ? d.digest->ToString() : "";
  switch (r->code) {
    case Reason::kLookupFailed:
      if (!r->requirement.starts_with("attestation ")) {
        return r->reason;  // resolving the image failed
      }
      return "could not check the attestations of " + digest + ": " +
             (d.subjects.empty() || d.subjects[0].lookup_errors.empty()
                  ? r->reason
                  : d.subjects[0].lookup_errors[0]);
    case Reason::kNoEvidence:
      return "no attestation of type " + AskedType(trust) + " found for " + digest +
             " (looked in " + WhereLooked(d) + ")";
    case Reason::kTrustUnavailable:
      return r->reason;
    default:
      break;
  }
  std::string out = "no attestation of type " + AskedType(trust) + " verified for " + digest;
  for (const EvidenceFinding* f : Findings(d)) {
    if (!f->valid) {
      out += "; " + f->location + ": " + f->detail;
    }
  }
  return out;
}

std::string AttestationsText(const std::vector<ImageDecision>& decisions) {
  std::string out;
  for (const ImageDecision& d : decisions) {
    for (const EvidenceFinding* f : Findings(d)) {
      if (f->valid) {
        out += "Verified " + f->format + " " + f->location + " (" + SignerText(f->signer) + ")\n" +
               f->statement_json + "\n";
      } else {
        out += "Rejected " + f->format + " " + f->location + ": " + f->detail + "\n";
      }
    }
  }
  return out;
}

std::string AttestationsJson(const std::vector<ImageDecision>& decisions,
                             const TrustPolicy& trust) {
  auto json = [&](const ImageDecision& d) {
    return DecisionJson(
        d, d.decision == Decision::kAccepted ? "" : AttestationsProblem(d, trust));
  };
  if (decisions.size() == 1) {
    return DumpJsonPretty(json(decisions[0])) + "\n";
  }
  OrderedJson all = OrderedJson::array();
  for (const ImageDecision& d : decisions) {
    all.push_back(json(d));
  }
  return DumpJsonPretty(all) + "\n";
}

}  // namespace vouch::verify::internal
