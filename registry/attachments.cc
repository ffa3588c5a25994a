#include "vouch/registry/attachments.h"

#include "fallback.h"

namespace vouch::registry {

Result<Reference> Triangulate(Repository& image, std::optional<CosignAttachment> kind) {
  const Reference& ref = image.reference();
  VOUCH_ASSIGN_OR_RETURN(Descriptor root, image.Resolve(ref.Identifier()));
  if (!kind) {
    return ref.WithDigest(root.digest);
  }
  return image.attachments().reference().WithTag(CosignTag(root.digest, *kind));
}

Status DeleteReferrer(Repository& repo, const Digest& subject, const Digest& referrer,
                      ReferrersScheme scheme, const TagUpdateOptions& options) {
  if (scheme == ReferrersScheme::kFallbackTag) {
    VOUCH_RETURN_IF_ERROR(
        internal::RemoveFromFallbackIndex(repo, FallbackTag(subject), referrer, options));
  }
  Status deleted = repo.DeleteManifest(referrer);
  if (!deleted.ok() && deleted.code() != ErrorCode::kNotFound) {
    return deleted.WithContext("deleting referrer " + referrer.ToString());
  }
  return OkStatus();
}

}  // namespace vouch::registry
