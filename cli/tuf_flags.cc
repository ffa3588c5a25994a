#include "tuf_flags.h"

#include <cstdlib>

#include "vouch/core/file.h"
#include "vouch/registry/transport.h"

namespace vouch::cli {

Result<tuf::UpdateResult> UpdateTuf(const TufSource& source) {
  tuf::UpdateRequest request;
  request.url = source.url;
  request.cache_dir = source.cache_dir;
  if (!source.root_file.empty()) {
    VOUCH_ASSIGN_OR_RETURN(Bytes root, ReadFile(source.root_file, tuf::kMaxRootBytes));
    request.initial_root = ToString(root);
  }
  registry::CurlTransportOptions options;
  if (const char* ca = std::getenv("SSL_CERT_FILE"); ca != nullptr && *ca != '\0') {
    options.ca_file = ca;
  }
  std::unique_ptr<registry::Transport> transport = registry::NewCurlTransport(options);
  return tuf::Update(*transport, request);
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
