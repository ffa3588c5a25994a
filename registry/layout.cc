// An OCI image layout directory (image-spec image-layout.md) behind the Repository interface:
// oci-layout, index.json (tags are org.opencontainers.image.ref.name annotations) and
// blobs/<alg>/<hex>. Referrers use the tag schema inside index.json.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <mutex>

#include "client_impl.h"
#include "core/internal/json.h"
#include "fallback.h"
#include "vouch/registry/tag_update.h"
#include "vouch/core/file.h"

namespace vouch::registry {
namespace {

constexpr const char* kRefName = "org.opencontainers.image.ref.name";

// Writers of one layout within this process share a mutex, so index.json updates do not lose
// each other's entries.
std::mutex& LayoutMutex(const std::string& path) {
  static std::mutex registry_mu;
  static std::map<std::string, std::unique_ptr<std::mutex>> mutexes;
  std::lock_guard<std::mutex> lock(registry_mu);
  auto& m = mutexes[path];
  if (!m) {
    m = std::make_unique<std::mutex>();
  }
  return *m;
}

Status MakeDir(const std::string& dir) {
  if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return ErrnoToStatus(errno, "creating " + dir);
  }
  return OkStatus();
}

class LayoutRepository final : public Repository {
 public:
  LayoutRepository(std::shared_ptr<Client::Impl> impl, Reference ref)
      : impl_(std::move(impl)), ref_(std::move(ref)), dir_(*ref_.layout_path) {}

  Status Init(Access access) {
    if (PathExists(dir_ + "/oci-layout")) {
      return OkStatus();
    }
    if (access == Access::kPull) {
      return NotFoundError(dir_ + " is not an OCI image layout (no oci-layout file)");
    }
    VOUCH_RETURN_IF_ERROR(MakeDir(dir_));
    VOUCH_RETURN_IF_ERROR(MakeDir(dir_ + "/blobs"));
    VOUCH_RETURN_IF_ERROR(MakeDir(dir_ + "/blobs/sha256"));
    std::string layout = R"({"imageLayoutVersion":"1.0.0"})";
    VOUCH_RETURN_IF_ERROR(
        WriteFileAtomic(dir_ + "/oci-layout", AsBytes(layout), 0644, WriteMode::kOverwrite));
    if (!PathExists(dir_ + "/index.json")) {
      std::string idx = EmptyIndexJson();
      VOUCH_RETURN_IF_ERROR(
          WriteFileAtomic(dir_ + "/index.json", AsBytes(idx), 0644, WriteMode::kOverwrite));
    }
    return OkStatus();
  }

  const Reference& reference() const override { return ref_; }

  Result<Descriptor> Resolve(std::string_view identifier) override {
    if (auto d = Digest::Parse(identifier); d.ok()) {
      VOUCH_ASSIGN_OR_RETURN(Manifest m, FetchManifest(identifier));
      return m.ToDescriptor();
    }
    VOUCH_ASSIGN_OR_RETURN(OrderedJson index, ReadIndex());
    for (const auto& e : index["manifests"]) {
      if (e.contains("annotations") && e["annotations"].is_object() &&
          e["annotations"].value(kRefName, "") == identifier) {
        auto d = ParseDescriptorJson(AsBytes(DumpJson(e)));
        if (!d.ok()) {
          return d.status().WithContext(dir_ + "/index.json");
        }
        return *d;
      }
    }
    return NotFoundError("tag " + std::string(identifier) + " not found in " + ref_.RepositoryName());
  }

  Result<Manifest> FetchManifest(std::string_view identifier) override {
    Digest digest = Digest::Of({});
    std::string media_type;
    if (auto d = Digest::Parse(identifier); d.ok()) {
      digest = *d;
    } else {
      VOUCH_ASSIGN_OR_RETURN(Descriptor desc, Resolve(identifier));
      digest = desc.digest;
      media_type = desc.media_type;
    }
    VOUCH_ASSIGN_OR_RETURN(Bytes bytes, ReadBlob(digest, impl_->opts.max_manifest_bytes));
    return CheckManifestBytes(std::move(bytes), digest, media_type,
                              "manifest " + ref_.RepositoryName() + "@" + digest.ToString());
  }

  Result<bool> BlobExists(const Digest& digest) override { return PathExists(BlobPath(digest)); }

