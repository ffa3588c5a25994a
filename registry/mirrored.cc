// A repository read through the endpoints registries.conf gives it (mirrors, then the primary)
// and written to the primary only.
#include "mirrored.h"

#include <utility>

namespace vouch::registry::internal {
namespace {

class MirroredRepository final : public Repository {
 public:
  MirroredRepository(Reference ref, std::vector<MirroredEndpoint> endpoints)
      : ref_(std::move(ref)), endpoints_(std::move(endpoints)) {}

  const Reference& reference() const override { return ref_; }

  Result<Descriptor> Resolve(std::string_view identifier) override {
    return Read<Descriptor>(identifier, [&](Repository& r) { return r.Resolve(identifier); });
  }
  Result<Manifest> FetchManifest(std::string_view identifier) override {
    return Read<Manifest>(identifier, [&](Repository& r) { return r.FetchManifest(identifier); });
  }
  Result<std::optional<TaggedManifest>> FetchTaggedManifest(std::string_view tag) override {
    return Read<std::optional<TaggedManifest>>(
        tag, [&](Repository& r) { return r.FetchTaggedManifest(tag); });
  }
  Result<bool> BlobExists(const Digest& digest) override {
    return Read<bool>(digest.ToString(), [&](Repository& r) { return r.BlobExists(digest); });
  }
  Result<Bytes> FetchBlob(const Digest& digest, int64_t expected_size) override {
    return Read<Bytes>(digest.ToString(),
                       [&](Repository& r) { return r.FetchBlob(digest, expected_size); });
  }
  Status FetchBlobStream(const Digest& digest, int64_t expected_size,
                         const BlobSink& sink) override {
    // A sink writes at the offsets it is given, so an endpoint that fails half way is simply
    // followed by the next one starting again at 0.
    return Read<bool>(digest.ToString(),
                      [&](Repository& r) -> Result<bool> {
                        VOUCH_RETURN_IF_ERROR(r.FetchBlobStream(digest, expected_size, sink));
                        return true;
                      })
        .status();
  }
  Result<std::vector<std::string>> ListTags() override {
    return Read<std::vector<std::string>>("", [&](Repository& r) { return r.ListTags(); });
  }
  Result<Referrers> ListReferrers(const Digest& subject, std::string_view artifact_type) override {
    return Read<Referrers>(subject.ToString(),
                           [&](Repository& r) { return r.ListReferrers(subject, artifact_type); });
  }

  // Writes: the primary only.
  Status PushBlob(const Digest& digest, ByteView data) override {
    return Primary().PushBlob(digest, data);
  }
  Status PushBlobStream(const Digest& digest, uint64_t size, const BlobSource& source) override {
    return Primary().PushBlobStream(digest, size, source);
  }
  Result<bool> MountBlob(const Digest& digest, const Reference& from) override {
    return Primary().MountBlob(digest, from);
  }
  Result<bool> PushManifest(std::string_view identifier, ByteView bytes,
                            std::string_view media_type) override {
    return Primary().PushManifest(identifier, bytes, media_type);
  }
  Status DeleteManifest(const Digest& digest) override { return Primary().DeleteManifest(digest); }
  Status PushReferrer(ByteView bytes, std::string_view media_type) override {
    return Primary().PushReferrer(bytes, media_type);
  }
  Result<bool> PushTaggedManifest(std::string_view tag, ByteView bytes, std::string_view media_type,
                                  const TagCondition& condition) override {
    return Primary().PushTaggedManifest(tag, bytes, media_type, condition);
  }

 private:
  Repository& Primary() { return *endpoints_.back().repo; }

  // Read asks each endpoint that serves |identifier| in turn and returns the first answer; when
  // every one fails, the primary's error (the last asked), naming the mirrors tried.
  template <class T, class F>
  Result<T> Read(std::string_view identifier, F&& read) {
    std::string tried;
    for (size_t i = 0; i < endpoints_.size(); ++i) {
      MirroredEndpoint& e = endpoints_[i];
      const bool last = i + 1 == endpoints_.size();
      if (!last && !e.endpoint.Serves(identifier)) {
        continue;
      }
      Result<T> r = read(*e.repo);
      if (r.ok() || last) {
        if (!r.ok() && !tried.empty()) {
          return r.status().WithContext(tried + "; then " + e.endpoint.ref.RepositoryName());
        }
        return r;
      }
      tried += (tried.empty() ? "mirror " : "; mirror ") + e.endpoint.ref.RepositoryName() + ": " +
               r.status().message();
    }
    return InternalError("no endpoint");  // unreachable: the primary is always last
  }

  Reference ref_;
  std::vector<MirroredEndpoint> endpoints_;
};

}  // namespace

std::unique_ptr<Repository> NewMirroredRepository(Reference ref,
                                                  std::vector<MirroredEndpoint> endpoints) {
  return std::make_unique<MirroredRepository>(std::move(ref), std::move(endpoints));
}

}  // namespace vouch::registry::internal
