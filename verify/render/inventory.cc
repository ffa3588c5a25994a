// The `vouch inspect` shape: every signature and attestation of each manifest, with its signer
// (verified, or as claimed), its predicate type and, for SLSA provenance, what it says
// (docs/provenance.md, "inspect").
#include "core/internal/json.h"
#include "render/shapes.h"
#include "vouch/attest/provenance.h"
#include "vouch/attest/statement.h"

namespace vouch::verify::internal {
namespace {

std::string Time(const std::optional<TimePoint>& t) { return t ? FormatRfc3339(*t) : ""; }

// BaseImages returns the dependencies other than the source, as "uri@sha256:…".
std::vector<std::string> BaseImages(const attest::NormalizedProvenance& p) {
  std::vector<std::string> out;
  for (const attest::ResourceDescriptor& d : p.dependencies) {
    std::string uri = d.uri.empty() ? d.name : d.uri;
    if (uri.starts_with("git+")) {
      continue;
    }
    for (const auto& [alg, hex] : d.digest) {
      if (alg == "sha256") {
        uri += "@sha256:" + hex;
      }
    }
    out.push_back(uri);
  }
  return out;
}

std::optional<attest::NormalizedProvenance> Provenance(const EvidenceFinding& f) {
  if (f.statement_json.empty() || !attest::IsProvenanceType(f.predicate_type)) {
    return std::nullopt;
  }
  auto st = attest::Statement::Parse(f.statement_json);
  if (!st.ok()) {
    return std::nullopt;
  }
  auto p = attest::NormalizeProvenance(st->predicate_type(), st->predicate_json());
  return p.ok() ? std::optional<attest::NormalizedProvenance>(std::move(*p)) : std::nullopt;
}

// SignerName is the key id vouch prints everywhere, or the certificate identity.
std::string SignerName(const EvidenceFinding& f) {
  if (!f.is_signed) {
    return "none (unsigned)";
  }
  const Signer& s = f.signer;
  if (!s.identity.empty()) {
    return s.identity;
  }
  return s.key_id.empty() ? "unknown" : s.key_id;
}

std::string ProvenanceText(const attest::NormalizedProvenance& p, const std::string& pad) {
  std::string out = pad + "builder: " + p.builder_id + "\n" + pad + "build type: " + p.build_type +
                    "\n" + pad + "source: " + p.source_uri +
                    (p.source_ref.empty() ? "" : " @ " + p.source_ref) + "\n" + pad +
                    "commit: " + p.source_digest + "\n";
  for (const std::string& b : BaseImages(p)) {
    out += pad + "base image: " + b + "\n";
  }
  return out + pad + "started: " + Time(p.started_on) + "\n" + pad +
         "finished: " + Time(p.finished_on) + "\n";
}

std::string ObjectText(const EvidenceFinding& f, bool checked, const std::string& pad) {
  std::string out = pad + f.kind + "  " + f.format + "  " + f.location + "\n";
  out += pad + "  signer: " + SignerName(f);
  if (checked) {
    out += f.valid ? "  verified" : "  NOT verified";
  } else if (f.signer.key_id.size() + f.signer.identity.size() > 0) {
    out += "  (claimed, not verified)";
  }
  out += "\n";
  if (!f.detail.empty() && !f.valid) {
    out += pad + "  reason: " + f.detail + "\n";
  }
  if (!f.predicate_type.empty()) {
    out += pad + "  predicate type: " + f.predicate_type + "\n";
  }
  if (auto p = Provenance(f)) {
    out += ProvenanceText(*p, pad + "  ");
  }
  return out;
}

OrderedJson ProvenanceJson(const attest::NormalizedProvenance& p) {
  OrderedJson pj = OrderedJson::object();
  pj["builderId"] = p.builder_id;
  pj["buildType"] = p.build_type;
  pj["sourceUri"] = p.source_uri;
  pj["sourceRef"] = p.source_ref;
  pj["sourceCommit"] = p.source_digest;
  pj["baseImages"] = BaseImages(p);
  pj["startedOn"] = Time(p.started_on);
  pj["finishedOn"] = Time(p.finished_on);
  return pj;
}

OrderedJson ObjectJson(const ImageDecision& d, const EvidenceFinding& f, bool checked) {
  OrderedJson a = OrderedJson::object();
  a["kind"] = f.kind;
  a["format"] = f.format;
  a["location"] = f.location;
  a["manifest"] = d.subjects[f.subject].digest.ToString();
  a["platform"] = d.subjects[f.subject].platform;
  a["signer"] = SignerName(f);
  a["verified"] = checked ? OrderedJson(f.valid) : OrderedJson(nullptr);
  a["reason"] = f.valid ? "" : f.detail;
  a["predicateType"] = f.predicate_type;
  auto p = Provenance(f);
  a["provenance"] = p ? ProvenanceJson(*p) : OrderedJson(nullptr);
  return a;
}

}  // namespace

std::string InventoryText(const std::vector<ImageDecision>& decisions, const TrustPolicy& trust) {
  const bool checked = !trust.Authorities().empty();
  std::string out;
  for (const ImageDecision& d : decisions) {
    out += d.image + (d.digest ? "@" + d.digest->ToString() : "") + "\n";
    for (size_t s = 0; s < d.subjects.size(); ++s) {
      const std::string pad = s == 0 ? "  " : "    ";
      if (s > 0) {
        out += "  " + d.subjects[s].platform + (d.subjects[s].platform.empty() ? "" : " ") +
               d.subjects[s].digest.ToString() + "\n";
      }
      for (const EvidenceFinding& f : d.inventory) {
        if (f.subject == s) {
          out += ObjectText(f, checked, pad);
        }
      }
      for (const std::string& e : d.subjects[s].lookup_errors) {
        out += pad + "lookup failed: " + e + "\n";
      }
    }
    if (d.subjects.empty() && !d.status.ok()) {
      out += "  error: " + d.status.message() + "\n";
    }
  }
  return out;
}

std::string InventoryJson(const std::vector<ImageDecision>& decisions, const TrustPolicy& trust) {
  const bool checked = !trust.Authorities().empty();
  OrderedJson all = OrderedJson::array();
  for (const ImageDecision& d : decisions) {
    OrderedJson j = OrderedJson::object();
    j["schemaVersion"] = 1;
    j["image"] = d.image;
    j["digest"] = d.digest ? OrderedJson(d.digest->ToString()) : OrderedJson(nullptr);
    j["referrersScheme"] = d.subjects.empty() ? "" : d.subjects[0].referrers_scheme;
    std::vector<std::string> errors;
    OrderedJson manifests = OrderedJson::array();
    for (const SubjectReport& m : d.subjects) {
      errors.insert(errors.end(), m.lookup_errors.begin(), m.lookup_errors.end());
      manifests.push_back(OrderedJson{{"digest", m.digest.ToString()},
                                      {"mediaType", m.media_type},
                                      {"platform", m.platform},
                                      {"referrersScheme", m.referrers_scheme},
                                      {"lookupErrors", m.lookup_errors}});
    }
    j["lookupErrors"] = errors;
    j["error"] = d.status.ok() ? "" : d.status.message();
    j["manifests"] = std::move(manifests);
    OrderedJson list = OrderedJson::array();
    for (const EvidenceFinding& f : d.inventory) {
      list.push_back(ObjectJson(d, f, checked));
    }
    j["objects"] = std::move(list);
    all.push_back(std::move(j));
  }
  return DumpJsonPretty(decisions.size() == 1 ? all[0] : all) + "\n";
}

}  // namespace vouch::verify::internal
