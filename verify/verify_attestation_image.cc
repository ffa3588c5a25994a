#include <utility>

#include "core/internal/json.h"
#include "lookup.h"
#include "object_checks.h"
#include "sigstore/image_keyless.h"
#include "vouch/attest/statement.h"
#include "vouch/verify/attestation.h"
#include "vouch/verify/image_attestation.h"

namespace vouch::verify {
namespace {

std::string WrongType(std::string_view have, std::string_view want) {
  return "predicate type \"" + std::string(have) + "\" is not the expected \"" +
         std::string(want) + "\"";
}

AttestationFinding Check(const internal::AttachedObject& o, const Digest& subject,
                         const VerifyImageAttestationRequest& req) {
  AttestationFinding f;
  f.format = o.format;
  f.location = o.location;
  if (!o.fetched) {
    f.reason = o.problem == "not fetched" ? WrongType(o.annotated_type, req.predicate_type)
                                          : o.problem;
    return f;
  }
  std::span<const std::string> types(&req.predicate_type, 1);
  Result<VerifiedAttestation> v = [&]() -> Result<VerifiedAttestation> {
    if (req.identities.empty()) {
      return internal::CheckAttestationObject(o, subject, req.keys, types);
    }
    internal::CertificateTrust trust;
    trust.root = req.trusted_root;
    trust.identities = req.identities;
    return internal::CheckAttestationObjectCert(o, subject, trust, types);
  }();
  if (!v.ok()) {
    f.reason = v.status().message();
    return f;
  }
  if (attest::IsProvenanceType(v->statement.predicate_type())) {
    if (Status st = CheckSlsa(*v, req.slsa); !st.ok()) {
      f.key_id = v->key_id;
      f.reason = st.message();
      return f;
    }
  }
  f.key_id = v->key_id;
  if (!req.annotations.empty()) {
    Status st = internal::CheckAnnotations(internal::SubjectAnnotations(v->statement, subject),
                                           req.annotations);
    if (!st.ok()) {
      f.reason = st.message();
      return f;
    }
  }
  f.valid = true;
  f.statement_json = std::string(AsChars(v->payload));
  return f;
}

}  // namespace

ImageAttestationReport VerifyImageAttestations(registry::Repository& repo,
                                               const VerifyImageAttestationRequest& request) {
  ImageAttestationReport report;
  report.image = repo.reference().ToString();
  if ((request.keys.empty() && request.identities.empty()) || request.predicate_type.empty()) {
    report.status = InvalidArgumentError(
        "verify-attestation needs a key (or a certificate identity) and a predicate type");
    return report;
  }
  if (!request.identities.empty() && request.trusted_root == nullptr) {
    report.status =
        InvalidArgumentError("no trusted root: pass --trusted-root FILE or set VOUCH_TRUSTED_ROOT");
    return report;
  }
  auto root = repo.Resolve(repo.reference().Identifier());
  if (!root.ok()) {
    report.status = root.status();
    return report;
  }
  report.digest = root->digest;
  auto fetch = [&](std::string_view type) { return type.empty() || type == request.predicate_type; };
  internal::AttachedObjects found =
      internal::CollectAttached(repo, root->digest, false, true, fetch, request.parallelism);
  report.referrers_scheme = found.referrers_scheme;
  report.lookup_errors = found.lookup_errors;
  bool any_valid = false;
  for (const internal::AttachedObject& o : found.objects) {
    if (o.annotated_type == attest::kCosignSignPredicateType) {
      continue;  // a signature, not an attestation
    }
    if (o.bundle && o.bundle->IsMessageSignature()) {
      continue;
    }
    report.attestations.push_back(Check(o, root->digest, request));
    any_valid = any_valid || report.attestations.back().valid;
  }
  if (any_valid) {
    return report;  // lookup errors stay listed
  }
  if (!found.status.ok()) {
    report.status = found.status.WithContext("could not check the attestations of " +
                                             root->digest.ToString());
    return report;
  }
  const std::string att_tag = std::string(HashAlgorithmName(root->digest.algorithm())) + "-" +
                              root->digest.Hex() + ".att";
  if (report.attestations.empty()) {
    report.status = VerificationFailedError(
        "no attestations found for " + root->digest.ToString() + " (looked in referrers (" +
        report.referrers_scheme + ") and " + att_tag + ")");
    return report;
  }
  std::string reasons;
  for (const AttestationFinding& f : report.attestations) {
    reasons += "; " + f.location + ": " + f.reason;
  }
  report.status = VerificationFailedError("no attestation of type " + request.predicate_type +
                                          " verified for " + root->digest.ToString() + reasons);
  return report;
}

std::string ImageAttestationReportToJson(const ImageAttestationReport& r) {
  OrderedJson j = OrderedJson::object();
  j["image"] = r.image;
  j["digest"] = r.digest ? OrderedJson(r.digest->ToString()) : OrderedJson(nullptr);
  j["verified"] = r.status.ok();
  j["error"] = r.status.ok() ? "" : r.status.message();
  j["errorCode"] = r.status.ok() ? "" : std::string(ErrorCodeName(r.status.code()));
  j["referrersScheme"] = r.referrers_scheme;
  j["lookupErrors"] = r.lookup_errors;
  OrderedJson list = OrderedJson::array();
  for (const AttestationFinding& f : r.attestations) {
    OrderedJson a = OrderedJson::object();
    a["format"] = f.format;
    a["location"] = f.location;
    a["keyId"] = f.key_id;
    a["valid"] = f.valid;
    a["reason"] = f.reason;
    if (f.valid) {
      auto st = ParseOrderedJson(f.statement_json, "statement");
      a["statement"] = st.ok() ? *st : OrderedJson(nullptr);
    } else {
      a["statement"] = nullptr;
    }
    list.push_back(std::move(a));
  }
  j["attestations"] = std::move(list);
  return DumpJsonPretty(j) + "\n";
}

}  // namespace vouch::verify
