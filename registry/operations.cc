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

// Plan is everything one copy moves, in push order.
struct Plan {
  std::vector<BlobRef> blobs;
  std::set<std::string> blob_seen;
  std::vector<Manifest> children;       // pushed by digest before their parents
  std::vector<Manifest> referrers;      // pushed with PushReferrer
  std::vector<std::pair<std::string, Manifest>> tagged;  // cosign tags
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

bool IsCosignTagFor(const std::string& tag, const Digest& d) {
  for (CosignAttachment kind : kCosignAttachments) {
    if (tag == CosignTag(d, kind)) {
      return true;
    }
  }
  return false;
}

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
        plan.tagged.emplace_back(tag, std::move(m));
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
  }

  // 1. Blobs (in parallel): skip what the destination has, mount within one registry.
  const bool same_repo = sref.SameRepository(dref);
  const bool same_registry = !sref.is_layout() && !dref.is_layout() &&
                             ApiHost(sref.registry) == ApiHost(dref.registry) && !same_repo;
  std::mutex mu;
  CopyProgress progress;
  progress.blobs_total = plan.blobs.size();
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
  for (const Manifest& m : plan.referrers) {
    VOUCH_RETURN_IF_ERROR(dst.PushReferrer(m.bytes, m.media_type));
    ++result.referrers_copied;
  }
  for (const auto& [tag, m] : plan.tagged) {
    VOUCH_RETURN_IF_ERROR(dst.PushManifest(tag, m.bytes, m.media_type).status());
    result.tags_copied.push_back(tag);
  }
  // 4. The destination tag, last: a failure above leaves it untouched.
  if (!dref.tag.empty() && !dref.digest) {
    VOUCH_RETURN_IF_ERROR(dst.PushManifest(dref.tag, root.bytes, root.media_type).status());
    ++result.manifests_pushed;
  }
  return result;
}

Result<Tree> ListTree(Repository& repo) {
  Tree tree;
  tree.reference = repo.reference();
  VOUCH_ASSIGN_OR_RETURN(Manifest root, repo.FetchManifest(tree.reference.Identifier()));
  tree.root = root.ToDescriptor();
  VOUCH_ASSIGN_OR_RETURN(ManifestView view, ParseManifest(root.bytes, root.media_type));
  for (const Descriptor& d : view.manifests) {
    TreeNode n;
    n.kind = "platform";
    n.label = d.platform ? d.platform->ToString() : "(no platform)";
    if (d.annotations.count("vnd.docker.reference.type") > 0) {
      n.label += " (" + d.annotations.at("vnd.docker.reference.type") + ")";
    }
    n.descriptor = d;
    tree.platforms.push_back(std::move(n));
  }
  VOUCH_ASSIGN_OR_RETURN(Referrers refs, repo.ListReferrers(root.digest, ""));
  tree.referrers_scheme = refs.scheme;
  // Index descriptors may lack artifactType and annotations (formats.md pitfall 17: cosign
  // fallback indexes written before ggcr v0.22.1): read those referrers' own manifests, in
  // parallel. Complete descriptors cost no request.
  std::vector<size_t> incomplete;
  for (size_t i = 0; i < refs.descriptors.size(); ++i) {
    const Descriptor& d = refs.descriptors[i];
    if (d.artifact_type.empty() || d.annotations.empty()) {
      incomplete.push_back(i);
    }
  }
  std::vector<bool> filled(refs.descriptors.size(), false);
  VOUCH_RETURN_IF_ERROR(ParallelFor(incomplete.size(), 4, [&](size_t k) -> Status {
    Descriptor& d = refs.descriptors[incomplete[k]];
    VOUCH_ASSIGN_OR_RETURN(Manifest m, repo.FetchManifest(d.digest.ToString()));
    VOUCH_ASSIGN_OR_RETURN(ManifestView v, ParseManifest(m.bytes, m.media_type));
    if (d.artifact_type.empty()) {
      d.artifact_type = v.EffectiveArtifactType();
    }
    for (const auto& [key, value] : v.annotations) {
      d.annotations.emplace(key, value);  // the index's own values win
    }
    filled[incomplete[k]] = true;
    return OkStatus();
  }));
  for (size_t i = 0; i < refs.descriptors.size(); ++i) {
    const Descriptor& d = refs.descriptors[i];
    TreeNode n;
    n.kind = "referrer";
    n.label = d.artifact_type.empty() ? "(no artifact type)" : d.artifact_type;
    n.descriptor = d;
    n.from_manifest = filled[i];
    tree.referrers.push_back(std::move(n));
  }
  std::stable_sort(tree.referrers.begin(), tree.referrers.end(),
                   [](const TreeNode& a, const TreeNode& b) { return a.label < b.label; });
  VOUCH_ASSIGN_OR_RETURN(std::vector<std::string> tags, repo.ListTags());
  for (const std::string& tag : tags) {
    if (IsCosignTagFor(tag, root.digest)) {
      TreeNode n;
      n.kind = "tag";
      n.label = tag;
      tree.legacy_tags.push_back(std::move(n));
    }
  }
  return tree;
}

