// The `vouch verify` shape: per image, per manifest checked, every signature found with its
// fate (docs/image-signing.md, "Output").
#include "core/internal/json.h"
#include "render/shapes.h"

namespace vouch::verify::internal {
namespace {

std::string_view OutcomeWord(Outcome o) {
  constexpr std::string_view kWords[] = {"verified", "rejected", "rejected", "error"};  // by Outcome
  const auto i = static_cast<size_t>(o);
  return i < std::size(kWords) ? kWords[i] : "error";
}

// SignatureResults returns the signature requirement's result per subject (nullptr where none).
std::vector<const RequirementResult*> SignatureResults(const ImageDecision& d) {
  std::vector<const RequirementResult*> out(d.subjects.size(), nullptr);
  for (const RequirementResult& r : d.results) {
    if (r.requirement == "signatures" && r.subject < out.size()) {
      out[r.subject] = &r;
    }
  }
  return out;
}

// ManifestMessage says why one manifest failed, in `vouch verify`'s words.
std::string ManifestMessage(const ImageDecision& d, const RequirementResult& r) {
  const std::string digest = d.subjects[r.subject].digest.ToString();
  switch (r.code) {
    case Reason::kNone:
      return "";
    case Reason::kNoneValid:
      return "no valid signature for " + digest + ": " + std::to_string(r.findings.size()) +
             " found, none valid";
    case Reason::kThresholdNotMet:
      return "only " + std::to_string(r.signers) + " of the " + std::to_string(r.threshold) +
             " required trusted keys signed " + digest;
    default:
      return r.reason;
  }
}

std::string FindingText(const EvidenceFinding& f) {
  std::string out = "    " + f.format + "  " + f.location + "  ";
  if (f.valid) {
    return out + SignerText(f.signer) + "  valid\n";
  }
  return out + "invalid: " + f.detail + "\n";
}

}  // namespace

std::string SignaturesProblem(const ImageDecision& d) {
  const RequirementResult* r = FirstProblem(d);
  if (r == nullptr) {
    return d.status.message();
  }
  return r->requirement == "signatures" ? ManifestMessage(d, *r) : r->reason;
}

std::string SignaturesText(const std::vector<ImageDecision>& decisions) {
  std::string out;
  for (const ImageDecision& d : decisions) {
    out += d.image + (d.digest ? "@" + d.digest->ToString() : "") + ": " +
           std::string(StatusWord(d.decision));
    if (d.decision != Decision::kAccepted) {
      out += ": " + SignaturesProblem(d);
    }
    out += "\n";
    std::vector<const RequirementResult*> results = SignatureResults(d);
    for (size_t i = 0; i < d.subjects.size(); ++i) {
      const SubjectReport& m = d.subjects[i];
      if (results[i] != nullptr) {
        const RequirementResult& r = *results[i];
        out += "  " + (m.platform.empty() ? "" : m.platform + " ") + m.digest.ToString() + ": " +
               std::string(OutcomeWord(r.outcome)) + " (" + std::to_string(r.signers) +
               " trusted key" + (r.signers == 1 ? "" : "s") + ")\n";
        for (const EvidenceFinding& f : r.findings) {
          out += FindingText(f);
        }
      }
      for (const std::string& e : m.lookup_errors) {
        out += "    lookup failed: " + e + "\n";
      }
    }
  }
  return out;
}

std::string SignaturesJson(const std::vector<ImageDecision>& decisions, const TrustPolicy& trust) {
  size_t threshold = 0;
  for (const policy::ScopePolicy& sp : trust.policy().policies) {
    if (sp.signatures) {
      threshold = sp.signatures->threshold;
    }
  }
  OrderedJson images = OrderedJson::array();
  bool all = !decisions.empty();
  for (const ImageDecision& d : decisions) {
    all = all && d.decision == Decision::kAccepted;
    OrderedJson ji = OrderedJson::object();
    ji["image"] = d.image;
    ji["digest"] = d.digest ? OrderedJson(d.digest->ToString()) : OrderedJson(nullptr);
    ji["verified"] = d.decision == Decision::kAccepted;
    ji["status"] = StatusWord(d.decision);
    ji["error"] = d.decision == Decision::kAccepted ? "" : SignaturesProblem(d);
    ji["errorCode"] = d.status.ok() ? "" : std::string(ErrorCodeName(d.status.code()));
    OrderedJson ms = OrderedJson::array();
    std::vector<const RequirementResult*> results = SignatureResults(d);
    for (size_t i = 0; i < d.subjects.size(); ++i) {
      const SubjectReport& m = d.subjects[i];
      const RequirementResult* r = results[i];
      OrderedJson jm = OrderedJson::object();
      jm["digest"] = m.digest.ToString();
      jm["mediaType"] = m.media_type;
      jm["platform"] = m.platform;
      jm["verified"] = r != nullptr && r->outcome == Outcome::kPass;
      jm["validKeys"] = r != nullptr ? r->signers : 0;
      jm["referrersScheme"] = m.referrers_scheme;
      jm["lookupErrors"] = m.lookup_errors;
      OrderedJson sigs = OrderedJson::array();
      for (const EvidenceFinding& f : r != nullptr ? r->findings : std::vector<EvidenceFinding>{}) {
        OrderedJson js = OrderedJson::object();
        js["format"] = f.format;
        js["location"] = f.location;
        js["keyId"] = f.valid ? f.signer.key_id : "";
        if (f.valid && !f.signer.identity.empty()) {
          js["identity"] = f.signer.identity;
        }
        js["valid"] = f.valid;
        js["reason"] = f.detail;
        js["code"] = ReasonName(f.reason);
        sigs.push_back(std::move(js));
      }
      jm["signatures"] = std::move(sigs);
      ms.push_back(std::move(jm));
    }
    ji["manifests"] = std::move(ms);
    images.push_back(std::move(ji));
  }
  OrderedJson j = OrderedJson::object();
  j["schemaVersion"] = 1;
  j["verified"] = all;
  j["threshold"] = threshold;
  j["images"] = std::move(images);
  return DumpJsonPretty(j) + "\n";
}

}  // namespace vouch::verify::internal
