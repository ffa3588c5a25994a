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
#include "vouch/registry/manifest.h"

namespace vouch::registry::internal {

// FallbackIndex is the current content of the sha256-<hex> tag and its ETag ("" when none).
struct FallbackIndex {
  Bytes bytes;
  std::string etag;
};

// FallbackStore reads and conditionally writes the fallback tag.
struct FallbackStore {
  // read returns nullopt when the tag does not exist.
  std::function<Result<std::optional<FallbackIndex>>()> read;
  // write stores |bytes| if the tag still has |etag| ("" = no condition); a lost race is
  // kAborted (HTTP 412).
  std::function<Status(const Bytes& bytes, const std::string& etag)> write;
};

// kMaxFallbackRounds bounds the read-merge-write-confirm loop.
inline constexpr int kMaxFallbackRounds = 8;

// AddToFallbackIndex adds |entry| to the index unless a descriptor with its digest is there,
// keeping every other entry (and unknown fields) byte for byte, then re-reads to confirm the
// entry is present. Retries on 412 and on a lost entry; kAborted after kMaxFallbackRounds.
Status AddToFallbackIndex(const FallbackStore& store, const Descriptor& entry);

// ReferrerDescriptor builds the index entry for a referrer manifest (artifactType = the
// manifest's artifactType, else its config.mediaType; all its annotations).
Result<Descriptor> ReferrerDescriptor(ByteView bytes, std::string_view media_type,
                                      const Digest& digest);

// ParseReferrersIndex parses an index answered by the referrers API or stored in the fallback
// tag; filters to |artifact_type| when non-empty. A document that is not an OCI index yields an
// empty list when |lenient| (fallback tags), else kDataLoss.
Result<std::vector<Descriptor>> ParseReferrersIndex(ByteView bytes,
                                                    std::string_view artifact_type, bool lenient);

}  // namespace vouch::registry::internal
