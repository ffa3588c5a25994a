// `vouch clean IMAGE`: remove an image's signatures, attestations and SBOMs (cosign clean), from
// the repository that holds them (Repository::attachments). Two steps, so that the CLI can show
// what will go and ask before anything is deleted: PlanClean lists, Clean deletes what the plan
// lists and nothing else (a signature added in between is left alone).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "vouch/core/digest.h"
#include "vouch/core/status.h"
#include "vouch/registry/client.h"
#include "vouch/registry/tag_update.h"

namespace vouch::sign {

// CleanType is cosign clean's --type.
enum class CleanType { kAll, kSignature, kAttestation, kSbom };

// ParseCleanType maps "all", "signature", "attestation", "sbom"; anything else is
// kInvalidArgument.
Result<CleanType> ParseCleanType(std::string_view name);

// CleanItem is one object to delete.
struct CleanItem {
  std::string kind;                // "signature", "attestation" or "sbom"
  std::string location;            // "tag sha256-<hex>.sig" or "referrer sha256:…"
  Digest digest = Digest::Of({});  // the manifest deleted
  bool referrer = false;
};

// CleanPlan is what PlanClean found for the image's digest.
struct CleanPlan {
  Digest digest = Digest::Of({});  // the image's
  std::string repository;          // where the attachments are ("registry/path" or "oci:PATH")
  std::vector<CleanItem> items;
  registry::ReferrersScheme scheme = registry::ReferrersScheme::kApi;
};

// PlanClean resolves the image and lists what |type| selects: the cosign `.sig`, `.att`, `.sbom`
// tags, and the referrers that are signatures (Sigstore bundles whose predicateType annotation
// is cosign's sign/v1, Notation signatures), attestations (other Sigstore bundles) or SBOMs
// (SPDX and CycloneDX artifacts). Other referrers are never listed. Registry errors keep their
// codes; nothing is changed.
Result<CleanPlan> PlanClean(registry::Repository& image, CleanType type);

// Clean deletes every item of |plan|: tags by their manifest's digest, referrers with
// registry::DeleteReferrer (fallback index first). It stops at the first failure, returning it
// with what was deleted so far in its message; an item already gone counts as deleted.
Result<std::vector<CleanItem>> Clean(registry::Repository& image, const CleanPlan& plan,
                                     const registry::TagUpdateOptions& tag_update = {});

}  // namespace vouch::sign
