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

namespace vouch::registry {

// CopyProgress is reported after each blob is handled.
struct CopyProgress {
  uint64_t blobs_done = 0;
  uint64_t blobs_total = 0;
  uint64_t bytes_copied = 0;  // bytes downloaded and uploaded (not skipped or mounted)
};

struct CopyOptions {
  // platform, when set, copies only that child of an index; the destination then names the
  // child manifest.
  std::optional<Platform> platform;
  // parallelism is how many blobs move at once.
  int parallelism = 4;
  // with_attachments copies referrers (fallback-index entries) and cosign .sig/.att/.sbom tags.
  bool with_attachments = true;
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
  uint64_t referrers_copied = 0;
  std::vector<std::string> tags_copied;  // cosign tags
};

// CopyImage copies |src|'s image to |dst| preserving digests: every blob before any manifest,
// children before the index, attachments before the destination tag, and the tag last, so that
// a failure part-way leaves the destination tag as it was. Blobs the destination has are
// skipped; on the same registry they are mounted. When |dst| names a digest and no tag, nothing
// is tagged.
Result<CopyResult> CopyImage(Repository& src, Repository& dst, const CopyOptions& options);

// TreeEntry is one thing attached to an image.
struct TreeNode {
  std::string kind;  // "platform", "referrer", "tag"
  std::string label;  // platform string, artifact type, or tag name
  Descriptor descriptor;
  // from_manifest is true for a referrer whose artifact type or annotations were missing from
  // the index descriptor and were read from the referrer manifest itself.
  bool from_manifest = false;
};

struct Tree {
  Reference reference;
  Descriptor root;
  std::vector<TreeNode> platforms;
  std::vector<TreeNode> referrers;
  ReferrersScheme referrers_scheme = ReferrersScheme::kApi;
  std::vector<TreeNode> legacy_tags;
};

// ListTree resolves |repo|'s reference and lists its platforms (index children), referrers
// (grouped by artifact type) and legacy cosign tags (sha256-<hex>.sig/.att/.sbom). A referrer
// whose index descriptor lacks artifactType or annotations (formats.md pitfall 17) is described
// from its own manifest (fetched by digest, several at once); complete descriptors cost no
// request.
Result<Tree> ListTree(Repository& repo);

// TreeToText and TreeToJson render a Tree for `vouch tree`.
std::string TreeToText(const Tree& tree);
std::string TreeToJson(const Tree& tree);

}  // namespace vouch::registry
