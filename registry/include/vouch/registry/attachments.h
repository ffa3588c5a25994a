// Where an image's attachments are and how one is taken away: the naming `vouch triangulate`
// prints and the deletions `vouch clean` makes. The attachments of an image live in
// Repository::attachments() (beside the image, or in --attachment-repository).
#pragma once

#include <optional>

#include "vouch/core/digest.h"
#include "vouch/core/status.h"
#include "vouch/registry/client.h"
#include "vouch/registry/reference.h"
#include "vouch/registry/tag_update.h"

namespace vouch::registry {

// Triangulate resolves |image|'s reference and returns where its attachment of |kind| is stored:
// the cosign tag (CosignTag) in the attachment repository, or, for nullopt (cosign's
// `--type digest`), the image itself by digest. Nothing is fetched but the digest (one HEAD);
// whether the tag exists is not checked, as cosign does not.
Result<Reference> Triangulate(Repository& image, std::optional<CosignAttachment> kind);

// DeleteReferrer removes the referrer manifest |referrer| of |subject| from |repo|. When the
// referrers were listed from the fallback tag (|scheme| kFallbackTag), its entry is first taken
// out of the subject's fallback index (race-safe, every other entry kept), so that no reader is
// left with an entry whose manifest is gone; then the manifest is deleted by digest. A manifest
// already gone counts as deleted. Registry errors keep their codes (a registry that refuses
// deletes answers 405: kUnimplemented or kPermissionDenied, as its client maps it).
Status DeleteReferrer(Repository& repo, const Digest& subject, const Digest& referrer,
                      ReferrersScheme scheme, const TagUpdateOptions& options = {});

}  // namespace vouch::registry
