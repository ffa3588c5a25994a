// cosign's tag-stored attachments (formats.md 3.2 - 3.4): the `sha256-<hex>.sig` and `.att`
// manifests, whose layers are the signatures / attestations of one image digest and which every
// signer, attester and copy adds layers to. The one place that knows how layers are added to
// such a manifest without dropping any: `vouch sign` / `attest` add one layer, `vouch copy` /
// `promote` add the source's layers to what the destination already has.
#pragma once

#include <optional>
#include <string_view>

#include "vouch/core/bytes.h"
#include "vouch/core/status.h"
#include "vouch/registry/client.h"
#include "vouch/registry/tag_update.h"

namespace vouch::registry {

// kCosignConfigMediaType is the config media type of cosign's `.sig` / `.att` manifests.
inline constexpr std::string_view kCosignConfigMediaType =
    "application/vnd.oci.image.config.v1+json";

// AppendCosignLayers returns the document to store under a `.sig` / `.att` tag: |current| (the
// manifest the tag holds; nullopt for a new OCI image manifest) with each layer of |addition|
// that |current| lacks appended after its own layers, in |addition|'s order and with each
// layer's JSON (annotations included) exactly as |addition| has it, and the config rebuilt as
// cosign writes it (diff_ids = every layer digest, in order; the config blob is pushed to |repo|
// unless it is there). Layers and other fields of |current| are kept as they are. |addition| is
// manifest JSON of which only "layers" is read; the layers' blobs must already be in |repo|.
//
// A layer counts as present when |current| has one with the same digest AND the same
// annotations: two keys that sign the same simple-signing payload make two layers with one
// digest, which differ only in their signature annotation, and both must stay.
//
// Returns nullopt when |current| already holds every layer (nothing to write).
// Errors: |current| that is not an image manifest (an index, not JSON, not an object) is
// kFailedPrecondition: it is never overwritten; an |addition| that is not a manifest with a
// "layers" array is kInvalidArgument; a failed config push keeps its code.
Result<std::optional<ManifestUpdate>> AppendCosignLayers(Repository& repo,
                                                        const std::optional<Manifest>& current,
                                                        ByteView addition);

// PushBlobIfMissing uploads a blob unless |repo| has it. Concurrent writers of one cosign tag
// push identical config (and payload) blobs; skipping what is there keeps them from committing
// the same blob at once, which distribution 2.8 can answer with a spurious 400.
Status PushBlobIfMissing(Repository& repo, const Digest& digest, ByteView data);

// HasCosignLayers reports whether |served| holds every layer of |addition| (same digest and
// same annotations): the confirmation of a write made with AppendCosignLayers.
bool HasCosignLayers(const Manifest& served, ByteView addition);

}  // namespace vouch::registry
