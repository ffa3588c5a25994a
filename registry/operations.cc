// Copy and tree: multi-request operations over two Repositories (formats.md 1.5 - 1.8, 3).
#include "vouch/registry/operations.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <utility>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "core/internal/json.h"
#include "vouch/core/file.h"
#include "vouch/registry/cosign_tag.h"

namespace vouch::registry {
namespace {

// ParallelFor runs fn(i) for i in [0, n) on up to |workers| threads and returns the first error.
Status ParallelFor(size_t n, int workers, const std::function<Status(size_t)>& fn) {
  std::atomic<size_t> next{0};
  std::mutex mu;
  Status first;
  std::atomic<bool> failed{false};
  auto work = [&]() {
    while (!failed.load()) {
      size_t i = next.fetch_add(1);
      if (i >= n) {
        return;
      }
      Status s = fn(i);
      if (!s.ok()) {
        std::lock_guard<std::mutex> lock(mu);
        if (first.ok()) {
          first = s;
        }
        failed.store(true);
      }
    }
  };
  size_t count = std::min<size_t>(n, static_cast<size_t>(std::max(1, workers)));
  std::vector<std::thread> threads;
  for (size_t t = 1; t < count; ++t) {
    threads.emplace_back(work);
  }
  work();
  for (auto& t : threads) {
    t.join();
  }
  return first;
}

struct BlobRef {
  Digest digest;
  int64_t size;
};

// PlannedTag is one cosign tag of the source to write at the destination.
struct PlannedTag {
  std::string tag;
  CosignAttachment kind;
  Manifest manifest;
};

// Plan is everything one copy moves, in push order.
struct Plan {
  std::vector<BlobRef> blobs;
  std::set<std::string> blob_seen;
  std::vector<Manifest> children;       // pushed by digest before their parents
  std::vector<Manifest> referrers;      // pushed with PushReferrer
  std::vector<PlannedTag> tagged;  // cosign tags
  std::set<std::string> manifest_seen;

  void AddBlob(const Descriptor& d) {
    if (blob_seen.insert(d.digest.ToString()).second) {
      blobs.push_back({d.digest, d.size});
    }
  }
};

// Collect adds |m|'s blobs and (for an index) its children, recursively, to |plan|; children go
// to plan.children before their parent is returned to the caller.
Status Collect(Repository& src, const Manifest& m, Plan& plan, int depth, int parallelism) {
  if (depth > 4) {
    return DataLossError("index nesting deeper than 4 levels");
  }
  VOUCH_ASSIGN_OR_RETURN(ManifestView view, ParseManifest(m.bytes, m.media_type));
  if (!view.is_index) {
    plan.AddBlob(*view.config);
    for (const Descriptor& l : view.layers) {
      if (!l.urls.empty()) {
        continue;  // non-distributable layers stay where their urls point
      }
      plan.AddBlob(l);
    }
    return OkStatus();
  }
  std::vector<Descriptor> todo;
  for (const Descriptor& d : view.manifests) {
    if (plan.manifest_seen.insert(d.digest.ToString()).second) {
      todo.push_back(d);
    }
  }
  std::vector<std::optional<Manifest>> fetched(todo.size());
  auto fetch = [&](size_t i) -> Status {
    VOUCH_ASSIGN_OR_RETURN(Manifest child, src.FetchManifest(todo[i].digest.ToString()));
    fetched[i] = std::move(child);
    return OkStatus();
  };
  VOUCH_RETURN_IF_ERROR(ParallelFor(todo.size(), parallelism, fetch));
  for (auto& child : fetched) {
    VOUCH_RETURN_IF_ERROR(Collect(src, *child, plan, depth + 1, parallelism));
    plan.children.push_back(std::move(*child));
  }
  return OkStatus();
}

// Spool is an anonymous temp file (0600, unlinked as soon as it is created).
class Spool {
 public:
  static Result<Spool> Create(const std::string& dir_option) {
    std::string dir = dir_option;
    if (dir.empty()) {
      const char* t = std::getenv("TMPDIR");
      dir = t != nullptr && *t != '\0' ? t : "/tmp";
    }
    std::string path = dir + "/vouch-blob-XXXXXX";
    int fd = mkstemp(path.data());  // mode 0600
    if (fd < 0) {
      return ErrnoToStatus(errno, "creating a spool file in " + dir);
    }
    unlink(path.c_str());
    return Spool(fd);
  }
  Spool(Spool&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Spool& operator=(Spool&&) = delete;
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;
  ~Spool() {
    if (fd_ >= 0) {
      close(fd_);
    }
  }

  Status Write(uint64_t offset, ByteView piece) {
    size_t done = 0;
    while (done < piece.size()) {
      ssize_t n = pwrite(fd_, piece.data() + done, piece.size() - done,
                         static_cast<off_t>(offset + done));
      if (n < 0) {
        if (errno == EINTR) {
          continue;
        }
        return ErrnoToStatus(errno, "writing the blob spool file");
      }
      done += static_cast<size_t>(n);
    }
    return OkStatus();
  }

  Result<size_t> Read(uint64_t offset, std::span<uint8_t> buf) {
    while (true) {
      ssize_t n = pread(fd_, buf.data(), buf.size(), static_cast<off_t>(offset));
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n < 0) {
        return ErrnoToStatus(errno, "reading the blob spool file");
      }
      return static_cast<size_t>(n);
    }
  }