  Result<Bytes> FetchBlob(const Digest& digest, int64_t expected_size) override {
    uint64_t cap = impl_->opts.max_blob_bytes;
    if (expected_size >= 0) {
      cap = std::min(cap, static_cast<uint64_t>(expected_size));
    }
    VOUCH_ASSIGN_OR_RETURN(Bytes b, ReadBlob(digest, cap));
    if (!(Digest::Of(b, digest.algorithm()) == digest)) {
      return DataLossError("blob " + BlobPath(digest) + " does not match its digest");
    }
    return b;
  }

  // Layout blobs stream through a fixed buffer in both directions, so copies to and from
  // layouts are not bound by max_blob_bytes either.
  Status FetchBlobStream(const Digest& digest, int64_t expected_size,
                         const BlobSink& sink) override {
    // Through the file seam, so a FIFO or device planted in blobs/ is refused, never waited on.
    Result<std::unique_ptr<ByteSource>> file = OpenFileSource(BlobPath(digest));
    if (IsNotFound(file.status())) {
      return NotFoundError(digest.ToString() + " not found in " + ref_.RepositoryName());
    }
    VOUCH_RETURN_IF_ERROR(file.status());
    ByteSource& source = **file;
    Hasher hasher(digest.algorithm());
    Bytes buf(kStreamBufferSize);
    uint64_t off = 0;
    Status s;
    while (s.ok()) {
      Result<size_t> n = source.Read(buf);
      if (!n.ok()) {
        s = n.status();
        break;
      }
      if (*n == 0) {
        break;
      }
      ByteView piece(buf.data(), *n);
      if (expected_size >= 0 && off + piece.size() > static_cast<uint64_t>(expected_size)) {
        s = DataLossError("blob " + BlobPath(digest) + " is larger than its descriptor says");
        break;
      }
      hasher.Update(piece);
      s = sink(off, piece);
      off += piece.size();
    }
    VOUCH_RETURN_IF_ERROR(s);
    if (expected_size >= 0 && off != static_cast<uint64_t>(expected_size)) {
      return DataLossError("blob " + BlobPath(digest) + " has " + std::to_string(off) +
                           " bytes, expected " + std::to_string(expected_size));
    }
    if (!(hasher.Finish() == digest)) {
      return DataLossError("blob " + BlobPath(digest) + " does not match its digest");
    }
    return OkStatus();
  }

