// Default implementations of the Repository methods added after the interface was first
// published, so that other implementations keep compiling (they work, less efficiently).
#include <span>

#include "vouch/registry/client.h"

namespace vouch::registry {

Result<std::optional<TaggedManifest>> Repository::FetchTaggedManifest(std::string_view tag) {
  auto m = FetchManifest(tag);
  if (!m.ok()) {
    if (IsNotFound(m.status())) {
      return std::optional<TaggedManifest>();
    }
    return m.status();
  }
  return std::optional<TaggedManifest>(TaggedManifest{std::move(m).value(), ""});
}

Result<bool> Repository::PushTaggedManifest(std::string_view tag, ByteView bytes,
                                            std::string_view media_type, const TagCondition&) {
  VOUCH_RETURN_IF_ERROR(PushManifest(tag, bytes, media_type).status());
  return false;
}

Status Repository::FetchBlobStream(const Digest& digest, int64_t expected_size,
                                   const BlobSink& sink) {
  VOUCH_ASSIGN_OR_RETURN(Bytes b, FetchBlob(digest, expected_size));
  return b.empty() ? OkStatus() : sink(0, b);
}

Status Repository::PushBlobStream(const Digest& digest, uint64_t size, const BlobSource& source) {
  Bytes data(static_cast<size_t>(size));
  uint64_t off = 0;
  while (off < size) {
    VOUCH_ASSIGN_OR_RETURN(size_t n, source(off, std::span<uint8_t>(data).subspan(
                                                     static_cast<size_t>(off))));
    if (n == 0) {
      return DataLossError("blob source for " + digest.ToString() + " ended early");
    }
    off += n;
  }
  return PushBlob(digest, data);
}

}  // namespace vouch::registry
