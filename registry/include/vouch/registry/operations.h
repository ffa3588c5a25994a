// Multi-request operations built on Repository: copying an image with what is attached to it,
// and listing what is attached (`vouch copy`, `vouch tree`).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "vouch/core/status.h"
#include "vouch/registry/client.h"
#include "vouch/registry/tag_update.h"

namespace vouch::registry {

// CopyProgress is reported once the blobs to move are known and after each blob is handled.
struct CopyProgress {
  uint64_t blobs_done = 0;
  uint64_t blobs_total = 0;
  uint64_t bytes_copied = 0;  // bytes downloaded and uploaded (not skipped or mounted)
  // bytes_done counts the sizes of the blobs handled, however (copied, skipped, mounted), out of
  // bytes_total, the sizes the manifests declare: what a progress bar measures.
  uint64_t bytes_done = 0;
  uint64_t bytes_total = 0;
};

struct CopyOptions {
  // platform, when set, copies only that child of an index; the destination then names the
  // child manifest.
  std::optional<Platform> platform;
  // parallelism is how many blobs move at once.
  int parallelism = 4;
  // with_attachments copies referrers (fallback-index entries) and cosign .sig/.att/.sbom tags.
  // What the destination already has is never replaced: referrers are added to its referrers
  // (the fallback index is updated, never overwritten), the source's .sig/.att layers are added
  // to the destination's tag (registry::AppendCosignLayers), and a .sbom tag is written only
  // where the destination has none or the same one (see CopyImage).
  bool with_attachments = true;
  // tag_update bounds the race-safe writes of cosign tags (tests shorten its waits).
  TagUpdateOptions tag_update;
  std::function<void(const CopyProgress&)> progress;
  // in_memory_blob_bytes: blobs up to this size are copied through memory (FetchBlob/PushBlob);
  // larger ones, and blobs of unknown size, stream GET -> temp file -> upload with memory
  // bounded regardless of their size (FetchBlobStream/PushBlobStream). The digest is verified
  // while streaming, before the upload starts.
  uint64_t in_memory_blob_bytes = 4 << 20;
  // spool_dir is where streamed blobs are spooled (mode 0600, unlinked at once, so nothing is
  // left behind); default $TMPDIR, else /tmp.
  std::string spool_dir;
};

struct CopyResult {
  Digest digest = Digest::Of({});  // of the manifest the destination now names
  uint64_t blobs_copied = 0;
  uint64_t blobs_skipped = 0;  // present at the destination already
  uint64_t blobs_mounted = 0;
  uint64_t bytes_copied = 0;
  uint64_t manifests_pushed = 0;
  // referrers_copied were pushed; referrers_present were listed among the destination's
  // referrers of their subject already, so they were not pushed again.
  uint64_t referrers_copied = 0;
  uint64_t referrers_present = 0;
  // Cosign tags by what happened at the destination: tags_copied did not exist there and now
  // hold the source's manifest as it is (same digest); tags_merged existed and had the source's
  // missing layers appended after their own; tags_present already held every source layer (or,
  // for .sbom, the same manifest), so nothing was written.
  std::vector<std::string> tags_copied;
  std::vector<std::string> tags_merged;
  std::vector<std::string> tags_present;
};

// CopyImage copies |src|'s image to |dst| preserving digests: every blob before any manifest,
// children before the index, attachments before the destination tag, and the tag last, so that
// a failure part-way leaves the destination tag as it was. Blobs the destination has are
// skipped; on the same registry they are mounted. When |dst| names a digest and no tag, nothing
// is tagged.
//
// Attachments already at the destination are never lost (issue "nothing lost"): referrers are
// pushed with Repository::PushReferrer, which adds them to the destination's referrers; a
// `.sig` / `.att` tag the destination has gets the source's layers it lacks appended (same
// digest and same annotations count as present) through UpdateTaggedManifest, so a concurrent
// `vouch sign` there is not lost either; the merged manifest then has a new digest. A `.sbom`
// tag is never merged: cosign attaches one SBOM per image and readers take that one, so a
// destination `.sbom` that differs from the source's is kFailedPrecondition, detected before
// anything is written (and again, race-safe, when the tag is written). A destination `.sig` or
// `.att` tag that holds something other than an image manifest is kFailedPrecondition too.
Result<CopyResult> CopyImage(Repository& src, Repository& dst, const CopyOptions& options);

// TreeNode is one thing ListTree found: an index entry, a referrer, a cosign tag, or a BuildKit
// attestation manifest. ListTree only lists: what each is, and whether the verification engine
// reads it, is verify::DescribeAttachment's (vouch/verify/tree.h).
struct TreeNode {
  std::string kind;   // "platform", "referrer", "tag", "attestation-manifest"
  std::string label;  // platform string, artifact type, tag name, or "unknown/unknown"
  // descriptor: for a platform or attestation manifest the index entry; for a referrer its
  // descriptor (artifact type and annotations completed from its manifest when missing); for a
  // tag the tagged manifest's.
  Descriptor descriptor;
  // from_manifest is true for a referrer whose artifact type or annotations were missing from
  // the index descriptor and were read from the referrer manifest itself.
  bool from_manifest = false;
  // unnamed_artifact_type is true for a referrer whose listing named no artifact type
  // (IsUnnamedArtifactType): |label| is then its manifest's (ManifestView::EffectiveArtifactType).
  bool unnamed_artifact_type = false;
  // attachment says which cosign tag a "tag" node is.
  std::optional<CosignAttachment> attachment;
  // config_media_type and layers are those of the node's own manifest when ListTree read it:
  // referrers described from their manifest, tags, attestation manifests.
  std::string config_media_type;
  std::vector<Descriptor> layers;
};

// TreeManifest is one manifest of the image (the root, or a platform image of its index) with
// what is attached to it.
struct TreeManifest {
  Descriptor descriptor;
  std::string platform;  // "os/arch[/variant]" of a platform image; "" for the root
  ReferrersScheme referrers_scheme = ReferrersScheme::kApi;
  std::vector<TreeNode> referrers;  // sorted by label (artifact type)
  // cosign_tags are the sha256-<hex>.sig, .att and .sbom tags of this digest that exist.
  std::vector<TreeNode> cosign_tags;
  // attestation_manifests are the index's BuildKit attestation manifests that describe this
  // manifest (AttestationManifestSubject). One that describes no manifest of the tree is listed
  // under the root.
  std::vector<TreeNode> attestation_manifests;
};

struct Tree {
  Reference reference;
  Descriptor root;
  // platforms are every entry of the root index, attestation manifests included.
  std::vector<TreeNode> platforms;
  // manifests[0] is the root; then, for an index, each of its platform images (IsPlatformImage)
  // in index order.
  std::vector<TreeManifest> manifests;
};

// kMaxTreeManifests bounds the manifests ListTree follows (the root and its platform images);
// kMaxTreeReads the manifests it reads to describe what is attached (referrers whose descriptor
// is incomplete, cosign tags, attestation manifests). An image over either bound is refused
// (kResourceExhausted) rather than listed in part.
inline constexpr size_t kMaxTreeManifests = 64;
inline constexpr size_t kMaxTreeReads = 256;

// ListTree resolves |repo|'s reference and lists, for it and for each platform image of an
// index, the referrers (API or fallback tag), the cosign tags sha256-<hex>.sig/.att/.sbom with
// their layers, and the BuildKit attestation manifests of the index that describe it, with
// their layers. Requests: the manifest, the tag list and the root's referrers; one referrers
// listing per platform image (without the referrers API, only for those the tag list shows a
// fallback tag for); then one manifest GET per cosign tag, per attestation manifest and per
// referrer whose index descriptor lacks artifactType (or names kOciEmpty) or annotations
// (formats.md pitfall 17); complete descriptors cost no request. Each step runs 4 at a time.
// Referrers and cosign tags are listed in repo.attachments() (--attachment-repository); the
// index and its attestation manifests are the image's.
Result<Tree> ListTree(Repository& repo);

}  // namespace vouch::registry