 private:
  explicit Spool(int fd) : fd_(fd) {}
  int fd_;
};

// StreamBlob copies one blob through a spool file: GET (digest checked while streaming), then
// upload from the file. Memory stays bounded by the transports' buffers.
Result<uint64_t> StreamBlob(Repository& src, Repository& dst, const BlobRef& b,
                            const std::string& spool_dir) {
  VOUCH_ASSIGN_OR_RETURN(Spool spool, Spool::Create(spool_dir));
  uint64_t size = 0;
  VOUCH_RETURN_IF_ERROR(
      src.FetchBlobStream(b.digest, b.size, [&](uint64_t offset, ByteView piece) -> Status {
        size = std::max<uint64_t>(size, offset + piece.size());
        return spool.Write(offset, piece);
      }));
  VOUCH_RETURN_IF_ERROR(dst.PushBlobStream(
      b.digest, size,
      [&](uint64_t offset, std::span<uint8_t> buf) { return spool.Read(offset, buf); }));
  return size;
}

constexpr CosignAttachment kCosignAttachments[] = {
    CosignAttachment::kSignature, CosignAttachment::kAttestation, CosignAttachment::kSbom};

// kMaxFollowedReferrers bounds how many referrers have their own referrers looked up (one
// lookup each); an image with more is refused rather than copied partially.
constexpr size_t kMaxFollowedReferrers = 256;

// CollectAttachments adds what is attached to the image and to each of its platform children
// (referrers, API or fallback tag, and cosign .sig/.att/.sbom tags), then, one level further,
// what is attached to those referrers (e.g. an attestation's signature). Referrers are planned
// level by level, so each is pushed after its subject.
Status CollectAttachments(Repository& src, const Manifest& root, Plan& plan, int parallelism) {
  VOUCH_ASSIGN_OR_RETURN(std::vector<std::string> tag_list, src.ListTags());
  const std::set<std::string> tags(tag_list.begin(), tag_list.end());
  std::vector<Digest> level = {root.digest};
  for (const Manifest& child : plan.children) {
    level.push_back(child.digest);
  }
  std::optional<ReferrersScheme> scheme;
  std::set<std::string> tagged_seen;
  for (int depth = 0; depth < 2 && !level.empty(); ++depth) {
    if (depth == 1 && level.size() > kMaxFollowedReferrers) {
      return ResourceExhaustedError(
          "the image has " + std::to_string(level.size()) + " referrers; following more than " +
          std::to_string(kMaxFollowedReferrers) + " for their own attachments is refused");
    }
    std::vector<Digest> next;
    for (const Digest& subject : level) {
      for (CosignAttachment kind : kCosignAttachments) {
        std::string tag = CosignTag(subject, kind);
        if (tags.count(tag) == 0 || !tagged_seen.insert(tag).second) {
          continue;
        }
        VOUCH_ASSIGN_OR_RETURN(Manifest m, src.FetchManifest(tag));
        VOUCH_RETURN_IF_ERROR(Collect(src, m, plan, 0, parallelism));
        plan.tagged.push_back({tag, kind, std::move(m)});
      }
      // Without the referrers API, a subject has referrers only if its fallback tag exists:
      // the tag list answers that without a request per subject.
      if (scheme == ReferrersScheme::kFallbackTag && tags.count(FallbackTag(subject)) == 0) {
        continue;
      }
      VOUCH_ASSIGN_OR_RETURN(Referrers refs, src.ListReferrers(subject, ""));
      scheme = refs.scheme;
      for (const Descriptor& d : refs.descriptors) {
        if (!plan.manifest_seen.insert(d.digest.ToString()).second) {
          continue;
        }
        VOUCH_ASSIGN_OR_RETURN(Manifest m, src.FetchManifest(d.digest.ToString()));
        VOUCH_RETURN_IF_ERROR(Collect(src, m, plan, 0, parallelism));
        next.push_back(m.digest);
        plan.referrers.push_back(std::move(m));
      }
    }
    level = std::move(next);
  }
  return OkStatus();
}

Status SbomConflict(const std::string& tag, const Digest& dst, const Digest& src) {
  return FailedPreconditionError(
      "the destination's " + tag + " holds another SBOM (" + dst.ToString() + ", the source's is " +
      src.ToString() + "); cosign attaches one SBOM per image, so it is neither merged nor " +
      "replaced: delete one of them, or copy without attachments");
}

// CheckSboms refuses, before anything is written, a copy whose .sbom tags the destination holds
// with other content (CopyTag refuses them again, race-safe, when it writes).
Status CheckSboms(Repository& dst, const Plan& plan) {
  for (const PlannedTag& t : plan.tagged) {
    if (t.kind != CosignAttachment::kSbom) {
      continue;
    }
    VOUCH_ASSIGN_OR_RETURN(std::optional<TaggedManifest> cur, dst.FetchTaggedManifest(t.tag));
    if (cur && !(cur->manifest.digest == t.manifest.digest)) {
      return SbomConflict(t.tag, cur->manifest.digest, t.manifest.digest);
    }
  }
  return OkStatus();
}

enum class TagOutcome { kCopied, kMerged, kPresent };

// CopyTag writes the source's cosign tag |t| at |dst| without losing what the destination's tag
// holds (see CopyImage). A tag the destination lacks gets the source's manifest unchanged, so
// its digest is preserved.
Result<TagOutcome> CopyTag(Repository& dst, const PlannedTag& t, const TagUpdateOptions& options) {
  TagOutcome outcome = TagOutcome::kPresent;
  auto mutate = [&](const std::optional<Manifest>& cur) -> Result<std::optional<ManifestUpdate>> {
    outcome = TagOutcome::kPresent;  // each round decides afresh
    if (!cur) {
      outcome = TagOutcome::kCopied;
      return std::optional<ManifestUpdate>(
          ManifestUpdate{t.manifest.bytes, t.manifest.media_type});
    }
    if (cur->digest == t.manifest.digest) {
      return std::optional<ManifestUpdate>();
    }
    if (t.kind == CosignAttachment::kSbom) {
      return SbomConflict(t.tag, cur->digest, t.manifest.digest);
    }
    VOUCH_ASSIGN_OR_RETURN(std::optional<ManifestUpdate> merged,
                           AppendCosignLayers(dst, cur, t.manifest.bytes));
    if (merged) {
      outcome = TagOutcome::kMerged;
    }
    return merged;
  };
  auto present = [&](const Manifest& served) {
    return served.digest == t.manifest.digest ||
           (t.kind != CosignAttachment::kSbom && HasCosignLayers(served, t.manifest.bytes));
  };
  VOUCH_RETURN_IF_ERROR(UpdateTaggedManifest(dst, t.tag, mutate, present, options)
                            .WithContext("copying " + t.tag));
  return outcome;
}

// CopyReferrers pushes the planned referrers (each after its subject) that the destination does
// not list among its subject's referrers yet; one listing per subject.
Status CopyReferrers(Repository& dst, const Plan& plan, CopyResult& result) {
  std::map<std::string, std::set<std::string>> listed;  // subject -> referrer digests at dst
  for (const Manifest& m : plan.referrers) {
    VOUCH_ASSIGN_OR_RETURN(ManifestView view, ParseManifest(m.bytes, m.media_type));
    if (view.subject) {
      auto [it, fresh] = listed.try_emplace(view.subject->digest.ToString());
      if (fresh) {
        VOUCH_ASSIGN_OR_RETURN(Referrers refs, dst.ListReferrers(view.subject->digest, ""));
        for (const Descriptor& d : refs.descriptors) {
          it->second.insert(d.digest.ToString());
        }
      }
      if (it->second.count(m.digest.ToString()) > 0) {
        ++result.referrers_present;
        continue;
      }
    }
    VOUCH_RETURN_IF_ERROR(dst.PushReferrer(m.bytes, m.media_type));
    ++result.referrers_copied;
  }
  return OkStatus();
}

}  // namespace

Result<CopyResult> CopyImage(Repository& src, Repository& dst, const CopyOptions& options) {
  const Reference& sref = src.reference();
  const Reference& dref = dst.reference();
  VOUCH_ASSIGN_OR_RETURN(Manifest root, src.FetchManifest(sref.Identifier()));
  if (options.platform) {
    VOUCH_ASSIGN_OR_RETURN(Descriptor child, SelectPlatform(root, *options.platform));
    if (!(child.digest == root.digest)) {
      VOUCH_ASSIGN_OR_RETURN(root, src.FetchManifest(child.digest.ToString()));
    }
  }
  if (dref.digest && !(*dref.digest == root.digest)) {
    return InvalidArgumentError("destination names digest " + dref.digest->ToString() +
                                " but the source is " + root.digest.ToString());
  }

  Plan plan;
  plan.manifest_seen.insert(root.digest.ToString());
  VOUCH_RETURN_IF_ERROR(Collect(src, root, plan, 0, options.parallelism));

  CopyResult result;
  result.digest = root.digest;
  if (options.with_attachments) {
    VOUCH_RETURN_IF_ERROR(CollectAttachments(src, root, plan, options.parallelism));
    VOUCH_RETURN_IF_ERROR(CheckSboms(dst, plan));
  }

  // 1. Blobs (in parallel): skip what the destination has, mount within one registry.
  const bool same_repo = sref.SameRepository(dref);
  const bool same_registry = !sref.is_layout() && !dref.is_layout() &&
                             ApiHost(sref.registry) == ApiHost(dref.registry) && !same_repo;
  std::mutex mu;
  CopyProgress progress;
  progress.blobs_total = plan.blobs.size();
  for (const BlobRef& b : plan.blobs) {
    progress.bytes_total += b.size > 0 ? static_cast<uint64_t>(b.size) : 0;
  }
  if (options.progress) {
    options.progress(progress);
  }
  auto copy_blob = [&](size_t i) -> Status {
    const BlobRef& b = plan.blobs[i];
    enum { kCopied, kSkipped, kMounted } outcome = kCopied;
    uint64_t moved = 0;
    bool done = false;
    if (same_registry) {
      VOUCH_ASSIGN_OR_RETURN(bool mounted, dst.MountBlob(b.digest, sref));
      if (mounted) {
        outcome = kMounted;
        done = true;
      }
    }
    if (!done) {
      VOUCH_ASSIGN_OR_RETURN(bool exists, dst.BlobExists(b.digest));
      if (exists) {
        outcome = kSkipped;
      } else {
        if (b.size >= 0 && static_cast<uint64_t>(b.size) <= options.in_memory_blob_bytes) {
          VOUCH_ASSIGN_OR_RETURN(Bytes data, src.FetchBlob(b.digest, b.size));
          VOUCH_RETURN_IF_ERROR(dst.PushBlob(b.digest, data));
          moved = data.size();
        } else {
          VOUCH_ASSIGN_OR_RETURN(moved, StreamBlob(src, dst, b, options.spool_dir));
        }
      }
    }
    std::lock_guard<std::mutex> lock(mu);
    if (outcome == kCopied) {
      ++result.blobs_copied;
    } else if (outcome == kSkipped) {
      ++result.blobs_skipped;
    } else {
      ++result.blobs_mounted;
    }
    result.bytes_copied += moved;
    ++progress.blobs_done;
    progress.bytes_copied += moved;
    progress.bytes_done += b.size > 0 ? static_cast<uint64_t>(b.size) : moved;
    if (options.progress) {
      options.progress(progress);
    }
    return OkStatus();
  };
  VOUCH_RETURN_IF_ERROR(ParallelFor(plan.blobs.size(), options.parallelism, copy_blob));

  // 2. Child manifests by digest (children were collected before parents).
  for (const Manifest& m : plan.children) {
    VOUCH_RETURN_IF_ERROR(dst.PushManifest(m.digest.ToString(), m.bytes, m.media_type).status());
    ++result.manifests_pushed;
  }
  // 3. Attachments. The image must exist by digest first so that referrers have a subject.
  bool has_attachments = !plan.referrers.empty() || !plan.tagged.empty();
  if (has_attachments || dref.tag.empty() || dref.digest) {
    VOUCH_RETURN_IF_ERROR(
        dst.PushManifest(root.digest.ToString(), root.bytes, root.media_type).status());
    ++result.manifests_pushed;
  }
  VOUCH_RETURN_IF_ERROR(CopyReferrers(dst, plan, result));
  for (const PlannedTag& t : plan.tagged) {
    VOUCH_ASSIGN_OR_RETURN(TagOutcome outcome, CopyTag(dst, t, options.tag_update));
    (outcome == TagOutcome::kCopied   ? result.tags_copied
     : outcome == TagOutcome::kMerged ? result.tags_merged
                                      : result.tags_present)
        .push_back(t.tag);
  }
  // 4. The destination tag, last: a failure above leaves it untouched.
  if (!dref.tag.empty() && !dref.digest) {
    VOUCH_RETURN_IF_ERROR(dst.PushManifest(dref.tag, root.bytes, root.media_type).status());
    ++result.manifests_pushed;
  }
  return result;
}

namespace {

TreeNode PlatformNode(const Descriptor& d) {
  TreeNode n;
  n.kind = "platform";
  n.label = d.platform ? d.platform->ToString() : "(no platform)";
  auto type = d.annotations.find(std::string(kDockerReferenceTypeAnnotation));
  if (type != d.annotations.end()) {
    n.label += " (" + type->second + ")";
  }
  n.descriptor = d;
  return n;
}

std::string ArtifactLabel(const Descriptor& d) {
  return d.artifact_type.empty() ? "(no artifact type)" : d.artifact_type;
}

Status ListManifestReferrers(Repository& repo, TreeManifest& m) {
  VOUCH_ASSIGN_OR_RETURN(Referrers refs, repo.ListReferrers(m.descriptor.digest, ""));
  m.referrers_scheme = refs.scheme;
  for (Descriptor& d : refs.descriptors) {
    TreeNode n;
    n.kind = "referrer";
    n.label = ArtifactLabel(d);
    n.descriptor = std::move(d);
    m.referrers.push_back(std::move(n));
  }
  return OkStatus();
}

// AddAttestationManifests lists each BuildKit attestation manifest under the manifest it
// describes, or under the root when it describes none of the tree's.
void AddAttestationManifests(Tree& tree, const std::vector<Descriptor>& entries) {
  for (const Descriptor& d : entries) {
    const std::optional<Digest> described = AttestationManifestSubject(d);
    TreeManifest* owner = &tree.manifests[0];
    for (TreeManifest& m : tree.manifests) {
      if (described && *described == m.descriptor.digest) {
        owner = &m;
      }
    }
    TreeNode n;
    n.kind = "attestation-manifest";
    n.label = d.platform ? d.platform->ToString() : "(no platform)";
    n.descriptor = d;
    owner->attestation_manifests.push_back(std::move(n));
  }
}

// AddCosignTags lists the cosign tags of each manifest that the tag list holds.
void AddCosignTags(Tree& tree, const std::set<std::string>& tags) {
  for (TreeManifest& m : tree.manifests) {
    for (CosignAttachment kind : kCosignAttachments) {
      std::string tag = CosignTag(m.descriptor.digest, kind);
      if (tags.count(tag) > 0) {
        TreeNode n;
        n.kind = "tag";
        n.label = std::move(tag);
        n.attachment = kind;
        m.cosign_tags.push_back(std::move(n));
      }
    }
  }
}

// TreeRead is one manifest ListTree reads to describe |node|, from |from|.
struct TreeRead {
  TreeNode* node;
  std::string identifier;  // a digest, or a tag
  Repository* from;
};

// PlanReads lists the manifests to read: referrers whose descriptor lacks an artifact type or
// annotations (formats.md pitfall 17: cosign fallback indexes before ggcr v0.22.1), every
// cosign tag (its layers) and every attestation manifest (its layers).
// Referrers and cosign tags are read from |attached|, attestation manifests from |image|.
std::vector<TreeRead> PlanReads(Tree& tree, Repository& image, Repository& attached) {
  std::vector<TreeRead> reads;
  for (TreeManifest& m : tree.manifests) {
    for (TreeNode& n : m.referrers) {
      if (IsUnnamedArtifactType(n.descriptor.artifact_type) || n.descriptor.annotations.empty()) {
        reads.push_back({&n, n.descriptor.digest.ToString(), &attached});
      }
    }
    for (TreeNode& n : m.cosign_tags) {
      reads.push_back({&n, n.label, &attached});
    }
    for (TreeNode& n : m.attestation_manifests) {
      reads.push_back({&n, n.descriptor.digest.ToString(), &image});
    }
  }
  return reads;
}

// Describe fills |node| from its own manifest |m|: the config media type and layers and, for a
// referrer, the artifact type and annotations its descriptor lacked (the index's own values win).
Status Describe(TreeNode& node, const Manifest& m) {
  VOUCH_ASSIGN_OR_RETURN(ManifestView v, ParseManifest(m.bytes, m.media_type));
  node.config_media_type = v.config ? v.config->media_type : "";
  node.layers = v.layers;
  if (node.kind == "tag") {
    node.descriptor = m.ToDescriptor();
  }
  if (node.kind != "referrer") {
    return OkStatus();
  }
  node.from_manifest = true;
  if (IsUnnamedArtifactType(node.descriptor.artifact_type)) {
    node.unnamed_artifact_type = true;
    node.descriptor.artifact_type = v.EffectiveArtifactType();
    node.label = ArtifactLabel(node.descriptor);
  }
  for (const auto& [key, value] : v.annotations) {
    node.descriptor.annotations.emplace(key, value);
  }
  return OkStatus();
}

// ReadAll reads the planned manifests, 4 at a time. A referrer manifest embedded in its index
// entry (the descriptor's data, checked against its digest when parsed) costs no request.
Status ReadAll(const std::vector<TreeRead>& reads) {
  if (reads.size() > kMaxTreeReads) {
    return ResourceExhaustedError("describing what is attached takes " +
                                  std::to_string(reads.size()) + " manifest reads; tree reads " +
                                  std::to_string(kMaxTreeReads) + " at most");
  }
  return ParallelFor(reads.size(), 4, [&](size_t k) -> Status {
    TreeNode& node = *reads[k].node;
    if (node.kind == "referrer" && node.descriptor.data) {
      return Describe(node, Manifest{*node.descriptor.data, node.descriptor.digest,
                                     node.descriptor.media_type});
    }
    VOUCH_ASSIGN_OR_RETURN(Manifest m, reads[k].from->FetchManifest(reads[k].identifier));
    return Describe(node, m);
  });
}

}  // namespace

Result<Tree> ListTree(Repository& repo) {
  Tree tree;
  tree.reference = repo.reference();
  VOUCH_ASSIGN_OR_RETURN(Manifest root, repo.FetchManifest(tree.reference.Identifier()));
  tree.root = root.ToDescriptor();
  VOUCH_ASSIGN_OR_RETURN(ManifestView view, ParseManifest(root.bytes, root.media_type));
  tree.manifests.emplace_back().descriptor = tree.root;
  std::vector<Descriptor> attestation_entries;
  for (const Descriptor& d : view.manifests) {
    tree.platforms.push_back(PlatformNode(d));
    if (IsPlatformImage(d)) {
      TreeManifest& m = tree.manifests.emplace_back();
      m.descriptor = d;
      m.platform = d.platform ? d.platform->ToString() : d.digest.ToString();
    } else if (AttestationManifestSubject(d)) {
      attestation_entries.push_back(d);
    }
  }
  if (tree.manifests.size() > kMaxTreeManifests) {
    return ResourceExhaustedError("the index has " + std::to_string(tree.manifests.size() - 1) +
                                  " platform images; tree follows " +
                                  std::to_string(kMaxTreeManifests - 1) + " at most");
  }
  AddAttestationManifests(tree, attestation_entries);
  // The tag list and the root's referrers at once; the root's listing also settles whether the
  // registry has the referrers API. Both are where the attachments are kept.
  Repository& attached = repo.attachments();
  std::vector<std::string> tag_list;
  VOUCH_RETURN_IF_ERROR(ParallelFor(2, 2, [&](size_t i) -> Status {
    if (i == 1) {
      return ListManifestReferrers(attached, tree.manifests[0]);
    }
    VOUCH_ASSIGN_OR_RETURN(tag_list, attached.ListTags());
    return OkStatus();
  }));
  const std::set<std::string> tags(tag_list.begin(), tag_list.end());
  // Without the referrers API, a platform image has referrers only if its fallback tag exists:
  // the tag list answers that without a request per image.
  std::vector<TreeManifest*> todo;
  for (size_t i = 1; i < tree.manifests.size(); ++i) {
    TreeManifest& m = tree.manifests[i];
    m.referrers_scheme = tree.manifests[0].referrers_scheme;
    if (m.referrers_scheme == ReferrersScheme::kApi ||
        tags.count(FallbackTag(m.descriptor.digest)) > 0) {
      todo.push_back(&m);
    }
  }
  VOUCH_RETURN_IF_ERROR(ParallelFor(todo.size(), 4, [&](size_t i) -> Status {
    return ListManifestReferrers(attached, *todo[i]);
  }));
  AddCosignTags(tree, tags);
  VOUCH_RETURN_IF_ERROR(ReadAll(PlanReads(tree, repo, attached)));
  for (TreeManifest& m : tree.manifests) {
    std::stable_sort(m.referrers.begin(), m.referrers.end(),
                     [](const TreeNode& a, const TreeNode& b) { return a.label < b.label; });
  }
  return tree;
}

}  // namespace vouch::registry
