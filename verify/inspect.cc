#include "vouch/verify/inspect.h"

#include <utility>

#include "core/internal/json.h"
#include "lookup.h"
#include "vouch/attest/simple_signing.h"
#include "vouch/attest/statement.h"
#include "vouch/verify/attestation.h"
#include "vouch/verify/image.h"

namespace vouch::verify {
namespace {

// Describe fills the predicate type and provenance of |o| from a statement payload.
void Describe(ByteView payload, InspectedObject& o) {
  auto st = attest::Statement::Parse(AsChars(payload));
  if (!st.ok()) {
    if (o.reason.empty()) {
      o.reason = "statement is malformed: " + st.status().message();
    }
    return;
  }
  o.predicate_type = st->predicate_type();
  o.kind = o.predicate_type == attest::kCosignSignPredicateType ? "signature" : "attestation";
  if (attest::IsProvenanceType(o.predicate_type)) {
    auto p = attest::NormalizeProvenance(o.predicate_type, st->predicate_json());
    if (p.ok()) {
      o.provenance = std::move(*p);
    }
  }
}

InspectedObject Inspect(const internal::AttachedObject& a, const Digest& subject,
                        const InspectRequest& req) {
  InspectedObject o;
  o.format = a.format;
  o.location = a.location;
  o.kind = a.legacy_signature ? "signature" : "attestation";
  o.predicate_type = a.annotated_type;
  o.signer = "unknown";
  if (!a.fetched) {
    o.reason = a.problem;
    if (!req.keys.empty()) {
      o.verified = false;
    }
    return o;
  }
  const bool check = !req.keys.empty();
  if (a.legacy_signature) {
    o.predicate_type = "";
    for (const keys::Verifier& k : req.keys) {
      if (VerifySimpleSigning(a.payload, a.signature_b64, k, subject).ok()) {
        o.signer = k.KeyId();
        break;
      }
    }
    if (check) {
      o.verified = o.signer != "unknown";
      if (!*o.verified) {
        o.reason = "signature does not verify with any trusted key, or is not for this digest";
      }
    }
    return o;
  }
  const attest::DsseEnvelope* env = nullptr;
  if (a.bundle) {
    if (a.bundle->IsMessageSignature()) {
      o.kind = "signature";
      o.reason = "a message-signature bundle";
      if (check) {
        o.verified = false;
      }
      return o;
    }
    env = &std::get<attest::DsseEnvelope>(a.bundle->content);
    if (!a.bundle->verification_material.public_key_hint.empty()) {
      o.signer = a.bundle->verification_material.public_key_hint;
    }
  } else {
    env = &*a.envelope;
  }
  Describe(env->payload, o);
  if (check && !o.predicate_type.empty()) {
    auto v = VerifyAttestationEnvelope(*env, subject, req.keys, o.predicate_type);
    o.verified = v.ok();
    if (v.ok()) {
      o.signer = v->key_id;
    } else {
      o.reason = v.status().message();
    }
  } else if (check) {
    o.verified = false;
  }
  return o;
}

std::string Time(const std::optional<TimePoint>& t) { return t ? FormatRfc3339(*t) : ""; }

// BaseImages returns the dependencies other than the source.
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

}  // namespace

InspectReport InspectImage(registry::Repository& repo, const InspectRequest& request) {
  InspectReport report;
  report.image = repo.reference().ToString();
  auto root = repo.Resolve(repo.reference().Identifier());
  if (!root.ok()) {
    report.status = root.status();
    return report;
  }
  report.digest = root->digest;
  internal::AttachedObjects found =
      internal::CollectAttached(repo, root->digest, true, true, nullptr, request.parallelism);
  report.referrers_scheme = found.referrers_scheme;
  report.lookup_errors = found.lookup_errors;
  report.status = found.status;
  for (const internal::AttachedObject& a : found.objects) {
    report.objects.push_back(Inspect(a, root->digest, request));
  }
  return report;
}

std::string InspectReportToText(const InspectReport& r) {
  std::string out = r.image + (r.digest ? "@" + r.digest->ToString() : "") + "\n";
  for (const InspectedObject& o : r.objects) {
    out += "  " + o.kind + "  " + o.format + "  " + o.location + "\n";
    out += "    signer: " + o.signer;
    if (o.verified) {
      out += *o.verified ? "  verified" : "  NOT verified";
    }
    out += "\n";
    if (!o.reason.empty()) {
      out += "    reason: " + o.reason + "\n";
    }
    if (!o.predicate_type.empty()) {
      out += "    predicate type: " + o.predicate_type + "\n";
    }
    if (o.provenance) {
      const attest::NormalizedProvenance& p = *o.provenance;
      out += "    builder: " + p.builder_id + "\n    build type: " + p.build_type +
             "\n    source: " + p.source_uri + (p.source_ref.empty() ? "" : " @ " + p.source_ref) +
             "\n    commit: " + p.source_digest + "\n";
      for (const std::string& b : BaseImages(p)) {
        out += "    base image: " + b + "\n";
      }
      out += "    started: " + Time(p.started_on) + "\n    finished: " + Time(p.finished_on) + "\n";
    }
  }
  for (const std::string& e : r.lookup_errors) {
    out += "  lookup failed: " + e + "\n";
  }
  return out;
}

std::string InspectReportToJson(const InspectReport& r) {
  OrderedJson j = OrderedJson::object();
  j["image"] = r.image;
  j["digest"] = r.digest ? OrderedJson(r.digest->ToString()) : OrderedJson(nullptr);
  j["referrersScheme"] = r.referrers_scheme;
  j["lookupErrors"] = r.lookup_errors;
  j["error"] = r.status.ok() ? "" : r.status.message();
  OrderedJson list = OrderedJson::array();
  for (const InspectedObject& o : r.objects) {
    OrderedJson a = OrderedJson::object();
    a["kind"] = o.kind;
    a["format"] = o.format;
    a["location"] = o.location;
    a["signer"] = o.signer;
    a["verified"] = o.verified ? OrderedJson(*o.verified) : OrderedJson(nullptr);
    a["reason"] = o.reason;
    a["predicateType"] = o.predicate_type;
    if (o.provenance) {
      const attest::NormalizedProvenance& p = *o.provenance;
      OrderedJson pj = OrderedJson::object();
      pj["builderId"] = p.builder_id;
      pj["buildType"] = p.build_type;
      pj["sourceUri"] = p.source_uri;
      pj["sourceRef"] = p.source_ref;
      pj["sourceCommit"] = p.source_digest;
      pj["baseImages"] = BaseImages(p);
      pj["startedOn"] = Time(p.started_on);
      pj["finishedOn"] = Time(p.finished_on);
      a["provenance"] = std::move(pj);
    } else {
      a["provenance"] = nullptr;
    }
    list.push_back(std::move(a));
  }
  j["objects"] = std::move(list);
  return DumpJsonPretty(j) + "\n";
}

}  // namespace vouch::verify
