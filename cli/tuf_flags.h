// Trust roots over TUF for the CLI: the repository and cache flags of `vouch trusted-root`, the
// update they run (tuf::Update over the curl transport), and the trusted root a verification
// falls back to when no --trusted-root is given (identity_flags.cc).
#pragma once

#include <optional>
#include <string>

#include "vouch/core/status.h"
#include "vouch/tuf/tuf.h"

namespace vouch::cli {

// TufSource is one TUF repository and where its cache lives.
struct TufSource {
  std::string url = std::string(tuf::kPublicGoodUrl);
  std::string cache_dir = tuf::DefaultCacheDir();
  // root_file is the root.json to start from when the cache has none (--root); "" means the
  // root built into vouch for the public-good and staging URLs.
  std::string root_file;
};

// UpdateTuf reads |source.root_file| (capped at tuf::kMaxRootBytes) and runs tuf::Update with a
// curl transport (SSL_CERT_FILE replaces the CA store, as for registries).
Result<tuf::UpdateResult> UpdateTuf(const TufSource& source);

// CachedTrustedRoot returns the cached trusted_root.json of |source|, nullopt when there is
// none (nothing is fetched).
std::optional<std::string> CachedTrustedRoot(const TufSource& source);

// CachedSigningConfig returns the cached signing_config.v0.2.json of |source|, nullopt when
// there is none (nothing is fetched): keyless signing's services when no --signing-config or
// --fulcio-url is given (sign::ServiceChoice::default_signing_config_path).
std::optional<std::string> CachedSigningConfig(const TufSource& source);

}  // namespace vouch::cli
