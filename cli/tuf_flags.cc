#include "tuf_flags.h"

#include "sigstore_flags.h"
#include "vouch/core/file.h"

namespace vouch::cli {

Result<tuf::UpdateResult> UpdateTuf(const TufSource& source) {
  tuf::UpdateRequest request;
  request.url = source.url;
  request.cache_dir = source.cache_dir;
  if (!source.root_file.empty()) {
    VOUCH_ASSIGN_OR_RETURN(Bytes root, ReadFile(source.root_file, tuf::kMaxRootBytes));
    request.initial_root = ToString(root);
  }
  return tuf::Update(*ServiceTransport(), request);
}

std::optional<std::string> CachedTrustedRoot(const TufSource& source) {
  if (source.cache_dir.empty()) {
    return std::nullopt;
  }
  return tuf::CachedTarget(source.cache_dir, source.url, tuf::kTrustedRootTarget);
}

std::optional<std::string> CachedSigningConfig(const TufSource& source) {
  if (source.cache_dir.empty()) {
    return std::nullopt;
  }
  return tuf::CachedTarget(source.cache_dir, source.url, tuf::kSigningConfigTarget);
}

}  // namespace vouch::cli