  Status PushBlobStream(const Digest& digest, uint64_t size, const BlobSource& source) override {
    VOUCH_RETURN_IF_ERROR(
        MakeDir(dir_ + "/blobs/" + std::string(HashAlgorithmName(digest.algorithm()))));
    const std::string path = BlobPath(digest);
    if (PathExists(path)) {
      return OkStatus();
    }
    std::string tmp = path + ".tmp-XXXXXX";
    int fd = mkstemp(tmp.data());
    if (fd < 0) {
      return ErrnoToStatus(errno, "creating a temp file next to " + path);
    }
    Hasher hasher(digest.algorithm());
    Bytes buf(kStreamBufferSize);
    uint64_t off = 0;
    Status s;
    while (s.ok() && off < size) {
      size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), size - off));
      auto n = source(off, std::span<uint8_t>(buf.data(), want));
      if (!n.ok() || *n == 0) {
        s = n.ok() ? DataLossError("blob source ended early") : n.status();
        break;
      }
      hasher.Update(ByteView(buf.data(), *n));
      size_t done = 0;
      while (done < *n) {
        ssize_t w = write(fd, buf.data() + done, *n - done);
        if (w < 0 && errno == EINTR) {
          continue;
        }
        if (w < 0) {
          s = ErrnoToStatus(errno, "writing " + tmp);
          break;
        }
        done += static_cast<size_t>(w);
      }
      off += *n;
    }
    if (s.ok() && !(hasher.Finish() == digest)) {
      s = InvalidArgumentError("blob does not match digest " + digest.ToString());
    }
    if (s.ok() && (fchmod(fd, 0644) != 0 || fsync(fd) != 0)) {
      s = ErrnoToStatus(errno, "finishing " + tmp);
    }
    close(fd);
    if (s.ok() && rename(tmp.c_str(), path.c_str()) != 0) {
      s = ErrnoToStatus(errno, "renaming " + tmp);
    }
    if (!s.ok()) {
      unlink(tmp.c_str());
    }
    return s;
  }

  Status PushBlob(const Digest& digest, ByteView data) override {
    if (!(Digest::Of(data, digest.algorithm()) == digest)) {
      return InvalidArgumentError("blob does not match digest " + digest.ToString());
    }
    VOUCH_RETURN_IF_ERROR(MakeDir(dir_ + "/blobs/" + std::string(HashAlgorithmName(digest.algorithm()))));
    if (PathExists(BlobPath(digest))) {
      return OkStatus();
    }
    return WriteFileAtomic(BlobPath(digest), data, 0644, WriteMode::kOverwrite);
  }

  Result<bool> MountBlob(const Digest&, const Reference&) override { return false; }

  Result<bool> PushManifest(std::string_view identifier, ByteView bytes,
                            std::string_view media_type) override {
    Digest digest = Digest::Of(bytes);
    if (auto d = Digest::Parse(identifier); d.ok()) {
      if (!(*d == digest)) {
        return InvalidArgumentError("manifest bytes do not match " + std::string(identifier));
      }
      VOUCH_RETURN_IF_ERROR(PushBlob(digest, bytes));
      return false;
    }
    if (!IsValidTag(identifier)) {
      return InvalidArgumentError("invalid tag " + std::string(identifier));
    }
    VOUCH_RETURN_IF_ERROR(PushBlob(digest, bytes));
    std::lock_guard<std::mutex> lock(LayoutMutex(dir_));
    VOUCH_ASSIGN_OR_RETURN(OrderedJson index, ReadIndex());
    SetTag(index, std::string(identifier), digest, media_type, bytes.size());
    VOUCH_RETURN_IF_ERROR(WriteIndex(index));
    return false;
  }

  Status DeleteManifest(const Digest& digest) override {
    std::lock_guard<std::mutex> lock(LayoutMutex(dir_));
    VOUCH_ASSIGN_OR_RETURN(OrderedJson index, ReadIndex());
    auto& ms = index["manifests"];
    size_t before = ms.size();
    OrderedJson kept = OrderedJson::array();
    for (const auto& e : ms) {
      if (e.value("digest", "") != digest.ToString()) {
        kept.push_back(e);
      }
    }
    if (kept.size() == before && !PathExists(BlobPath(digest))) {
      return NotFoundError("manifest " + digest.ToString() + " not in " + ref_.RepositoryName());
    }
    ms = kept;
    return WriteIndex(index);
  }

  Result<std::vector<std::string>> ListTags() override {
    VOUCH_ASSIGN_OR_RETURN(OrderedJson index, ReadIndex());
    std::vector<std::string> tags;
    for (const auto& e : index["manifests"]) {
      if (e.contains("annotations") && e["annotations"].is_object() &&
          e["annotations"].contains(kRefName) && e["annotations"][kRefName].is_string()) {
        tags.push_back(e["annotations"][kRefName].get<std::string>());
      }
    }
    std::sort(tags.begin(), tags.end());
    return tags;
  }

  Result<Referrers> ListReferrers(const Digest& subject, std::string_view artifact_type) override {
    Referrers out;
    out.scheme = ReferrersScheme::kFallbackTag;
    auto m = FetchManifest(FallbackTag(subject));
    if (!m.ok()) {
      if (IsNotFound(m.status())) {
        return out;
      }
      return m.status();
    }
    VOUCH_ASSIGN_OR_RETURN(out.descriptors,
                           internal::ParseReferrersIndex(m->bytes, artifact_type, true));
    return out;
  }

  Status PushReferrer(ByteView bytes, std::string_view media_type) override {
    Digest digest = Digest::Of(bytes);
    VOUCH_ASSIGN_OR_RETURN(Descriptor entry,
                           internal::ReferrerDescriptor(bytes, media_type, digest));
    VOUCH_ASSIGN_OR_RETURN(ManifestView view, ParseManifest(bytes, media_type));
    VOUCH_RETURN_IF_ERROR(PushBlob(digest, bytes));
    TagUpdateOptions options;
    options.sleep = impl_->opts.retry.sleep;
    options.jitter = impl_->opts.retry.jitter;
    return internal::AddToFallbackIndex(*this, FallbackTag(view.subject->digest), entry, options);
  }

  // The ETag of a layout tag is the digest of what it names; the compare-and-swap runs under
  // the layout's process lock, so the precondition is enforced atomically within a process.
  Result<std::optional<TaggedManifest>> FetchTaggedManifest(std::string_view tag) override {
    auto m = FetchManifest(tag);
    if (!m.ok()) {
      if (IsNotFound(m.status())) {
        return std::optional<TaggedManifest>();
      }
      return m.status();
    }
    std::string etag = "\"" + m->digest.ToString() + "\"";
    return std::optional<TaggedManifest>(TaggedManifest{std::move(m).value(), etag});
  }

  Result<bool> PushTaggedManifest(std::string_view tag, ByteView bytes,
                                  std::string_view media_type,
                                  const TagCondition& condition) override {
    Digest d = Digest::Of(bytes);
    VOUCH_RETURN_IF_ERROR(PushBlob(d, bytes));
    std::lock_guard<std::mutex> lock(LayoutMutex(dir_));
    VOUCH_ASSIGN_OR_RETURN(OrderedJson index, ReadIndex());
    std::optional<std::string> current;
    for (const auto& e : index["manifests"]) {
      if (e.contains("annotations") && e["annotations"].is_object() &&
          e["annotations"].value(kRefName, "") == tag && e.contains("digest") &&
          e["digest"].is_string()) {
        current = "\"" + e["digest"].get<std::string>() + "\"";
      }
    }
    if ((condition.if_none_match && current) ||
        (!condition.if_match.empty() && current != condition.if_match)) {
      return AbortedError("tag " + std::string(tag) + " of " + dir_ + " changed concurrently");
    }
    SetTag(index, std::string(tag), d, media_type, bytes.size());
    VOUCH_RETURN_IF_ERROR(WriteIndex(index));
    return true;
  }

 private:

  static void SetTag(OrderedJson& index, const std::string& tag, const Digest& digest,
                     std::string_view media_type, size_t size) {
    OrderedJson kept = OrderedJson::array();
    for (const auto& e : index["manifests"]) {
      bool same = e.contains("annotations") && e["annotations"].is_object() &&
                  e["annotations"].value(kRefName, "") == tag;
      if (!same) {
        kept.push_back(e);
      }
    }
    OrderedJson entry;
    entry["mediaType"] = std::string(media_type);
    entry["digest"] = digest.ToString();
    entry["size"] = size;
    entry["annotations"] = OrderedJson{{kRefName, tag}};
    kept.push_back(entry);
    index["manifests"] = kept;
  }

  std::string BlobPath(const Digest& d) const {
    return dir_ + "/blobs/" + std::string(HashAlgorithmName(d.algorithm())) + "/" + d.Hex();
  }

  Result<Bytes> ReadBlob(const Digest& d, uint64_t cap) {
    auto b = ReadFile(BlobPath(d), static_cast<size_t>(cap));
    if (!b.ok() && IsNotFound(b.status())) {
      return NotFoundError(d.ToString() + " not found in " + ref_.RepositoryName());
    }
    return b;
  }

  Result<OrderedJson> ReadIndex() {
    VOUCH_ASSIGN_OR_RETURN(Bytes b, ReadFile(dir_ + "/index.json", impl_->opts.max_manifest_bytes));
    auto j = ParseOrderedJson(AsChars(b), dir_ + "/index.json");
    if (!j.ok()) {
      return DataLossError(j.status().message());
    }
    if (!j->is_object() || !j->contains("manifests") || !(*j)["manifests"].is_array()) {
      return DataLossError(dir_ + "/index.json is not an OCI index");
    }
    return std::move(j).value();
  }

  Status WriteIndex(const OrderedJson& index) {
    std::string text = DumpJson(index);
    return WriteFileAtomic(dir_ + "/index.json", AsBytes(text), 0644, WriteMode::kOverwrite);
  }

  std::shared_ptr<Client::Impl> impl_;
  Reference ref_;
  std::string dir_;
};

}  // namespace

Result<std::unique_ptr<Repository>> NewLayoutRepository(std::shared_ptr<Client::Impl> impl,
                                                        Reference ref, Access access) {
  auto repo = std::make_unique<LayoutRepository>(std::move(impl), std::move(ref));
  VOUCH_RETURN_IF_ERROR(repo->Init(access));
  return std::unique_ptr<Repository>(std::move(repo));
}

}  // namespace vouch::registry