// AnnotationsText renders annotations as " {k=v, ...}" with long values shortened (cosign
// puts whole certificates and signatures there).
std::string AnnotationsText(const std::map<std::string, std::string>& annotations) {
  if (annotations.empty()) {
    return "";
  }
  std::string out = " {";
  bool first = true;
  for (const auto& [k, v] : annotations) {
    std::string value = v.size() > 48 ? v.substr(0, 45) + "..." : v;
    std::replace(value.begin(), value.end(), '\n', ' ');
    out += (first ? "" : ", ") + k + "=" + value;
    first = false;
  }
  return out + "}";
}

std::string TreeToText(const Tree& tree) {
  std::string out = tree.reference.RepositoryName() + "@" + tree.root.digest.ToString() + " (" +
                    tree.root.media_type + ")\n";
  auto section = [&](const std::string& title, const std::vector<TreeNode>& nodes, bool last) {
    out += std::string(last ? "`-- " : "|-- ") + title + "\n";
    std::string pad = last ? "    " : "|   ";
    if (nodes.empty()) {
      out += pad + "`-- (none)\n";
      return;
    }
    // Referrers are grouped by artifact type.
    std::string group;
    for (size_t i = 0; i < nodes.size(); ++i) {
      const TreeNode& n = nodes[i];
      bool end = i + 1 == nodes.size();
      if (n.kind == "referrer") {
        bool new_group = n.label != group;
        bool group_end = end || nodes[i + 1].label != n.label;
        bool last_group = true;
        for (size_t k = i + 1; k < nodes.size(); ++k) {
          if (nodes[k].label != n.label) {
            last_group = false;
          }
        }
        if (new_group) {
          out += pad + (last_group ? "`-- " : "|-- ") + n.label + "\n";
          group = n.label;
        }
        out += pad + (last_group ? "    " : "|   ") + (group_end ? "`-- " : "|-- ") +
               n.descriptor.digest.ToString() + AnnotationsText(n.descriptor.annotations) +
               "\n";
      } else if (n.kind == "platform") {
        out += pad + (end ? "`-- " : "|-- ") + n.label + " " + n.descriptor.digest.ToString() +
               "\n";
      } else {
        out += pad + (end ? "`-- " : "|-- ") + n.label + "\n";
      }
    }
  };
  bool index = IsIndexMediaType(tree.root.media_type);
  if (index) {
    section("platforms", tree.platforms, false);
  }
  section(std::string("referrers (") +
              (tree.referrers_scheme == ReferrersScheme::kApi
                   ? "referrers API"
                   : "fallback tag " + FallbackTag(tree.root.digest)) +
              ")",
          tree.referrers, false);
  section("legacy cosign tags", tree.legacy_tags, true);
  return out;
}

std::string TreeToJson(const Tree& tree) {
  OrderedJson j;
  j["reference"] = tree.reference.ToString();
  j["digest"] = tree.root.digest.ToString();
  j["mediaType"] = tree.root.media_type;
  OrderedJson platforms = OrderedJson::array();
  for (const TreeNode& n : tree.platforms) {
    platforms.push_back(OrderedJson{{"platform", n.label},
                                    {"digest", n.descriptor.digest.ToString()},
                                    {"mediaType", n.descriptor.media_type},
                                    {"size", n.descriptor.size}});
  }
  j["platforms"] = platforms;
  j["referrersScheme"] = tree.referrers_scheme == ReferrersScheme::kApi ? "api" : "fallback-tag";
  OrderedJson refs = OrderedJson::object();
  for (const TreeNode& n : tree.referrers) {
    if (!refs.contains(n.label)) {
      refs[n.label] = OrderedJson::array();
    }
    OrderedJson e{{"digest", n.descriptor.digest.ToString()},
                  {"mediaType", n.descriptor.media_type},
                  {"size", n.descriptor.size}};
    if (!n.descriptor.annotations.empty()) {
      e["annotations"] = n.descriptor.annotations;
    }
    if (n.from_manifest) {
      e["describedFromManifest"] = true;
    }
    refs[n.label].push_back(e);
  }
  j["referrers"] = refs;
  OrderedJson tags = OrderedJson::array();
  for (const TreeNode& n : tree.legacy_tags) {
    tags.push_back(n.label);
  }
  j["legacyTags"] = tags;
  return DumpJsonPretty(j);
}

}  // namespace vouch::registry
