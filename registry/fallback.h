// The referrers tag schema's read-modify-write (distribution-spec "Pushing Manifests with
// Subject"), shared by remote repositories and OCI layouts. Internal to the module.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "vouch/core/bytes.h"
#include "vouch/core/status.h"
#include "vouch/registry/client.h"
#include "vouch/registry/manifest.h"
#include "vouch/registry/tag_update.h"

namespace vouch::registry::internal {

// AddToFallbackIndex adds |entry| to the referrers fallback index tagged |tag| in |repo|
// unless a descriptor with its digest is there, keeping every other entry (and unknown fields)
// byte for byte. It is an UpdateTaggedManifest (tag_update.h): If-Match guarded, confirmed by a
// delayed re-read, bounded rounds, kAborted when the race is never won. A tag that holds
// something other than an OCI index is kFailedPrecondition (never overwritten).
Status AddToFallbackIndex(Repository& repo, const std::string& tag, const Descriptor& entry,
                          const TagUpdateOptions& options);

// RemoveFromFallbackIndex removes the entries with digest |referrer| from the fallback index
// tagged |tag|, keeping every other entry byte for byte (same guarded update as
// AddToFallbackIndex). A missing tag, or one without the entry, is left as it is.
Status RemoveFromFallbackIndex(Repository& repo, const std::string& tag, const Digest& referrer,
                               const TagUpdateOptions& options);

// kMaxEmbeddedReferrerBytes: referrer manifests up to this size are embedded in their index
// entry as `data` (a signature or attestation manifest is under 1 KiB).
inline constexpr size_t kMaxEmbeddedReferrerBytes = 4096;

// ReferrerDescriptor builds the index entry for a referrer manifest (artifactType = the
// manifest's artifactType, else its config.mediaType; all its annotations; the manifest itself
// as `data` when it is at most kMaxEmbeddedReferrerBytes).
Result<Descriptor> ReferrerDescriptor(ByteView bytes, std::string_view media_type,
                                      const Digest& digest);

// ParseReferrersIndex parses an index answered by the referrers API or stored in the fallback
// tag; filters to |artifact_type| when non-empty. A document that is not an OCI index yields an
// empty list when |lenient| (fallback tags), else kDataLoss.
Result<std::vector<Descriptor>> ParseReferrersIndex(ByteView bytes,
                                                    std::string_view artifact_type, bool lenient);

}  // namespace vouch::registry::internal
