// `vouch clean`: what an image has attached, listed by kind, then deleted.
#include "vouch/sign/clean.h"

#include <optional>

#include "vouch/attest/bundle.h"
#include "vouch/attest/notation.h"
#include "vouch/attest/statement.h"
#include "vouch/registry/attachments.h"

namespace vouch::sign {
namespace {

constexpr std::string_view kSbomArtifactTypes[] = {"application/spdx+json",
                                                   "application/vnd.cyclonedx+json", "text/spdx",
                                                   "application/vnd.cyclonedx+xml"};

// ReferrerKind is what a referrer's index entry says it is: "signature", "attestation", "sbom",
// or "" (not a kind clean removes). Labels are enough here: nothing is trusted, only selected.
std::string ReferrerKind(const registry::Descriptor& d) {
  if (d.artifact_type == attest::kNotationSignatureArtifactType) {
    return "signature";
  }
  if (d.artifact_type.starts_with(attest::kBundleMediaTypePrefix)) {
    auto it = d.annotations.find(std::string(attest::kBundlePredicateTypeAnnotation));
    return it != d.annotations.end() && it->second == attest::kCosignSignPredicateType
               ? "signature"
               : "attestation";
  }
  for (std::string_view sbom : kSbomArtifactTypes) {
    if (d.artifact_type == sbom) {
      return "sbom";
    }
  }
  return "";
}

bool Selected(CleanType type, std::string_view kind) {
  switch (type) {
    case CleanType::kAll:
      return !kind.empty();
    case CleanType::kSignature:
      return kind == "signature";
    case CleanType::kAttestation:
      return kind == "attestation";
    case CleanType::kSbom:
      return kind == "sbom";
  }
  return false;
}

struct TagKind {
  registry::CosignAttachment attachment;
  std::string_view kind;
};
constexpr TagKind kTagKinds[] = {{registry::CosignAttachment::kSignature, "signature"},
                                 {registry::CosignAttachment::kAttestation, "attestation"},
                                 {registry::CosignAttachment::kSbom, "sbom"}};

}  // namespace

Result<CleanType> ParseCleanType(std::string_view name) {
  if (name == "all") {
    return CleanType::kAll;
  }
  if (name == "signature") {
    return CleanType::kSignature;
  }
  if (name == "attestation") {
    return CleanType::kAttestation;
  }
  if (name == "sbom") {
    return CleanType::kSbom;
  }
  return InvalidArgumentError("--type: want all, signature, attestation or sbom, got \"" +
                              std::string(name) + "\"");
}

Result<CleanPlan> PlanClean(registry::Repository& image, CleanType type) {
  VOUCH_ASSIGN_OR_RETURN(registry::Descriptor root, image.Resolve(image.reference().Identifier()));
  registry::Repository& attached = image.attachments();
  CleanPlan plan;
  plan.digest = root.digest;
  plan.repository = attached.reference().RepositoryName();
  for (const TagKind& t : kTagKinds) {
    if (!Selected(type, t.kind)) {
      continue;
    }
    const std::string tag = registry::CosignTag(root.digest, t.attachment);
    Result<registry::Descriptor> d = attached.Resolve(tag);
    if (!d.ok() && d.status().code() == ErrorCode::kNotFound) {
      continue;
    }
    VOUCH_RETURN_IF_ERROR(d.status());
    plan.items.push_back({std::string(t.kind), "tag " + tag, d->digest, false});
  }
  VOUCH_ASSIGN_OR_RETURN(registry::Referrers refs, attached.ListReferrers(root.digest, ""));
  plan.scheme = refs.scheme;
  for (const registry::Descriptor& d : refs.descriptors) {
    const std::string kind = ReferrerKind(d);
    if (Selected(type, kind)) {
      plan.items.push_back({kind, "referrer " + d.digest.ToString(), d.digest, true});
    }
  }
  return plan;
}

Result<std::vector<CleanItem>> Clean(registry::Repository& image, const CleanPlan& plan,
                                     const registry::TagUpdateOptions& tag_update) {
  registry::Repository& attached = image.attachments();
  std::vector<CleanItem> deleted;
  for (const CleanItem& item : plan.items) {
    Status s = item.referrer ? registry::DeleteReferrer(attached, plan.digest, item.digest,
                                                        plan.scheme, tag_update)
                             : attached.DeleteManifest(item.digest);
    if (!s.ok() && s.code() != ErrorCode::kNotFound) {
      return s.WithContext("deleting " + item.location + " after " +
                           std::to_string(deleted.size()) + " of " +
                           std::to_string(plan.items.size()) + " deletions");
    }
    deleted.push_back(item);
  }
  return deleted;
}

}  // namespace vouch::sign
